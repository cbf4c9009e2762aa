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
    events = list(events_for(subject))
    owners = _clock_owners(events)
    for event in events:
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
        details += _clock_details(event, owners)
        actor_text = event.actor_label
        if after.get("acting_for_name"):
            actor_text = _("%(actor)s 代 %(absent)s") % {"actor": event.actor_label, "absent": after["acting_for_name"]}
        entries.append(TimelineEntry(event, action_label(event.action), details, actor_text))
    return entries


def _clock_owners(events: list[AuditEvent]) -> dict[int, str]:
    """{clock id: its owner's name} for the clock events of a timeline, in one query. A 会签 step holds a clock per
    approver: without a name its reminders, expiries and escalations read as the same line twice."""
    from xietong.clocks.models import Clock

    ids = {
        e.after["clock"]
        for e in events
        if e.action.startswith("clock.") and isinstance(e.after, dict) and isinstance(e.after.get("clock"), int)
    }
    if not ids:
        return {}
    rows = Clock.objects.filter(pk__in=ids, owner__isnull=False).values_list("pk", "owner__name", "owner__username")
    return {pk: name or username for pk, name, username in rows}


def _clock_details(event: AuditEvent, owners: Mapping[int, str]) -> list[tuple[str, Any, Any]]:
    """A clock event's lines: whose time it was (责任人) and, for an escalation, to whom it went (升级至)."""
    if not event.action.startswith("clock.") or not isinstance(event.after, dict):
        return []
    lines: list[tuple[str, Any, Any]] = []
    owner = owners.get(event.after.get("clock"))  # type: ignore[arg-type]
    if owner:
        lines.append((_("责任人"), "", owner))
    if event.action == "clock.escalate" and event.after.get("target_name"):
        lines.append((_("升级至"), "", event.after["target_name"]))
    return lines
