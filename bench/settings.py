"""Benchmark settings: production settings plus the minimal clock-carrying test item (probe)."""

import os

os.environ.setdefault("SECRET_KEY", "bench-only-secret-key-0123456789-abcdefghijklmnopqrstuvwxyz")

from xietong.settings import *  # noqa: F403

INSTALLED_APPS = [*INSTALLED_APPS, "xietong.clocks.tests.probe"]  # noqa: F405
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
if not os.environ.get("EMAIL_HOST"):  # a benchmark that times mail gives its workers a real SMTP server
    EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
LOGGING = {"version": 1, "disable_existing_loggers": False, "root": {"level": "WARNING"}}
