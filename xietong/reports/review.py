"""季度复盘 (process 12): the coordinating office generates the quarter's pack; proposals are recorded
and approved by the general manager; an approved change to a time limit is scheduled on its policy row
from the next quarter's first day (clocks.scheduled), audited."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from typing import Any

from django.apps import apps
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Avg, Count
from django.utils.translation import gettext as _

from xietong.clocks.basis import policy_basis
from xietong.clocks.models import ClockPolicy, PolicyChange, clock_limit_label, validate_duration
from xietong.clocks.scheduled import policy_change_schedule
from xietong.clocks.services import timebase
from xietong.core import clock as time_source
from xietong.core.audit import audit_record
from xietong.core.errors import ApplicationError, Forbidden, NotFound
from xietong.core.permissions import reach_of
from xietong.feedback.models import Feedback
from xietong.items.runner import run_step
from xietong.notify.services import notify
from xietong.org.models import Department, Person
from xietong.reports.models import ImprovementProposal, QuarterlyReview
from xietong.reports.periods import Quarter
from xietong.reports.selectors import HOUR, figures_of, period_clocks, period_escalations

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
    key = f"{label}:{pk}"  # what the coordinator's pick of typical cases names
    try:
        model = apps.get_model(label)
    except (LookupError, ValueError):
        return {"key": key, "type": label, "id": pk, "number": "", "title": f"{label}#{pk}", "url": ""}
    obj = model._base_manager.filter(pk=pk).first()
    return {
        "key": key,
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
            "limit": clock_limit_label(c),
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


# 《企业沟通与协作流程规范》二（五）流程复盘: when the review happens and who runs it.
REVIEW_CLAUSE = "依据：《企业沟通与协作流程规范》二（五）「每季度末,企业管理部组织各部门负责人召开协作复盘会」"


def review_due_at(quarter: Quarter) -> Any:
    """When the worker generates the quarter's pack: at the start of the quarter's last working day
    (default calendar), so that the 复盘会 can be held 「每季度末」 with the material in hand.
    2026Q3 → 2026-09-30 09:00; a quarter ending on a holiday, the working day before."""
    from xietong.workcal.selectors import default_calendar, engine_for

    engine = engine_for(default_calendar())
    day = quarter.end.date() - dt.timedelta(days=1)
    while not engine.is_working_day(day) and day > quarter.first_day:
        day -= dt.timedelta(days=1)
    return engine.next_working_instant(engine.at(day, dt.time()))


def review_generate_due(batch_size: int = 0) -> int:
    """The worker's sweep: generate the pack of the quarter whose last working day has begun (and of
    the previous quarter if no worker ran then), once — the unique (year, quarter) row decides between
    workers — and remind 综合管理部 to pick the cases and hold the 复盘会."""
    now = time_source.now()
    current = Quarter.of(time_source.local(now).date())
    written = 0
    for quarter in (current.previous(), current):
        if now < review_due_at(quarter):
            continue
        if QuarterlyReview.objects.filter(year=quarter.year, quarter=quarter.quarter).exists():
            continue
        try:
            with transaction.atomic():
                _generate_automatically(quarter)
                written += 1
        except IntegrityError:
            continue  # another worker wrote it
    return written


def _generate_automatically(quarter: Quarter) -> QuarterlyReview:
    pack = review_pack(quarter)
    review = QuarterlyReview.objects.create(
        year=quarter.year, quarter=quarter.quarter, pack=pack, generated_at=time_source.now(), generated_by=None
    )
    audit_record(
        actor=None,
        action="review.generate",
        obj=review,
        after={
            "quarter": quarter.code,
            "automatic": True,
            "most_escalated": len(pack["most_escalated"]),
            "departments": len(pack["departments"]),
            "suggestions": len(pack["suggestions"]),
        },
    )
    end = time_source.local(quarter.end - dt.timedelta(microseconds=1))
    notify(
        recipients=Person.objects.filter(is_coordinator=True, is_active=True),
        kind="assignment",
        title=_("【季度复盘】%(q)s复盘材料已生成，请选定典型案例并组织复盘会") % {"q": quarter.label},
        body=_(
            "%(q)s的复盘材料已自动生成：候选典型案例 %(cases)d 个，%(depts)d 个部门的守规情况，"
            "%(suggestions)d 条反馈建议。请选定要讨论的典型案例，于 %(end)s 前组织各部门负责人召开协作复盘会，"
            "输出《协作流程优化建议》。%(basis)s"
        )
        % {
            "q": quarter.label,
            "cases": len(review.candidates()),
            "depts": len(pack["departments"]),
            "suggestions": len(pack["suggestions"]),
            "end": f"{end:%Y-%m-%d}",
            "basis": REVIEW_CLAUSE,
        },
        url=review.get_absolute_url(),
        subject=review,
        dedupe_key=f"review:{quarter.code}",
    )
    return review


@transaction.atomic
def cases_pick(*, actor: Person, review: QuarterlyReview, keys: list[str]) -> QuarterlyReview:
    """综合管理部 chooses which proposed typical cases the 复盘会 discusses (any of the candidates, in
    the order given); audited with what was chosen before and after."""
    if not may_generate(actor):
        raise Forbidden(_("典型案例由综合管理部选定"))
    review = QuarterlyReview.objects.select_for_update().get(pk=review.pk)
    offered = {case["key"] for case in review.candidates()}
    unknown = [key for key in keys if key not in offered]
    if unknown:
        raise ApplicationError(_("所选案例不在本季度的候选案例中"), fields={"cases": _("请从候选案例中选择")})
    chosen = list(dict.fromkeys(keys))
    before = list(review.selected_cases or [])
    if chosen == before:
        return review
    review.selected_cases = chosen
    review.save(update_fields=["selected_cases"])
    audit_record(actor=actor, action="review.pick", obj=review, before={"cases": before}, after={"cases": chosen})
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


def proposal_decide(*, actor: Person, proposal_id: int, approve: bool, note: str = "") -> ImprovementProposal:
    """The general manager approves or rejects (a step of PROPOSAL); an approved time-limit change is
    scheduled, in the same transaction, from the next quarter's first day."""
    proposal = ImprovementProposal.objects.filter(pk=proposal_id).first()
    if proposal is None:
        raise NotFound()
    return run_step(actor=actor, item=proposal, step="approve" if approve else "reject", reason=note)


def effective_quarter(decided_at: Any) -> Quarter:
    """The quarter an approved change takes effect in: the one after the approval (000 流程复盘
    「经管理层审批后纳入下季度规范更新」). A Q3 review approved on 9/30 applies from 10/1; one approved late,
    on 10/5, from 1/1 — never backdated."""
    return Quarter.of(time_source.local(decided_at).date()).next()


def policy_schedule(*, actor: Person, proposal: ImprovementProposal) -> PolicyChange:
    """Schedule the approved durations on the ClockPolicy row from the next quarter's first day 00:00:
    clocks started before keep the old limit, later ones get the new one (clocks.scheduled)."""
    policy = ClockPolicy.objects.select_for_update().get(pk=int(proposal.policy_id or 0))
    quarter = effective_quarter(proposal.decided_at or time_source.now())
    reason = _("%(review)s 季度复盘 · 优化建议「%(title)s」") % {
        "review": proposal.review.code,
        "title": proposal.title,
    }
    return policy_change_schedule(
        actor=actor, policy=policy, changes=proposal.changes, effective_from=quarter.start, reason=reason
    )
