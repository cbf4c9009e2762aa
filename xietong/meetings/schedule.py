"""Meeting dates in working days: pure functions of (calendar engine, dates). No database, no clock."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.utils.translation import gettext as _

from xietong.workcal.engine import WorkingCalendar

ONE_DAY = dt.timedelta(days=1)
MAX_OCCURRENCES = 53


def working_days_before(engine: WorkingCalendar, day: dt.date, n: int) -> dt.date:
    """The working day that lies `n` working days before `day` (n = 0: `day` itself).

    "提前 2 个工作日" for a Monday meeting: Friday, or the Saturday before when that Saturday is a 调休
    working day; statutory holidays and weekends are skipped.
    """
    if n < 0:
        raise ValueError("n must not be negative")
    current, counted = day, 0
    for _attempt in range(400 * max(1, n)):
        if counted == n:
            return current
        current -= ONE_DAY
        if engine.is_working_day(current):
            counted += 1
    raise ValueError(_("一年内没有足够的工作日：请检查日历设置"))


def notice_deadline(engine: WorkingCalendar, meeting_day: dt.date, working_days: int) -> dt.date:
    """The last day a notice (or an application) may go out for a meeting on `meeting_day`."""
    return working_days_before(engine, meeting_day, working_days)


def sent_late(engine: WorkingCalendar, sent_at: dt.datetime, meeting_day: dt.date, working_days: int) -> bool:
    """Sent after the deadline day (in the calendar's time zone): allowed, but marked and reported."""
    return sent_at.astimezone(engine.tz).date() > notice_deadline(engine, meeting_day, working_days)


def end_of_working_day(engine: WorkingCalendar, day: dt.date) -> dt.datetime:
    """18:00 (the end of the last working period) on `day`: when a date-only deadline runs out."""
    return engine.day_end(day)


@dataclass(frozen=True)
class Occurrences:
    days: list[dt.date]
    skipped: list[tuple[dt.date, str]]  # (day, why): holidays and rest days are not met on


def weekly_occurrences(engine: WorkingCalendar, first: dt.date, until: dt.date) -> Occurrences:
    """Every 7 days from `first` up to `until`, skipping days that are not working days (国庆、春节 …)."""
    days: list[dt.date] = []
    skipped: list[tuple[dt.date, str]] = []
    current = first
    while current <= until and len(days) + len(skipped) < MAX_OCCURRENCES:
        if engine.is_working_day(current):
            days.append(current)
        else:
            skipped.append((current, engine.day_description(current)))
        current += 7 * ONE_DAY
    return Occurrences(days, skipped)


def last_working_day_of_month(engine: WorkingCalendar, year: int, month: int) -> dt.date:
    """月末: the month's last working day (a 调休 Saturday counts; 国庆 at the start of October does not matter)."""
    day = (dt.date(year + month // 12, month % 12 + 1, 1)) - ONE_DAY
    while not engine.is_working_day(day):
        day -= ONE_DAY
    return day


def month_end_occurrences(engine: WorkingCalendar, first: dt.date, until: dt.date) -> Occurrences:
    """项目月度会 (每月末召开): the last working day of each month from `first`'s month up to `until`."""
    days: list[dt.date] = []
    year, month = first.year, first.month
    while len(days) < MAX_OCCURRENCES:
        day = last_working_day_of_month(engine, year, month)
        if day > until:
            break
        if day >= first:
            days.append(day)
        year, month = (year + 1, 1) if month == 12 else (year, month + 1)
    return Occurrences(days, [])


def overlaps(a_start: dt.datetime, a_end: dt.datetime, b_start: dt.datetime, b_end: dt.datetime) -> bool:
    """Half-open intervals: a meeting ending at 10:00 does not clash with one starting at 10:00."""
    return a_start < b_end and b_start < a_end
