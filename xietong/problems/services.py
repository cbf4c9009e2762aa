"""Writes to problems. Filing and the urgency are services; every step (审核签署、退回提报人、重新提交、分派、
制定解决方案、反馈进度、解决报告、确认、退回、撤回) is declared in `problems.process` and run by `items.runner.run_step` — the functions below only name
the step and hand it the form's values."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import Any

from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.utils.translation import gettext as _

from xietong.clocks.models import ClockState
from xietong.clocks.selectors import open_clock
from xietong.clocks.services import clock_arm, policy_for, timebase
from xietong.clocks.wording import policy_limit_text
from xietong.core import clock
from xietong.core.audit import audit_record
from xietong.core.concurrency import save_versioned
from xietong.core.errors import ApplicationError, Forbidden, InvalidState
from xietong.core.permissions import access_locked
from xietong.items.numbering import number_next
from xietong.items.runner import run_step
from xietong.items.services import attachment_add
from xietong.notify.models import MessageKind, Urgency
from xietong.notify.services import notify
from xietong.org.models import Department, Person
from xietong.problems.choices import URGENCY_EDITABLE_STATES, ProblemUrgency, policy_priority
from xietong.problems.models import Problem, ProgressUpdate, SolutionPlan, SolutionReport
from xietong.problems.process import PROBLEM, head_for, may_change_urgency
from xietong.problems.validation import TEXT_LIMIT, problem_validate, text, upload_errors
from xietong.workcal.engine import parse_duration
from xietong.workcal.selectors import calendar_for_project


@transaction.atomic
def problem_file(*, actor: Person, evidence: Sequence[UploadedFile] = (), **data: Any) -> Problem:
    """填写《问题提报表》 (the `file` step): it waits for the filing department's head to sign it (`endorse`),
    which starts the limit of 综合管理部. A head filing their own signs by filing, and a department with no
    head above it sends it on: both are recorded as the `endorse` step with how it was implicit."""
    data.setdefault("urgency", ProblemUrgency.MEDIUM)
    errors = problem_validate(actor, data)
    errors.update(upload_errors(evidence))
    if errors:
        raise ApplicationError(_("问题提报表填写不完整或有误"), fields=errors)
    if actor.department_id is None:
        raise ApplicationError(_("您尚未分配部门，暂不能提报问题，请联系系统管理员"))
    head = head_for(actor.department)
    problem = Problem(
        number=number_next("WT"),
        created_by=actor,
        filing_department_id=actor.department_id,
        endorser=head,
        filed_at=clock.now(),
        project=data["project"],
        urgency=data["urgency"],
        expected_date=data["expected_date"],
        **{name: text(data[name]) for name in ("title", "background", "current_state", "impact")},
    )
    problem.save()
    problem = run_step(actor=actor, item=problem, step="file", as_system=True, fresh=True)
    if head is None or head.pk == actor.pk:
        implicit = "self" if head is not None else "no_head"
        problem = run_step(
            actor=actor, item=problem, step="endorse", as_system=True, fresh=True, inputs={"implicit": implicit}
        )
    for upload in evidence:
        attachment_add(actor=actor, subject=problem, upload=upload)
    return problem


def _step(actor: Person, problem: Problem, step: str, expected_version: int | None, **inputs: Any) -> Problem:
    return run_step(actor=actor, item=problem, step=step, inputs=inputs, expected_version=expected_version)


def problem_resubmit(*, actor: Person, problem: Problem, expected_version: int | None = None, **fields: Any) -> Problem:
    """修改后重新提交 a returned 问题提报表 to the department head (the `resubmit` step)."""
    return _step(actor, problem, "resubmit", expected_version, **fields)


@transaction.atomic
def problem_plan(
    *,
    actor: Person,
    problem: Problem,
    measures: Sequence[dict[str, Any]],
    consultation: str = "",
    expected_version: int | None = None,
) -> SolutionPlan:
    """解决方案 (the `plan` step): measures with their 责任人 and 计划完成时间; returns the plan."""
    problem = _step(actor, problem, "plan", expected_version, measures=list(measures), consultation=consultation)
    return problem.plans.order_by("-pk").first()  # type: ignore[return-value]  # written under the row lock


def problem_dispatch(
    *,
    actor: Person,
    problem: Problem,
    lead_department: Department | None,
    basis: str,
    deadline: dt.date | None,
    owner: Person | None = None,
    helper_departments: Sequence[Department] = (),
    expected_version: int | None = None,
) -> Problem:
    """《问题分派通知》 (the `dispatch` step)."""
    return _step(
        actor,
        problem,
        "dispatch",
        expected_version,
        lead_department=lead_department,
        owner=owner,
        helper_departments=list(helper_departments),
        basis=basis,
        deadline=deadline,
    )


@transaction.atomic
def problem_progress(
    *,
    actor: Person,
    problem: Problem,
    progress: str,
    risk: str = "",
    next_step: str = "",
    major_risk: bool = False,
    expected_version: int | None = None,
) -> ProgressUpdate:
    """《问题处理进度表》一行 (the `progress` step); returns the line."""
    problem = _step(
        actor,
        problem,
        "progress",
        expected_version,
        progress=progress,
        risk=risk,
        next_step=next_step,
        major_risk=major_risk,
    )
    return problem.updates.order_by("-pk").first()  # type: ignore[return-value]  # written under the row lock


@transaction.atomic
def problem_solve(
    *,
    actor: Person,
    problem: Problem,
    measures: str,
    effect: str,
    cause: str = "",
    expected_version: int | None = None,
) -> SolutionReport:
    """《问题解决报告》 (the `solve` step); returns the report."""
    problem = _step(actor, problem, "solve", expected_version, measures=measures, effect=effect, cause=cause)
    return problem.reports.order_by("-pk").first()  # type: ignore[return-value]  # written under the row lock


def problem_transition(
    *, actor: Person, problem: Problem, name: str, reason: str = "", expected_version: int | None = None
) -> Problem:
    """确认解决 / 退回继续处理 / 撤回."""
    return run_step(actor=actor, item=problem, step=name, reason=reason, expected_version=expected_version)


# --- 紧急程度: not a step (the state stays), a versioned edit with its own audit event ---------------------
def cadence_text(problem: Problem) -> str:
    """How often progress is due under the problem's current policy ("每 2 个工作日")."""
    policy = policy_for("problem", "update_due", policy_priority(problem.urgency))
    return _("每 %(limit)s") % {"limit": policy_limit_text(policy)} if policy is not None else ""


def _cadence_due(problem: Problem, start: dt.datetime) -> dt.datetime:
    """When a report started now would be due under the problem's current cadence policy."""
    policy = policy_for("problem", "update_due", policy_priority(problem.urgency))
    if policy is None:
        return start
    base = timebase(policy.mode, calendar_for_project(problem.project))
    return base.add(start, parse_duration(policy.duration).to_timedelta(base.day_length))


@transaction.atomic
def problem_set_urgency(
    *, actor: Person, problem: Problem, urgency: str, reason: str = "", expected_version: int | None = None
) -> Problem:
    """Change 紧急程度. Rising to 高 re-arms the running progress clock with the daily cadence: the next
    report is due one cadence from now, or at the current due time if that is sooner."""
    problem = access_locked(actor, Problem.objects.select_related(*PROBLEM.related), problem.pk)
    if problem.state not in URGENCY_EDITABLE_STATES:
        raise InvalidState(_("当前状态为“%(state)s”，不能调整紧急程度") % {"state": problem.get_state_display()})
    if not may_change_urgency(actor, problem):
        raise Forbidden(_("只有提报人、提报部门负责人或综合管理部可以调整紧急程度"))
    if urgency not in ProblemUrgency.values:
        raise ApplicationError(fields={"urgency": _("紧急程度只能是 高、中、低")})
    if urgency == problem.urgency:
        raise ApplicationError(fields={"urgency": _("紧急程度没有变化")})
    reason = text(reason)
    if len(reason) > TEXT_LIMIT:
        raise ApplicationError(fields={"reason": _("说明不能超过 %(n)d 字") % {"n": TEXT_LIMIT}})
    before = problem.urgency
    problem.urgency = urgency
    save_versioned(
        problem, expected_version=problem.version if expected_version is None else expected_version, fields=["urgency"]
    )
    audit_record(
        actor=actor,
        action="problem.urgency",
        obj=problem,
        before={"urgency": before},
        after={"urgency": urgency, **({"reason": reason} if reason else {})},
    )
    cadence = open_clock(problem, "update_due")
    if problem.is_urgent and cadence is not None and cadence.state == ClockState.ARMED:
        now = clock.now()
        clock_arm(
            subject=problem,
            process="problem",
            limit="update_due",
            priority=policy_priority(problem.urgency),
            owner=problem.owner,
            department=problem.lead_department,
            project=problem.project,
            start=now,
            due_at=min(_cadence_due(problem, now), cadence.limit_due_at),
        )
        cadence = open_clock(problem, "update_due")
    if problem.owner is not None:
        body = _("%(who)s 将紧急程度由“%(old)s”调整为“%(new)s”，请%(cadence)s反馈进度。") % {
            "who": actor.display_name,
            "old": ProblemUrgency(before).label,
            "new": problem.get_urgency_display(),
            "cadence": cadence_text(problem),
        }
        if cadence is not None and cadence.state == ClockState.ARMED:
            body += _("下次反馈截止：%(due)s") % {"due": f"{clock.local(cadence.limit_due_at):%Y-%m-%d %H:%M}"}
        notify(
            recipients=[problem.owner],
            kind=MessageKind.INFO,
            title=_("【紧急程度调整】%(label)s") % {"label": f"{problem.number} {problem.title}"},
            body=body,
            url=problem.get_absolute_url(),
            subject=problem,
            urgency=Urgency.URGENT if problem.is_urgent else Urgency.NORMAL,
        )
    return problem
