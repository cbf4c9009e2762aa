"""Settings for the test suite: the production settings with fast hashing and in-memory mail."""

import os
import tempfile

os.environ.setdefault("SECRET_KEY", "test-only-secret-key-not-for-production-0123456789")
os.environ.setdefault("XIETONG_DATA_DIR", tempfile.mkdtemp(prefix="xietong-test-"))

from .settings import *  # noqa: F403

# A minimal item model that carries clocks (xietong/clocks/tests/probe).
INSTALLED_APPS = [*INSTALLED_APPS, "xietong.clocks.tests.probe"]  # noqa: F405
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
ALLOWED_HOSTS = ["*"]
LOGGING = {**LOGGING, "root": {"handlers": ["console"], "level": "WARNING"}}  # noqa: F405
# Tests serve static files from the source tree (no collectstatic).
WHITENOISE_AUTOREFRESH = True
WHITENOISE_USE_FINDERS = True
