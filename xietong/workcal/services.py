"""Changes to calendars. Every change bumps the calendar's version (so compiled engines refresh) and
tells the listeners (the clocks re-time their armed due times) in the same transaction."""

from __future__ import annotations

from collections.abc import Callable

from django.db import transaction
from django.db.models import F

from xietong.core.memo import forget
from xietong.workcal.models import WorkCalendar

_listeners: list[Callable[[WorkCalendar], object]] = []


def on_calendar_changed(listener: Callable[[WorkCalendar], object]) -> None:
    if listener not in _listeners:
        _listeners.append(listener)


@transaction.atomic
def calendar_changed(calendar: WorkCalendar) -> None:
    WorkCalendar.objects.filter(pk=calendar.pk).update(version=F("version") + 1)
    calendar.refresh_from_db(fields=["version"])
    forget()  # a memoized calendar would still carry the old version
    for listener in _listeners:
        listener(calendar)
