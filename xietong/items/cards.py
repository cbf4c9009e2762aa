"""Personal cards (notify.cards) for items of declared processes: the item, its open time limit with the
rule it comes from, and one button per step the recipient may take now — the same steps the item's page
offers them (Process.available: stand-ins included). A step that needs a reason cannot be one tap: its
button opens the item's page, where the reason is typed."""

from __future__ import annotations

from typing import Any

from django.apps import apps
from django.db.models import F
from django.utils.translation import gettext as _

from xietong.clocks.basis import citation
from xietong.clocks.models import Clock, ClockKind, ClockState, EscalationStep, clock_limit_label
from xietong.clocks.services import policy_for
from xietong.clocks.wording import clock_limit_text, due_text
from xietong.items.process import Process, process_for
from xietong.notify.cards import CardButton, CardContent
from xietong.notify.models import Notification, Urgency

MAX_STEP_BUTTONS = 4  # WeCom shows six buttons at most; one more is 查看详情


def subject_of(subject_type: str, subject_id: Any) -> tuple[Process, Any] | None:
    """The declared process and the item a card or message is about; None for anything else."""
    if not subject_type or subject_id is None:
        return None
    try:
        model = apps.get_model(subject_type)
        process = process_for(model)
    except (LookupError, ValueError):
        return None
    item = model._default_manager.filter(pk=subject_id).first()
    return (process, item) if item is not None else None


def _priority(process: Process, item: Any, limit: str) -> str:
    for step in process.steps:
        for arm in step.arms:
            if arm.limit == limit and arm.priority is not None:
                return arm.priority(item)
    return "*"


def _process_of_limit(process: Process, limit: str) -> str:
    for step in process.steps:
        for arm in step.arms:
            if arm.limit == limit and arm.process:
                return arm.process
    return process.key


def due_fields(process: Process, item: Any) -> list[tuple[str, str]]:
    """到期 (the open limit that falls due first, in words from its clock: a limit's own clock has kind ==
    limit) and 依据 (the clause of the company's document the policy cites: 《文件》条款「原文」, else the
    policy's own description)."""
    clock = (
        Clock.objects.filter(
            subject_type=item._meta.label_lower, subject_id=item.pk, closed_at__isnull=True, kind=F("limit")
        )
        .exclude(state=ClockState.CANCELLED)
        .order_by("limit_due_at", "pk")
        .first()
    )
    if clock is None:
        return []
    fields = [
        (
            _("到期"),
            _("%(due)s（%(limit)s：%(span)s）")
            % {"due": due_text(clock.limit_due_at), "limit": clock_limit_label(clock), "span": clock_limit_text(clock)},
        )
    ]
    policy = clock.policy if clock.policy_id else None
    if policy is None:
        policy = policy_for(_process_of_limit(process, clock.limit), clock.limit, _priority(process, item, clock.limit))
    cited = (citation(policy.source, policy.clause, policy.clause_text) or policy.description) if policy else ""
    if cited:
        fields.append((_("依据"), cited))
    return fields


def is_final_escalation(notification: Notification) -> bool:
    """The last level of the clock's ladder (总经理 …): nobody above is left, so the card rings (DING / 加急)."""
    key = notification.dedupe_key or ""
    if notification.kind != "escalation" or not key.startswith("clock:") or not key.split(":")[1].isdigit():
        return False
    fired = Clock.objects.filter(pk=key.split(":")[1], kind=ClockKind.ESCALATE).first()
    if fired is None or fired.ladder_id is None:
        return False
    return not EscalationStep.objects.filter(ladder_id=fired.ladder_id, level__gt=fired.level).exists()


def card_content(notification: Notification, person: Any, url: str) -> CardContent | None:
    found = subject_of(notification.subject_type, notification.subject_id)
    if found is None:
        return None
    process, item = found
    label = f"{item.number} {item.title}" if hasattr(item, "number") else str(item)
    fields = [(_("事项"), label), (_("状态"), str(process.state_labels.get(item.state, item.state)))]
    fields += due_fields(process, item)
    buttons = []
    for step in process.available(item, person)[:MAX_STEP_BUTTONS]:
        if step.reason is not None and step.reason.required:
            words = _("%(action)s（填写%(reason)s）") % {"action": step.label, "reason": step.reason.label}
            buttons.append(CardButton(words, url=url, style=step.style))
        else:
            buttons.append(CardButton(str(step.label), step=step.name, style=step.style))
    if url:
        buttons.append(CardButton(_("查看详情"), url=url))
    return CardContent(
        title=notification.title,
        body=notification.body,
        url=url,
        fields=tuple(fields),
        buttons=tuple(buttons),
        urgent=notification.urgency == Urgency.EMERGENCY or is_final_escalation(notification),
    )
