"""A designed process's rules in words, as people read them: 合计 > 50,000, 起止日期天数 > 3, 紧急程度 = 高 — shared by
the 模板库 and the clock panel (a clock armed under a limit by condition names that condition)."""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext as _

from xietong.core import clock
from xietong.designer import editor_forms as ef
from xietong.designer.schema import PREFIX


def prefix_hint(prefix: str) -> dict[str, str]:
    """The hint under 编号前缀: `text` for `prefix` as it stands (QJ: 事项编号如 QJ-2026-0001; none yet, or not
    1–6 capital letters: what to enter), `example` with "{prefix}" for editor.js to fill in as it is typed."""
    year = clock.today().year  # items are numbered by the year they are started in (items.numbering)
    example = _("事项编号如 %(number)s") % {"number": f"{{prefix}}-{year}-0001"}
    enter = _("填写 1–6 个大写字母，作为事项编号的开头，如 QJ 编为 QJ-%(year)s-0001") % {"year": year}
    prefix = (prefix or "").strip()
    return {
        "text": example.replace("{prefix}", prefix) if PREFIX.match(prefix) else enter,
        "example": example,
        "enter": enter,
    }


def field_label(field: dict[str, Any] | None) -> str:
    return str((field or {}).get("label") or (field or {}).get("key") or "")


def condition_words(when: dict[str, Any], fields: dict[str, dict]) -> str:
    if "all" in when or "any" in when:
        joiner = _(" 且 ") if "all" in when else _(" 或 ")
        return joiner.join(condition_words(part, fields) for part in when.get("all") or when.get("any") or [])
    field = fields.get(str(when.get("field"))) or {}
    label = field_label(field) or str(when.get("field"))
    if field.get("type") == "daterange":  # compared by its days (工作日 or 自然日, as the field counts)
        label = _("%(label)s天数") % {"label": label}
    op = str(when.get("op") or "==")
    value = when.get("value")
    shown = "、".join(_value(v) for v in value) if isinstance(value, list) else _value(value)
    if op == "empty":
        return _("%(label)s为空") % {"label": label}
    return f"{label} {dict(ef.OPS).get(op, op)} {shown}"


def before_words(field: dict[str, Any] | None, key: str, duration: str, mode: str) -> str:
    """A limit counted back from a date field, as the documents say it: 建议会议时间前 2 个工作日."""
    from xietong.clocks.durations import duration_text

    try:
        span = duration_text(duration, "working" if mode == "working" else "wall")
    except ValueError:
        span = duration
    return _("%(field)s前 %(limit)s") % {"field": field_label(field) or key, "limit": span}


def _value(value: Any) -> str:
    if isinstance(value, bool) or value is None:
        return "" if value is None else str(value)
    return f"{value:,}" if isinstance(value, int | float) else str(value)
