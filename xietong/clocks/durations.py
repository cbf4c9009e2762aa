"""A limit's duration in words: "2h" in working time → "2 个工作小时", "1d" → "1 个工作日", "24h" in wall
time → "24 小时"."""

from __future__ import annotations

from django.utils.translation import gettext as _

from xietong.clocks.choices import TimeMode
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
