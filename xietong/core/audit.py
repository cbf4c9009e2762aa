"""The audit trail (留痕): writing events inside the caller's transaction and verifying the hash chain."""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.db import models, transaction
from django.utils.functional import Promise

from xietong.core import clock
from xietong.core.models import AuditChainHead, AuditEvent
from xietong.core.request_context import current_ip

GENESIS_HASH = "0" * 64

# Human labels of audit actions, filled by each app (e.g. {"request.submit": _("提交需求")}).
ACTION_LABELS: dict[str, Promise | str] = {}

# Called with (object_type, object_id) inside the transaction of every recorded change: the one place
# that sees every change to every object (the search index queues the object for re-indexing).
_CHANGE_LISTENERS: list[Callable[[str, str], None]] = []


def on_change_recorded(listener: Callable[[str, str], None]) -> None:
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


def _event_payload(event: AuditEvent) -> bytes:
    payload = {
        "seq": event.seq,
        "at": event.at.astimezone(dt.UTC).isoformat(timespec="microseconds"),
        "actor": event.actor_id,
        "actor_label": event.actor_label,
        "action": event.action,
        "object_type": event.object_type,
        "object_id": event.object_id,
        "object_label": event.object_label,
        "before": event.before,
        "after": event.after,
        "ip": event.ip,
        "prev": event.prev_hash,
    }
    return json.dumps(payload, ensure_ascii=False, sort_keys=True, separators=(",", ":")).encode()


def event_hash(event: AuditEvent) -> str:
    return hashlib.sha256(_event_payload(event)).hexdigest()


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
    connection = transaction.get_connection()
    if not connection.in_atomic_block:
        raise RuntimeError("audit_record must run inside the transaction of the change it records")
    if obj is not None:
        object_type = object_type or obj._meta.label_lower
        object_id = obj.pk if object_id is None else object_id
        object_label = str(obj) if object_label is None else object_label
    # Locking the chain head orders concurrent writers, so every event links to exactly one predecessor.
    head, _created = AuditChainHead.objects.select_for_update().get_or_create(pk=1)
    event = AuditEvent(
        seq=head.seq + 1,
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
        prev_hash=head.last_hash,
    )
    event.hash = event_hash(event)
    event.save(force_insert=True)
    AuditChainHead.objects.filter(pk=1).update(seq=event.seq, last_hash=event.hash)
    for listener in _CHANGE_LISTENERS:
        listener(event.object_type, event.object_id)
    return event


@dataclass(frozen=True)
class ChainReport:
    checked: int
    ok: bool
    problem: str = ""
    seq: int | None = None


def audit_verify(batch_size: int = 2000) -> ChainReport:
    """Recompute the whole chain: every hash, every link, no gaps, and the head pointing at the tip."""
    expected_prev = GENESIS_HASH
    expected_seq = 1
    checked = 0
    for event in AuditEvent.objects.order_by("seq").iterator(chunk_size=batch_size):
        if event.seq != expected_seq:
            return ChainReport(checked, False, f"事件序号不连续：缺少 #{expected_seq}", expected_seq)
        if event.prev_hash != expected_prev:
            return ChainReport(checked, False, f"事件 #{event.seq} 的前序哈希与上一事件不符", event.seq)
        if event_hash(event) != event.hash:
            return ChainReport(checked, False, f"事件 #{event.seq} 的内容已被篡改（哈希不符）", event.seq)
        expected_prev = event.hash
        expected_seq += 1
        checked += 1
    head = AuditChainHead.objects.filter(pk=1).first() or AuditChainHead(pk=1)
    if head.seq != checked or head.last_hash != expected_prev:
        return ChainReport(checked, False, f"链头记录 #{head.seq}，实际最后事件 #{checked}：末尾事件被删除或链头被改动")
    return ChainReport(checked, True)


def events_for(obj: models.Model) -> models.QuerySet[AuditEvent]:
    """The timeline of one object, oldest first."""
    return AuditEvent.objects.filter(object_type=obj._meta.label_lower, object_id=str(obj.pk)).order_by("seq")
