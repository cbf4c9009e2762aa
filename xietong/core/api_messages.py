"""The API's field messages in the interface language: pydantic reports bad input in English ("Field
required", "String should have at most 120 characters"); a person reading a 422 gets the same kind of
sentence the forms give, with the limit taken from the error's context."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

Message = Callable[[Mapping[str, Any]], str]


def _choices(ctx: Mapping[str, Any]) -> str:
    # pydantic's "'high', 'medium' or 'low'" → "high、medium、low"
    return str(ctx.get("expected", "")).replace("'", "").replace(" or ", "、").replace(", ", "、")


def _limit(template: str, key: str) -> Message:
    # template is marked with gettext_noop where it is written and translated here, when the message is made
    return lambda ctx: _(template) % {"n": ctx.get(key)}


def _fixed(text: str) -> Message:
    return lambda ctx: _(text)


INTEGER = _fixed(gettext_noop("应为整数"))
NUMBER = _fixed(gettext_noop("应为数字"))
BOOLEAN = _fixed(gettext_noop("应为 true 或 false"))
OBJECT = _fixed(gettext_noop("应为对象"))
DATE = _fixed(gettext_noop("应为有效日期，格式 YYYY-MM-DD"))
DATETIME = _fixed(gettext_noop("应为有效时间，格式 YYYY-MM-DDTHH:MM"))
TIME = _fixed(gettext_noop("应为有效时刻，格式 HH:MM"))
ONE_OF: Message = lambda ctx: _("应为以下之一：%(choices)s") % {"choices": _choices(ctx)}  # noqa: E731

MESSAGES: dict[str, Message] = {
    "missing": _fixed(gettext_noop("必填")),
    "string_too_long": _limit(gettext_noop("最多 %(n)s 个字符"), "max_length"),
    "string_too_short": _limit(gettext_noop("至少 %(n)s 个字符"), "min_length"),
    "too_long": _limit(gettext_noop("最多 %(n)s 项"), "max_length"),
    "too_short": _limit(gettext_noop("至少 %(n)s 项"), "min_length"),
    "greater_than_equal": _limit(gettext_noop("不能小于 %(n)s"), "ge"),
    "greater_than": _limit(gettext_noop("必须大于 %(n)s"), "gt"),
    "less_than_equal": _limit(gettext_noop("不能大于 %(n)s"), "le"),
    "less_than": _limit(gettext_noop("必须小于 %(n)s"), "lt"),
    "int_parsing": INTEGER,
    "int_type": INTEGER,
    "int_from_float": INTEGER,
    "float_parsing": NUMBER,
    "float_type": NUMBER,
    "decimal_parsing": NUMBER,
    "bool_parsing": BOOLEAN,
    "bool_type": BOOLEAN,
    "string_type": _fixed(gettext_noop("应为文本")),
    "list_type": _fixed(gettext_noop("应为列表")),
    "dict_type": OBJECT,
    "model_type": OBJECT,
    "model_attributes_type": OBJECT,
    "date_parsing": DATE,
    "date_from_datetime_parsing": DATE,
    "date_type": DATE,
    "date_from_datetime_inexact": _fixed(gettext_noop("应为日期，不带时间")),
    "datetime_parsing": DATETIME,
    "datetime_from_date_parsing": DATETIME,
    "datetime_type": DATETIME,
    "time_parsing": TIME,
    "time_type": TIME,
    "literal_error": ONE_OF,
    "enum": ONE_OF,
    "extra_forbidden": _fixed(gettext_noop("不认识的字段")),
    "json_invalid": _fixed(gettext_noop("不是有效的 JSON")),
}


def field_message(error: Mapping[str, Any]) -> str:
    """One pydantic error as a sentence in the interface language; a ValueError's own text is kept."""
    kind = str(error.get("type", ""))
    ctx = error.get("ctx") or {}
    if kind in MESSAGES:
        return MESSAGES[kind](ctx)
    if kind == "value_error" and ctx.get("error") is not None:
        return str(ctx["error"])
    return _("格式不正确")
