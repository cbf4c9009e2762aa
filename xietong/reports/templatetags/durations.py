"""Durations as people say them ("2h" in working time → "2 个工作小时"), and the number + unit inputs that
replace typing "2h / 1d"."""

from __future__ import annotations

from django import template
from django.utils.html import format_html, format_html_join
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from xietong.clocks.wording import duration_text
from xietong.workcal.spans import hours_words

register = template.Library()

UNITS = (("m", gettext_noop("分钟")), ("h", gettext_noop("小时")), ("d", gettext_noop("天")))


def duration_from_post(post, name: str) -> str:
    """The duration a number + unit pair names ("2" + "h" → "2h"); the old single field still works."""
    number, unit = (post.get(f"{name}_n") or "").strip(), post.get(f"{name}_unit") or "h"
    if number:
        return f"{number}{unit if unit in dict(UNITS) else 'h'}"
    return (post.get(name) or "").strip()


@register.filter
def in_hours(value: float | None) -> str:
    """A statistic in hours as a person says it: 0.17 → "11 分钟" (workcal.spans, the one formatter)."""
    return hours_words(value)


@register.filter
def duration_words(value: str, mode: str = "working") -> str:
    if not value:
        return ""
    try:
        return duration_text(value, mode)
    except ValueError:
        return value


@register.simple_tag
def duration_input(name: str, values, label_id: str):
    """<input type=number> + <select> of 分钟/小时/天, keeping what was typed."""
    number = values.get(f"{name}_n", "") if values else ""
    unit = (values.get(f"{name}_unit") if values else None) or "h"
    options = format_html_join(
        "",
        '<option value="{}"{}>{}</option>',
        ((code, " selected" if code == unit else "", _(label)) for code, label in UNITS),
    )
    return format_html(
        '<span class="duration-input"><input id="{}" type="number" min="1" step="1" inputmode="numeric" name="{}_n"'
        ' value="{}" aria-label="{}"><select name="{}_unit" aria-label="{}">{}</select></span>',
        label_id,
        name,
        number,
        _("数值"),
        name,
        _("单位"),
        options,
    )
