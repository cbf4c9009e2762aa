"""Time limits in words, from the policy or the armed clock — never a literal in a message."""

from __future__ import annotations

import datetime as dt

from django.utils.translation import gettext as _

from xietong.clocks.models import Clock, ClockPolicy, TimeMode
from xietong.core import clock as time_source
from xietong.core.i18n import month_day_time
from xietong.workcal.engine import Duration, parse_duration


def duration_text(duration: Duration | str, mode: str) -> str:
    """ "2h" in working time → "2 个工作小时"; "1d" → "1 个工作日"; "24h" in wall time → "24 小时"."""
    value = parse_duration(duration) if isinstance(duration, str) else duration
    hours, minutes = divmod(value.minutes, 60)
    parts: list[str] = []
    working = mode == TimeMode.WORKING
    if value.days:
        parts.append((_("%(n)d 个工作日") if working else _("%(n)d 天")) % {"n": value.days})
    if hours:
        parts.append((_("%(n)d 个工作小时") if working else _("%(n)d 小时")) % {"n": hours})
    if minutes or not parts:
        parts.append(_("%(n)d 分钟") % {"n": minutes})
    return " ".join(parts)


def policy_limit_text(policy: ClockPolicy | None) -> str:
    return duration_text(policy.duration, policy.mode) if policy is not None else ""


def clock_limit_text(row: Clock) -> str:
    """The limit of an armed clock as its policy stated it when armed (offset from its anchor)."""
    span = dt.timedelta(microseconds=row.offset_us)
    minutes = int(span.total_seconds() // 60)
    return duration_text(Duration(0, minutes), row.mode) if row.mode == TimeMode.WALL else _working_text(row, span)


def _working_text(row: Clock, span: dt.timedelta) -> str:
    from xietong.clocks.services import timebase

    day = timebase(row.mode, row.calendar).day_length
    days, rest = divmod(span, day) if day else (0, span)
    return duration_text(Duration(int(days), int(rest.total_seconds() // 60)), row.mode)


def due_text(instant: dt.datetime) -> str:
    return month_day_time(time_source.local(instant))
