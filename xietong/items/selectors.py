"""Reads shared by every item page: the timeline (its audit events), in words people read."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from django.core.exceptions import FieldDoesNotExist
from django.db import models
from django.utils.functional import Promise
from django.utils.translation import gettext as _

from xietong.core.audit import action_label, events_for
from xietong.core.i18n import enumerate_list
from xietong.core.models import AuditEvent
from xietong.items.process import processes


@dataclass
class TimelineEntry:
    event: AuditEvent
    label: str
    details: list[tuple[str, Any, Any]]  # (field label, before, after) — displayable values
    actor_text: str = ""  # "王强" or, for a stand-in, "王强 代 李娜"


class _Formatter:
    """Turns stored before/after values into what a person reads: names for ids, labels for choices."""

    def __init__(self, model: type[models.Model]):
        self.model = model
        self.cache: dict[tuple[type[models.Model], Any], str] = {}

    def __call__(self, field_name: str, value: Any) -> Any:
        if value in (None, "", []):
            return "—"
        try:
            field = self.model._meta.get_field(field_name)
        except FieldDoesNotExist:
            return "；".join(map(str, value)) if isinstance(value, list) else value
        if field.auto_created and not field.concrete:  # a reverse relation: the stored value is already readable
            return "；".join(map(str, value)) if isinstance(value, list) else value
        if field.is_relation and field.related_model is not None:
            related = field.related_model
            ids = value if isinstance(value, list) else [value]
            names = [self._name(related, pk) for pk in ids]
            return enumerate_list(names)
        choices = getattr(field, "choices", None)
        if choices:
            return dict(choices).get(value, value)
        return value

    def _name(self, related: type[models.Model], pk: Any) -> str:
        key = (related, pk)
        if key not in self.cache:
            obj = related._default_manager.filter(pk=pk).first()
            self.cache[key] = str(obj) if obj is not None else f"#{pk}"
        return self.cache[key]


def _other_states(subject: models.Model) -> dict[str, Mapping[str, Any]]:
    """{process key: its state labels} for the processes whose steps are recorded on another item's timeline
    (audit_on: a 分工表 on its request's, a feedback invitation on its request's): their events carry their
    own state (published, answered), which the subject's choices do not name."""
    return {p.key: p.state_labels for p in processes() if p.model is not type(subject)}


def timeline(subject: models.Model, field_labels: Mapping[str, str | Promise] | None = None) -> list[TimelineEntry]:
    labels = field_labels or {}
    fmt = _Formatter(type(subject))
    others = _other_states(subject)
    entries = []
    for event in events_for(subject):
        before = event.before or {}
        after = event.after or {}
        states = others.get(event.action.split(".", 1)[0])

        def shown(key: str, value: Any, states: Mapping[str, Any] | None = states) -> Any:
            if key == "state" and states is not None and value in states:
                return str(states[value])
            return fmt(key, value)

        details = [
            (str(labels[key]), shown(key, before.get(key)) if key in before else "", shown(key, after.get(key)))
            for key in after
            if key in labels and before.get(key) != after.get(key)
        ]
        actor_text = event.actor_label
        if after.get("acting_for_name"):
            actor_text = _("%(actor)s 代 %(absent)s") % {"actor": event.actor_label, "absent": after["acting_for_name"]}
        entries.append(TimelineEntry(event, action_label(event.action), details, actor_text))
    return entries
