"""Login throttling, kept in the database so that every web process sees the same failures."""

from __future__ import annotations

import datetime as dt
import math

from django.conf import settings
from django.db.models import Max

from xietong.core import clock
from xietong.core.models import LoginFailure


def _window() -> dt.timedelta:
    return dt.timedelta(minutes=settings.XIETONG_LOGIN_WINDOW_MINUTES)


def login_locked_minutes(username: str, ip: str | None) -> int:
    """Minutes until the next attempt is allowed, or 0 if attempts are allowed now."""
    since = clock.now() - _window()
    limit = settings.XIETONG_LOGIN_MAX_FAILURES
    recent = LoginFailure.objects.filter(at__gte=since)
    by_user = recent.filter(username=username.lower())
    locked_rows = None
    if by_user.count() >= limit:
        locked_rows = by_user
    elif ip and recent.filter(ip=ip).count() >= limit * 4:
        locked_rows = recent.filter(ip=ip)
    if locked_rows is None:
        return 0
    last = locked_rows.aggregate(last=Max("at"))["last"]
    remaining = (last + _window() - clock.now()).total_seconds()
    return max(1, math.ceil(remaining / 60))


def login_failure_record(username: str, ip: str | None) -> None:
    LoginFailure.objects.create(username=username.lower()[:150], ip=ip)
    # Keep the table small: anything older than a day no longer matters.
    LoginFailure.objects.filter(at__lt=clock.now() - dt.timedelta(days=1)).delete()


def login_failures_clear(username: str) -> None:
    LoginFailure.objects.filter(username=username.lower()).delete()
