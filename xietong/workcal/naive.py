"""The obvious day-by-day implementation of working-time arithmetic.

Not used by the product: it is the reference the fast engine is checked against in property tests, and
the baseline the benchmark compares it with.
"""

from __future__ import annotations

import datetime as dt

from xietong.workcal.engine import WorkingCalendar


def naive_add(calendar: WorkingCalendar, instant: dt.datetime, duration: dt.timedelta) -> dt.datetime:
    local = instant.astimezone(calendar.tz)
    remaining = duration
    day = local.date()
    if remaining <= dt.timedelta(0):
        return calendar.next_working_instant(instant)
    while True:
        if calendar.is_working_day(day):
            for start, end in calendar.periods_on(day):
                period_start = dt.datetime.combine(day, start, tzinfo=calendar.tz)
                period_end = dt.datetime.combine(day, end, tzinfo=calendar.tz)
                begin = max(period_start, local)
                if begin >= period_end:
                    continue
                available = period_end - begin
                if remaining <= available:
                    return begin + remaining
                remaining -= available
        day += dt.timedelta(days=1)


def naive_between(calendar: WorkingCalendar, start: dt.datetime, end: dt.datetime) -> dt.timedelta:
    if end < start:
        return -naive_between(calendar, end, start)
    a, b = start.astimezone(calendar.tz), end.astimezone(calendar.tz)
    total = dt.timedelta(0)
    day = a.date()
    while day <= b.date():
        if calendar.is_working_day(day):
            for s, e in calendar.periods_on(day):
                lo = max(dt.datetime.combine(day, s, tzinfo=calendar.tz), a)
                hi = min(dt.datetime.combine(day, e, tzinfo=calendar.tz), b)
                if hi > lo:
                    total += hi - lo
        day += dt.timedelta(days=1)
    return total
