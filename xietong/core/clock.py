"""The one place "now" comes from.

Every clock computation asks `now()`; tests move it with time-machine (`time_machine.travel(t, tick=False)`),
never by sleeping. Values are aware datetimes; `local()` converts to the installation's time zone.
"""

from __future__ import annotations

import datetime as dt

from django.utils import timezone


def now() -> dt.datetime:
    """The current instant, aware, in UTC."""
    return timezone.now()


def local(instant: dt.datetime | None = None) -> dt.datetime:
    """An instant (default: now) in the installation's time zone (Asia/Shanghai unless configured)."""
    return timezone.localtime(instant if instant is not None else now())


def today() -> dt.date:
    """Today's date in the installation's time zone."""
    return local().date()
