"""Time-limit changes decided now that take effect later (000 流程复盘: approved suggestions
「经管理层审批后纳入下季度规范更新」 — from the next quarter's first day).

A clock is armed with the limit in force at its start: `policy_in_effect` overlays the changes whose
instant has come even before the worker has written them (so a clock started one second after midnight
on the first day already has the new limit), and leaves the row as it is for earlier starts. The worker's
sweep `policy_changes_apply_due` writes each due change into its policy row once, audited, whatever the
number of workers (rows claimed with SKIP LOCKED, marked applied in the same transaction).
"""

from __future__ import annotations

import copy
import datetime as dt
from typing import Any

from django.db import transaction
from django.db.models import Min
from django.utils.translation import gettext_lazy as _

from xietong.clocks.durations import duration_text
from xietong.clocks.models import ClockPolicy, PolicyChange
from xietong.core import clock as time_source
from xietong.core.audit import audit_record
from xietong.core.memo import forget

FIELDS = ("duration", "remind_before", "escalate_after")
FIELD_WORDS = {"duration": _("时限"), "remind_before": _("提前提醒"), "escalate_after": _("开始升级")}


def _next_change_at(policy_id: int) -> dt.datetime | None:
    return PolicyChange.objects.filter(policy_id=policy_id, applied_at__isnull=True).aggregate(
        at=Min("effective_from")
    )["at"]


def policy_change_schedule(
    *,
    actor: Any,
    policy: ClockPolicy,
    changes: dict[str, str],
    effective_from: dt.datetime,
    reason: str = "",
) -> PolicyChange:
    """Record that `policy` changes to `changes` from `effective_from`; audited on the policy."""
    unknown = set(changes) - set(FIELDS)
    if unknown:
        raise ValueError(f"not a schedulable field: {sorted(unknown)}")
    change = PolicyChange.objects.create(
        policy=policy,
        changes=dict(changes),
        effective_from=effective_from,
        reason=reason[:300],
        decided_by=actor,
        created_at=time_source.now(),
    )
    ClockPolicy.objects.filter(pk=policy.pk).update(change_from=_next_change_at(policy.pk))
    forget()  # an update() sends no signal: policy_for must not answer from the memo with the old row
    audit_record(
        actor=actor,
        action="clocks.clockpolicy.schedule",
        obj=policy,
        before={name: getattr(policy, name) for name in changes},
        after={
            **changes,
            "effective_from": time_source.local(effective_from).isoformat(),
            "change": change.pk,
            "reason": change.reason,
        },
    )
    return change


def policy_in_effect(policy: ClockPolicy, at: dt.datetime) -> ClockPolicy:
    """`policy` as it stands at `at`: with every scheduled change due by then, applied or not yet.
    No query unless the row says a change is pending and due."""
    if policy.change_from is None or policy.change_from > at:
        return policy
    pending = PolicyChange.objects.filter(policy_id=policy.pk, applied_at__isnull=True, effective_from__lte=at)
    effective = copy.copy(policy)
    for change in pending.order_by("effective_from", "pk"):
        for name, value in change.changes.items():
            setattr(effective, name, value)
    return effective


def changes_words(policy: ClockPolicy, changes: dict[str, str]) -> str:
    """'时限 3 个工作小时，提前提醒 1 个工作小时' in the policy's time modes."""
    modes = {"duration": policy.mode, "remind_before": policy.mode, "escalate_after": policy.escalate_mode}
    return "，".join(
        f"{FIELD_WORDS[name]} {duration_text(value, modes[name])}" for name, value in changes.items() if name in modes
    )


def pending_changes(policy: ClockPolicy) -> list[PolicyChange]:
    return list(policy.scheduled_changes.filter(applied_at__isnull=True).order_by("effective_from", "pk"))


def policy_changes_apply_due(batch_size: int = 50) -> int:
    """The worker's sweep: write each change whose instant has come into its policy row, once."""
    done = 0
    while done < batch_size:
        with transaction.atomic():
            claimed = list(
                PolicyChange.objects.filter(applied_at__isnull=True, effective_from__lte=time_source.now())
                .order_by("effective_from", "pk")
                .select_for_update(skip_locked=True)[:1]
            )
            if not claimed:
                return done
            _apply(claimed[0])
            done += 1
    return done


def _apply(change: PolicyChange) -> None:
    policy = ClockPolicy.objects.select_for_update().get(pk=change.policy_id)
    before = {name: getattr(policy, name) for name in change.changes}
    for name, value in change.changes.items():
        setattr(policy, name, value)
    now = time_source.now()
    change.before, change.applied_at = before, now
    change.save(update_fields=["before", "applied_at"])
    policy.change_from = _next_change_at(policy.pk)
    policy.updated_at = now
    policy.save(update_fields=[*change.changes, "change_from", "updated_at"])
    audit_record(
        actor=None,
        action="clocks.clockpolicy.change",
        obj=policy,
        before=before,
        after={
            **change.changes,
            "change": change.pk,
            "effective_from": time_source.local(change.effective_from).isoformat(),
            "reason": change.reason,
        },
    )


def pending_words(policy: ClockPolicy) -> str:
    """'2026-10-01 00:00 起：时限 3 个工作小时（2026Q3 季度复盘…）', one per pending change; '' when none."""
    from django.utils import timezone
    from django.utils.translation import gettext

    if policy.change_from is None:
        return ""
    return "；".join(
        gettext("%(when)s 起：%(what)s")
        % {"when": f"{timezone.localtime(c.effective_from):%Y-%m-%d %H:%M}", "what": changes_words(policy, c.changes)}
        + (f"（{c.reason}）" if c.reason else "")
        for c in pending_changes(policy)
    )
