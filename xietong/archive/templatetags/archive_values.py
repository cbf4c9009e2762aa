"""How a filed form's values read on the archive page: 是/否 for a yes-or-no, one line per entry for a list
(an agenda, attendees), never Python's own text ("['…']", "False")."""

from __future__ import annotations

import ast
from typing import Any

from django import template
from django.utils.translation import gettext as _

register = template.Library()


@register.filter
def filed_value(value: Any) -> str:
    if value is None or value == "":
        return "—"
    if isinstance(value, bool):
        return _("是") if value else _("否")
    if isinstance(value, str) and value.startswith("[") and value.endswith("]"):
        # Records filed before lists were kept as lists carry the list's Python text.
        try:
            parsed = ast.literal_eval(value)
        except (ValueError, SyntaxError):
            return value
        value = parsed if isinstance(parsed, list) else value
    if isinstance(value, list | tuple):
        return "\n".join(str(filed_value(v)) for v in value) or "—"
    if isinstance(value, dict):
        return "\n".join(f"{k}：{filed_value(v)}" for k, v in value.items()) or "—"
    return str(value)
