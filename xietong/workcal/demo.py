"""Demo only: working days relative to today, for seeding a realistic history."""

from __future__ import annotations

import datetime as dt

from xietong.core import clock
from xietong.workcal.selectors import default_calendar, engine_for


def working_date(offset: int) -> dt.date:
    """The working day `offset` working days from today (negative: before; 0: today, or the next
    working day if today is not one)."""
    engine = engine_for(default_calendar())
    day = clock.today()
    step = -1 if offset < 0 else 1
    while not engine.is_working_day(day):
        day += dt.timedelta(days=1)
    for _ in range(abs(offset)):
        day += dt.timedelta(days=step)
        while not engine.is_working_day(day):
            day += dt.timedelta(days=step)
    return day


def working_day_before(n: int, at_time: str) -> dt.datetime:
    """The n-th working day before today, at a local time like "10:30"."""
    engine = engine_for(default_calendar())
    day = clock.today()
    while n > 0:
        day -= dt.timedelta(days=1)
        if engine.is_working_day(day):
            n -= 1
    hour, minute = (int(part) for part in at_time.split(":"))
    return engine.at(day, dt.time(hour, minute))
