"""How long something is, as a person says it — the one formatter for every duration and time left or late that
a page, message, card or API display field shows (issue 23: "剩余 82 小时 30 分钟（工作时间）" and "0.17h").

Working time is counted in working days of the calendar that applies (e.g. 8 h): "2 个工作日 3 小时",
"3 个工作小时 10 分钟", "10 分钟". Wall time in days of 24 h: "2 天 3 小时", "5 小时 20 分钟". Two units at most
for a span (days and hours, or hours and minutes); a limit as a policy states it keeps every unit it names.
"""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.utils.translation import npgettext

__all__ = ["hours_words", "span_words", "units_words"]


def _n(singular: str, count: int) -> str:
    """One unit in the reader's language (the Chinese original outside Django, e.g. benchmarks)."""
    text = npgettext("duration", singular, singular, count) if settings.configured else singular
    return text % {"n": count}


def units_words(days: int, minutes: int, *, working: bool, exact: bool = False) -> str:
    """Days (working or calendar) and minutes in words. exact: every unit (a policy's "1d 30m"); otherwise two
    at most, the largest first."""
    hours, rest = divmod(minutes, 60)
    parts: list[str] = []
    if days:
        parts.append(_n("%(n)d 个工作日", days) if working else _n("%(n)d 天", days))
    if hours:
        parts.append(_n("%(n)d 个工作小时", hours) if working and not days else _n("%(n)d 小时", hours))
    if rest and (exact or not days):
        parts.append(_n("%(n)d 分钟", rest))
    if not parts:
        parts.append(_n("%(n)d 分钟", 0))
    return " ".join(parts)


def hours_words(hours: float | None) -> str:
    """A statistic in hours (a median response time, 0.17) in words: "11 分钟", "2 小时 30 分钟"; "—" for none."""
    if hours is None:
        return "—"
    total = -(-round(hours * 3600) // 60)
    return units_words(0, total, working=False)


def span_words(span: dt.timedelta, *, working: bool = False, day: dt.timedelta | None = None) -> str:
    """A span (its sign ignored: the caller says 剩余 or 已超时) in words. Minutes round up, so "due in 10 seconds"
    is "1 分钟", never "0 分钟". working: `day` is the calendar's working-day length (no day unit without it)."""
    total = -(-int(abs(span).total_seconds()) // 60)
    length = day if working else dt.timedelta(days=1)
    day_minutes = int(length.total_seconds() // 60) if length else 0
    days, rest = divmod(total, day_minutes) if day_minutes > 0 else (0, total)
    return units_words(days, rest, working=working)
