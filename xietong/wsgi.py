"""WSGI entry point for gunicorn: `gunicorn xietong.wsgi`."""

import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "xietong.settings")
application = get_wsgi_application()
