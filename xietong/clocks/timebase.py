"""What a clock counts in: working time of a calendar, or wall-clock time (elapsed), whose deadline may move to
the start of the next working period when it falls outside working hours ("snap")."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from xietong.clocks.choices import TimeMode
from xietong.workcal.engine import WallClock, WorkingCalendar
from xietong.workcal.models import WorkCalendar
from xietong.workcal.selectors import default_calendar, engine_for


@dataclass(frozen=True)
class SnappedWallClock:
    """Elapsed time ("24 小时"), but a deadline at night or on a holiday moves to the next working period's
    start; one at the very end of a working period (18:00) stays there."""

    calendar: WorkingCalendar
    day_length: dt.timedelta = dt.timedelta(hours=24)

    def add(self, instant: dt.datetime, duration: dt.timedelta) -> dt.datetime:
        due = WallClock().add(instant, duration)
        just_before = due - dt.timedelta(microseconds=1)
        if self.calendar.is_working_time(due) or self.calendar.is_working_time(just_before):
            return due
        return self.calendar.next_working_instant(due)

    def between(self, start: dt.datetime, end: dt.datetime) -> dt.timedelta:
        return end - start


def timebase(
    mode: str, calendar: WorkCalendar | None, snap: bool = False
) -> WorkingCalendar | WallClock | SnappedWallClock:
    if mode == TimeMode.WALL:
        if snap:
            return SnappedWallClock(engine_for(calendar or default_calendar()))
        return WallClock()
    return engine_for(calendar or default_calendar())
