"""季度复盘 (process 12): the coordinating office generates the quarter's pack; proposals are recorded
and approved by the general manager; an approved change to a time limit is applied to its policy row
with an audit event (before/after)."""

from __future__ import annotations

from collections import defaultdict
from typing import Any

from django.apps import apps
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Avg, Count
from django.utils.translation import gettext as _

from xietong.clocks.basis import policy_basis
from xietong.clocks.models import ClockPolicy, validate_duration
from xietong.clocks.services import timebase
from xietong.core import clock as time_source
from xietong.core.audit import audit_record, changed_fields, snapshot
from xietong.core.errors import ApplicationError, Forbidden, NotFound
from xietong.core.permissions import reach_of
from xietong.feedback.models import Feedback
from xietong.items.runner import run_step
from xietong.notify.services import notify
from xietong.org.models import Department, Person
from xietong.reports.models import ImprovementProposal, QuarterlyReview
from xietong.reports.periods import Quarter
from xietong.reports.selectors import HOUR, figures_of, limit_label, period_clocks, period_escalations

CASES = 5
# Typical cases come from the work that matters (issue 23: the "fastest" ones were weekly-meeting notices):
# requests, their exception reports and emergencies.
CASE_TYPES = ("requests.request", "risks.exceptionreport", "incidents.incident")
# Each count of a department's row and the drill-down outcome that lists the clocks (or escalations) behind it.
COUNT_OUTCOMES = {
    "total": "",
    "on_time": "on_time",
    "late": "late",
    "open_late": "open_late",
    "pending": "pending",
    "overdue": "overdue",
    "escalations": "escalated",
}


def drill_url(quarter: Quarter, department_id: int, outcome: str) -> str:
    from urllib.parse import urlencode

    from django.urls import reverse

    query = {"period": quarter.code, "department": department_id, **({"outcome": outcome} if outcome else {})}
    return f"{reverse('reports-drill')}?{urlencode(query)}"


def _subject(label: str, pk: int) -> dict[str, Any]:
    try:
        model = apps.get_model(label)
    except (LookupError, ValueError):
        return {"type": label, "id": pk, "number": "", "title": f"{label}#{pk}", "url": ""}
    obj = model._base_manager.filter(pk=pk).first()
    return {
        "type": str(model._meta.verbose_name),
        "id": pk,
        "number": getattr(obj, "number", ""),
        "title": getattr(obj, "title", str(obj)) if obj is not None else f"#{pk}",
        "url": obj.get_absolute_url() if obj is not None and hasattr(obj, "get_absolute_url") else "",
    }


def review_pack(quarter: Quarter) -> dict[str, Any]:
    """Typical cases, rule-keeping per department and suggestions, as stored JSON."""
    now = time_source.now()
    clocks = list(period_clocks(quarter).select_related("department", "policy"))
    escalations = list(period_escalations(quarter))

    per_item: dict[tuple[str, int], list[int]] = defaultdict(list)
    for e in escalations:
        if e.subject_type in CASE_TYPES:
            per_item[(e.subject_type, e.subject_id)].append(e.level)
    most_escalated = [
        {**_subject(label, pk), "escalations": len(levels), "max_level": max(levels)}
        for (label, pk), levels in sorted(per_item.items(), key=lambda kv: (-len(kv[1]), -max(kv[1]), kv[0]))[:CASES]
    ]

    fastest = []
    for c in clocks:
        if c.subject_type not in CASE_TYPES or c.met_at is None or c.met_at > c.limit_due_at:
            continue
        base = timebase(c.mode, c.calendar)
        used, allowed = base.between(c.anchor_at, c.met_at) / HOUR, base.between(c.anchor_at, c.limit_due_at) / HOUR
        if allowed > 0:
            fastest.append((used / allowed, used, allowed, c))
    fastest.sort(key=lambda t: (t[0], t[3].pk))
    fastest_cases = [
        {
            **_subject(c.subject_type, c.subject_id),
            "limit": limit_label(c.limit),
            "basis": policy_basis(c.policy),
            "hours": round(used, 2),
            "limit_hours": round(allowed, 2),
        }
        for _share, used, allowed, c in fastest[:CASES]
    ]

    feedback = Feedback.objects.filter(at__gte=quarter.start, at__lt=quarter.end)
    lowest = [
        {
            **_subject("requests.request", row["invitation__request"]),
            "score": round(row["score"], 2),
            "answers": row["n"],
        }
        for row in sorted(
            feedback.values("invitation__request").annotate(
                score=(Avg("communication") + Avg("division") + Avg("timeliness")) / 3.0,
                n=Count("pk"),
            ),
            key=lambda r: (r["score"], r["invitation__request"]),
        )[:CASES]
    ]

    departments = []
    for dept in Department.objects.order_by("sort_order", "pk"):
        figures = figures_of(
            [c for c in clocks if c.department_id == dept.pk],
            [e for e in escalations if e.clock.department_id == dept.pk],
            now,
        )
        if figures.overall.total or figures.escalation_total:
            row = figures.overall
            counts = {
                "total": row.total,
                "on_time": row.on_time,
                "late": row.late,
                "open_late": row.open_late,
                # Still running or cancelled unmet: not judged, but counted in the total, so the row adds up.
                "pending": row.total - row.on_time - row.late - row.open_late,
                "overdue": figures.overdue,
                "escalations": figures.escalation_total,
            }
            departments.append(
                {
                    "department": dept.name,
                    "department_id": dept.pk,
                    **counts,
                    "rate": row.rate,
                    "drill": {key: drill_url(quarter, dept.pk, COUNT_OUTCOMES[key]) for key in counts},
                }
            )
    suggestions = [
        {"request": f.invitation.request.number, "person": f.invitation.person.display_name, "text": f.suggestion}
        for f in feedback.select_related("invitation__request", "invitation__person").order_by("at", "pk")
        if f.suggestion.strip()
    ]
    return {
        "quarter": quarter.code,
        "label": quarter.label,
        "most_escalated": most_escalated,
        "fastest": fastest_cases,
        "lowest_scores": lowest,
        "departments": departments,
        "suggestions": suggestions,
    }


def may_generate(person: Person) -> bool:
    return bool(person.is_superuser or person.is_coordinator)


def may_propose(person: Person) -> bool:
    reach = reach_of(person)
    return may_generate(person) or person.is_general_manager or bool(reach and reach.led_department_ids)


@transaction.atomic
def review_generate(*, actor: Person, quarter: Quarter) -> QuarterlyReview:
    """Generate (or regenerate) the quarter's pack. 综合管理部 runs the quarterly review."""
    if not may_generate(actor):
        raise Forbidden(_("季度复盘材料由综合管理部生成"))
    pack = review_pack(quarter)
    review, created = QuarterlyReview.objects.select_for_update().update_or_create(
        year=quarter.year,
        quarter=quarter.quarter,
        defaults={"pack": pack, "generated_at": time_source.now(), "generated_by": actor},
    )
    audit_record(
        actor=actor,
        action="review.generate" if created else "review.regenerate",
        obj=review,
        after={
            "quarter": quarter.code,
            "most_escalated": len(pack["most_escalated"]),
            "departments": len(pack["departments"]),
            "suggestions": len(pack["suggestions"]),
        },
    )
    return review


@transaction.atomic
def proposal_add(
    *,
    actor: Person,
    review: QuarterlyReview,
    title: str,
    content: str,
    policy: ClockPolicy | None = None,
    new_duration: str = "",
    new_remind_before: str = "",
    new_escalate_after: str = "",
) -> ImprovementProposal:
    if not may_propose(actor):
        raise Forbidden(_("协作流程优化建议由综合管理部或部门负责人记录"))
    errors: dict[str, str] = {}
    title, content = (title or "").strip(), (content or "").strip()
    if not title:
        errors["title"] = _("请填写建议")
    if not content:
        errors["content"] = _("请说明建议的理由与做法")
    changes = {
        "new_duration": new_duration,
        "new_remind_before": new_remind_before,
        "new_escalate_after": new_escalate_after,
    }
    for name, value in changes.items():
        value = (value or "").strip()
        changes[name] = value
        if value:
            try:
                validate_duration(value)
            except ValidationError as exc:
                errors[name] = _("时长格式有误：%(msg)s（例如 2h、1d、30m）") % {"msg": "；".join(exc.messages)}
    if any(changes.values()) and policy is None:
        errors["policy"] = _("调整时限时请选择要调整的时限规则")
    if policy is not None and not any(changes.values()):
        errors["new_duration"] = _("选择了时限规则，请填写新的时限、提醒或升级时间")
    if errors:
        raise ApplicationError(_("优化建议填写有误"), fields=errors)
    proposal = ImprovementProposal.objects.create(
        review=review, title=title[:120], content=content, proposed_by=actor, policy=policy, **changes
    )
    notify(
        recipients=Person.objects.filter(is_general_manager=True, is_active=True),
        kind="assignment",
        title=_("【待审批】协作流程优化建议：%(title)s") % {"title": proposal.title},
        body=_("%(who)s 在 %(review)s 季度复盘中提出，请批准或不批准：%(content)s")
        % {"who": actor.display_name, "review": review.code, "content": proposal.content[:300]},
        url=f"{review.get_absolute_url()}#proposal-{proposal.pk}",
        subject=review,
    )
    audit_record(
        actor=actor,
        action="review.propose",
        obj=review,
        after={"proposal": proposal.pk, "title": proposal.title, "policy": policy.pk if policy else None, **changes},
    )
    return proposal


POLICY_FIELDS = ("duration", "remind_before", "escalate_after")


def proposal_decide(*, actor: Person, proposal_id: int, approve: bool, note: str = "") -> ImprovementProposal:
    """The general manager approves or rejects (a step of PROPOSAL); an approved time-limit change is
    applied at once, in the same transaction."""
    proposal = ImprovementProposal.objects.filter(pk=proposal_id).first()
    if proposal is None:
        raise NotFound()
    return run_step(actor=actor, item=proposal, step="approve" if approve else "reject", reason=note)


def policy_apply(*, actor: Person, proposal: ImprovementProposal) -> ClockPolicy:
    """Write the approved durations into the ClockPolicy row (new clocks use them; armed ones keep
    their due times), with one audit event naming the proposal."""
    policy = ClockPolicy.objects.select_for_update().get(pk=int(proposal.policy_id or 0))
    before = snapshot(policy, POLICY_FIELDS)
    for name, value in proposal.changes.items():
        setattr(policy, name, value)
    policy.updated_at = time_source.now()
    policy.save(update_fields=[*POLICY_FIELDS, "updated_at"])
    old, new = changed_fields(before, snapshot(policy, POLICY_FIELDS))
    audit_record(
        actor=actor,
        action="clocks.clockpolicy.change",
        obj=policy,
        before=old,
        after={**new, "proposal": proposal.pk, "review": proposal.review.code},
    )
    return policy
