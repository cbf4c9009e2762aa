"""The audit trail (留痕): writing events inside the caller's transaction.

Writing takes no shared lock: the event is appended unsealed and the sequencer seals it into the hash
chain after it commits (core.audit_chain: audit_seal, audit_verify, the anchor)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable
from decimal import Decimal
from typing import Any

from django.db import models, transaction
from django.utils.functional import Promise

from xietong.core import clock
from xietong.core.audit_chain import GENESIS_HASH, ChainReport, audit_seal, audit_verify, event_hash
from xietong.core.models import AuditEvent
from xietong.core.request_context import current_ip

__all__ = [
    "GENESIS_HASH",
    "ChainReport",
    "audit_build",
    "audit_record",
    "audit_seal",
    "audit_verify",
    "event_hash",
    "events_for",
]

# Human labels of audit actions, filled by each app (e.g. {"request.submit": _("提交需求")}).
ACTION_LABELS: dict[str, Promise | str] = {}

# Called with (object_type, object_id, action) inside the transaction of every recorded change: the one
# place that sees every change to every object (the search index queues the object for re-indexing).
_CHANGE_LISTENERS: list[Callable[[str, str, str], None]] = []


def on_change_recorded(listener: Callable[[str, str, str], None]) -> None:
    if listener not in _CHANGE_LISTENERS:
        _CHANGE_LISTENERS.append(listener)


def register_actions(labels: dict[str, Promise | str]) -> None:
    ACTION_LABELS.update(labels)


def action_label(action: str) -> str:
    return str(ACTION_LABELS.get(action, action))


def _json_value(value: Any) -> Any:
    if value is None or isinstance(value, bool | int | str):
        return value
    if isinstance(value, dt.datetime):
        return value.isoformat()
    if isinstance(value, dt.date | dt.time):
        return value.isoformat()
    if isinstance(value, dt.timedelta):
        return value.total_seconds()
    if isinstance(value, Decimal | float):
        return str(value)
    if isinstance(value, models.Model):
        return value.pk
    if isinstance(value, dict):
        return {str(k): _json_value(v) for k, v in value.items()}
    if isinstance(value, Iterable):
        return [_json_value(v) for v in value]
    return str(value)


def snapshot(obj: models.Model, fields: Iterable[str]) -> dict[str, Any]:
    """The named fields of `obj` as plain JSON values (foreign keys as ids), for before/after."""
    data: dict[str, Any] = {}
    for name in fields:
        field = obj._meta.get_field(name)
        if field.many_to_many:
            data[name] = sorted((obj.pk and getattr(obj, name).values_list("pk", flat=True)) or [])
        elif field.is_relation:
            data[name] = getattr(obj, field.attname)  # type: ignore[union-attr]
        else:
            data[name] = _json_value(getattr(obj, name))
    return data


def changed_fields(before: dict[str, Any], after: dict[str, Any]) -> tuple[dict[str, Any], dict[str, Any]]:
    """Only the keys whose values differ, so an event shows what actually changed."""
    keys = [k for k in after if before.get(k) != after.get(k)]
    return {k: before.get(k) for k in keys}, {k: after[k] for k in keys}


def audit_record(
    *,
    actor: Any,
    action: str,
    obj: models.Model | None = None,
    object_type: str | None = None,
    object_id: str | int | None = None,
    object_label: str | None = None,
    before: dict[str, Any] | None = None,
    after: dict[str, Any] | None = None,
) -> AuditEvent:
    """Append one event to the trail. Must run inside the transaction of the change it records.

    `actor` is the person acting, or None for the system (clocks, the worker).
    """
    event = audit_build(
        actor=actor,
        action=action,
        obj=obj,
        object_type=object_type,
        object_id=object_id,
        object_label=object_label,
        before=before,
        after=after,
    )
    event.save(force_insert=True)
    return event


def audit_build(
    *,
    actor: Any,
    action: str,
    obj: models.Model | None = None,
    object_type: str | None = None,
    object_id: str | int | None = None,
    object_label: str | None = None,
    before: dict[str, Any] | None = None,
    after: dict[str, Any] | None = None,
) -> AuditEvent:
    """The event audit_record writes, not saved yet: for batches that insert many at once in the same
    transaction (AuditEvent.objects.bulk_create) — clock firings."""
    connection = transaction.get_connection()
    if not connection.in_atomic_block:
        raise RuntimeError("audit_record must run inside the transaction of the change it records")
    if obj is not None:
        object_type = object_type or obj._meta.label_lower
        object_id = obj.pk if object_id is None else object_id
        object_label = str(obj) if object_label is None else object_label
    # No chain head to lock: the event is written unsealed (seq None) and sealed after it commits.
    event = AuditEvent(
        at=clock.now(),
        actor=actor if actor is not None and getattr(actor, "pk", None) else None,
        actor_label=(getattr(actor, "display_name", None) or str(actor)) if actor is not None else "系统",
        action=action,
        object_type=object_type or "",
        object_id=str(object_id if object_id is not None else ""),
        object_label=(object_label or "")[:255],
        before=_json_value(before) if before is not None else None,
        after=_json_value(after) if after is not None else None,
        ip=current_ip(),
    )
    for listener in _CHANGE_LISTENERS:
        listener(event.object_type, event.object_id, event.action)
    return event


def events_for(obj: models.Model) -> models.QuerySet[AuditEvent]:
    """The timeline of one object, oldest first: in the order written, sealed or not yet."""
    return AuditEvent.objects.filter(object_type=obj._meta.label_lower, object_id=str(obj.pk)).order_by("id")
