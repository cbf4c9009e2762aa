"""A limit's duration in words: "2h" in working time → "2 个工作小时", "1d" → "1 个工作日", "24h" in wall
time → "24 小时"."""

from __future__ import annotations

import datetime as dt

from xietong.clocks.choices import TimeMode
from xietong.workcal.engine import Duration, parse_duration
from xietong.workcal.spans import span_words, units_words


def duration_text(duration: Duration | str, mode: str) -> str:
    """ "2h" in working time → "2 个工作小时"; "1d" → "1 个工作日"; "24h" in wall time → "24 小时"."""
    value = parse_duration(duration) if isinstance(duration, str) else duration
    return units_words(value.days, value.minutes, working=mode == TimeMode.WORKING, exact=True)


def clock_span_text(span: dt.timedelta, mode: str, calendar=None) -> str:
    """Time left or late on a clock: in working days of the calendar that applies (its day length) when it
    counts working time — "2 个工作日 3 小时" — in days of 24 h otherwise."""
    from xietong.clocks.timebase import timebase

    working = mode == TimeMode.WORKING
    day = timebase(mode, calendar).day_length if working else None
    return span_words(span, working=working, day=day)
