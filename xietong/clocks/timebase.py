"""What a clock counts in: working time of a calendar, or wall-clock time."""

from __future__ import annotations

from xietong.clocks.choices import TimeMode
from xietong.workcal.engine import WallClock, WorkingCalendar
from xietong.workcal.models import WorkCalendar
from xietong.workcal.selectors import default_calendar, engine_for


def timebase(mode: str, calendar: WorkCalendar | None) -> WorkingCalendar | WallClock:
    if mode == TimeMode.WALL:
        return WallClock()
    return engine_for(calendar or default_calendar())
