"""Holidays a company keeps in an iCalendar file or subscription (the feeds many calendar apps offer).

Pure: bytes in, days out. Every all-day event is a day off, or a make-up workday when its summary says 班
(上班, 补班, 调休上班, "春节补班"); a multi-day event covers DTSTART up to DTEND (exclusive). Timed events say
nothing about whole days and are skipped (and counted, so the preview can say so).
"""

from __future__ import annotations

import datetime as dt
import re
from collections import defaultdict
from dataclasses import dataclass, field

from xietong.workcal.engine import _

_WORKDAY = re.compile(r"班")
_DECORATION = re.compile(r"[（(]?(调休)?(上班|补班|班|休|放假)[）)]?$")


@dataclass
class IcalDays:
    by_year: dict[int, list[tuple[dt.date, bool, str]]] = field(default_factory=dict)
    skipped: int = 0  # timed events


def parse_ical(data: bytes) -> IcalDays:
    """Raises ValueError (in Chinese) for something that is not a calendar or has a day twice."""
    from icalendar import Calendar

    try:
        calendar = Calendar.from_ical(data)
    except Exception as exc:  # icalendar raises ValueError and friends on any malformed line
        raise ValueError(_("不是有效的 iCalendar 日历：%(error)s") % {"error": exc}) from None
    days: dict[dt.date, tuple[bool, str]] = {}
    skipped = 0
    for event in calendar.walk("VEVENT"):
        start = event.get("DTSTART")
        if start is None:
            continue
        first = start.dt
        if isinstance(first, dt.datetime):
            skipped += 1
            continue
        end = event.get("DTEND")
        duration = event.get("DURATION")
        if end is not None and not isinstance(end.dt, dt.datetime):
            last = end.dt - dt.timedelta(days=1)
        elif duration is not None:
            last = first + duration.dt - dt.timedelta(days=1)
        else:
            last = first
        summary = str(event.get("SUMMARY") or "").strip()
        is_workday = bool(_WORKDAY.search(summary))
        name = _DECORATION.sub("", summary).strip() or summary
        day = first
        while day <= max(first, last):
            previous = days.get(day)
            if previous is not None and previous[0] != is_workday:
                raise ValueError(
                    _("%(date)s 既是假日又是上班日（“%(a)s”与“%(b)s”）")
                    % {"date": day.isoformat(), "a": previous[1], "b": summary}
                )
            days[day] = (is_workday, name[:60])
            day += dt.timedelta(days=1)
    if not days:
        raise ValueError(_("日历中没有全天事件：没有可导入的节假日"))
    by_year: dict[int, list[tuple[dt.date, bool, str]]] = defaultdict(list)
    for day in sorted(days):
        is_workday, name = days[day]
        by_year[day.year].append((day, is_workday, name))
    return IcalDays(dict(by_year), skipped)
