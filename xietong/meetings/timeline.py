"""The shared timeline, made readable for meetings and notices: instants in local time, yes/no for
flags, lists joined, stored codes (pending, submitted …) as their labels."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Mapping
from typing import Any

from django.db import models
from django.utils.functional import Promise
from django.utils.translation import gettext as _

from xietong.core import clock
from xietong.items.selectors import TimelineEntry, timeline

_ISO_INSTANT = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}")


def _readable(value: Any, labels: Mapping[str, str | Promise]) -> Any:
    if isinstance(value, bool):
        return _("是") if value else _("否")
    if isinstance(value, list):
        return "；".join(str(_readable(v, labels)) for v in value) or "—"
    if isinstance(value, str):
        if value in labels:
            return str(labels[value])
        if _ISO_INSTANT.match(value):
            try:
                return f"{clock.local(dt.datetime.fromisoformat(value)):%Y-%m-%d %H:%M}"
            except ValueError:
                return value
    return value


def readable_timeline(
    subject: models.Model,
    field_labels: Mapping[str, str | Promise],
    value_labels: Mapping[str | Promise, Mapping[str, str | Promise]] | None = None,
) -> list[TimelineEntry]:
    """`value_labels` maps a field's label to {stored code: label}, e.g. {"答复": {"declined": "请假"}}."""
    entries = timeline(subject, field_labels)
    # Labels may be lazy: compare them as text in the reader's language.
    by_label = {str(label): values for label, values in (value_labels or {}).items()}
    for entry in entries:
        entry.details = [
            (
                label,
                _readable(before, by_label.get(str(label), {})),
                _readable(after, by_label.get(str(label), {})),
            )
            for label, before, after in entry.details
        ]
    return entries
