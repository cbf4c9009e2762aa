"""Writes to problems. One path per change: check permission and state → validate → write → audit
event → clocks → notifications, all in one transaction."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from pathlib import PurePath
from typing import Any

from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.utils.translation import gettext as _

from xietong.clocks.models import ClockState
from xietong.clocks.selectors import open_clock
from xietong.clocks.services import clock_arm, clock_cancel, clock_satisfy, policy_for, timebase
from xietong.core import clock
from xietong.core.audit import audit_record, snapshot
from xietong.core.errors import ApplicationError, Conflict, Forbidden, InvalidState
from xietong.core.permissions import VIEW, authorize
from xietong.items.services import allowed_extensions, attachment_add, max_attachment_bytes, number_next
from xietong.notify.models import MessageKind, Urgency
from xietong.notify.services import notify
from xietong.org.models import Department, Person, Project
from xietong.org.roles import manager_chain
from xietong.org.tree import DepartmentTree
from xietong.problems.choices import (
    MACHINE,
    REASON_LABELS,
    URGENCY_EDITABLE_STATES,
    ProblemState,
    ProblemUrgency,
    may_change_urgency,
    policy_priority,
)
from xietong.problems.models import Problem, ProgressUpdate, SolutionReport
from xietong.workcal.engine import parse_duration
from xietong.workcal.selectors import calendar_for_project, engine_for

FILE_FIELDS = ("title", "project", "background", "current_state", "impact", "urgency", "expected_date")
DISPATCH_FIELDS = ("lead_department", "owner", "helper_departments", "helpers", "cc", "basis", "deadline")
TEXT_LIMIT = 3000


def _text(value: Any) -> str:
    return str(value or "").strip()


def _label(problem: Problem) -> str:
    return f"{problem.number} {problem.title}"


# --- Filing ---------------------------------------------------------------------------------------
def upload_errors(uploads: Sequence[UploadedFile]) -> dict[str, str]:
    """The attachment rules (type, size), checked for every evidence file before anything is written."""
    allowed, limit = allowed_extensions(), max_attachment_bytes()
    for upload in uploads:
        extension = PurePath(upload.name or "").suffix.lower()
        if extension not in allowed:
            return {
                "evidence": _("不允许上传“%(ext)s”类型的文件；允许：%(allowed)s")
                % {"ext": extension or _("无扩展名"), "allowed": " ".join(allowed)}
            }
        if upload.size is None or upload.size > limit:
            return {
                "evidence": _("文件“%(name)s”超过上限 %(limit)d MB") % {"name": upload.name, "limit": limit // 1048576}
            }
    return {}


def problem_validate(actor: Person, data: dict[str, Any]) -> dict[str, str]:
    """Field errors of a 问题提报表, in Chinese. Every field of the template is required."""
    errors: dict[str, str] = {}
    title = _text(data.get("title"))
    if not title:
        errors["title"] = _("请填写问题主题")
    elif len(title) > 120:
        errors["title"] = _("问题主题不能超过 120 字")
    project: Project | None = data.get("project")
    if project is None:
        errors["project"] = _("请选择所属项目")
    elif not Project.objects.restrict(actor).filter(pk=project.pk).exists():
        errors["project"] = _("您不是该项目的成员，不能在其中提报问题")
    for field, label in (("background", _("问题背景")), ("current_state", _("现状")), ("impact", _("影响范围"))):
        value = _text(data.get(field))
        if not value:
            errors[field] = _("请填写%(field)s") % {"field": label}
        elif len(value) > TEXT_LIMIT:
            errors[field] = _("%(field)s不能超过 %(n)d 字") % {"field": label, "n": TEXT_LIMIT}
    if data.get("urgency") not in ProblemUrgency.values:
        errors["urgency"] = _("紧急程度只能是 高、中、低")
    expected = data.get("expected_date")
    if expected is None:
        errors["expected_date"] = _("请填写期望解决时间（年/月/日）")
    elif expected < clock.today():
        errors["expected_date"] = _("期望解决时间 %(date)s 已经过去") % {"date": expected.isoformat()}
    return errors


def coordinating_office() -> Department | None:
    return Department.objects.filter(is_coordinating_office=True).select_related("head").order_by("pk").first()


def coordinators() -> list[Person]:
    return list(Person.objects.filter(is_coordinator=True, is_active=True).order_by("pk"))


def _dispatch_owner(office: Department | None) -> Person | None:
    """Who answers for the 1-working-day dispatch limit: the coordinating office's head, else a coordinator."""
    if office is not None and office.head is not None and office.head.is_active:
        return office.head
    people = coordinators()
    return people[0] if people else None


@transaction.atomic
def problem_file(*, actor: Person, evidence: Sequence[UploadedFile] = (), **data: Any) -> Problem:
    """填写《问题提报表》: the problem goes to 综合管理部, who must dispatch it within 1 working day."""
    data.setdefault("urgency", ProblemUrgency.MEDIUM)
    errors = problem_validate(actor, data)
    errors.update(upload_errors(evidence))
    if errors:
        raise ApplicationError(_("问题提报表填写不完整或有误"), fields=errors)
    if actor.department_id is None:
        raise ApplicationError(_("您尚未分配部门，暂不能提报问题，请联系系统管理员"))
    now = clock.now()
    problem = Problem(
        number=number_next("WT"),
        created_by=actor,
        filing_department_id=actor.department_id,
        filed_at=now,
        title=_text(data["title"]),
        project=data["project"],
        background=_text(data["background"]),
        current_state=_text(data["current_state"]),
        impact=_text(data["impact"]),
        urgency=data["urgency"],
        expected_date=data["expected_date"],
    )
    problem.save()
    audit_record(actor=actor, action="problem.file", obj=problem, after=snapshot(problem, FILE_FIELDS))
    for upload in evidence:
        attachment_add(actor=actor, subject=problem, upload=upload)
    office = coordinating_office()
    clock_arm(
        subject=problem,
        process="problem",
        limit="dispatch",
        priority=policy_priority(problem.urgency),
        owner=_dispatch_owner(office),
        department=office,
        project=problem.project,
        start=now,
    )
    notify(
        recipients=coordinators(),
        kind=MessageKind.ASSIGNMENT,
        title=_("【待分派】%(label)s") % {"label": _label(problem)},
        body=_("%(who)s（%(dept)s）提报问题，紧急程度：%(urgency)s。请在 1 个工作日内审核并分派主责部门。")
        % {
            "who": actor.display_name,
            "dept": problem.filing_department.name,
            "urgency": problem.get_urgency_display(),
        },
        url=problem.get_absolute_url(),
        subject=problem,
        urgency=Urgency.URGENT if problem.is_urgent else Urgency.NORMAL,
    )
    return problem


# --- One path for every later change ----------------------------------------------------------------
def _locked(actor: Person, problem: Problem, expected_version: int | None) -> Problem:
    authorize(actor, VIEW, problem)
    locked = (
        Problem.objects.select_for_update(of=("self",))
        .select_related("filing_department", "lead_department", "project", "owner", "created_by")
        .get(pk=problem.pk)
    )
    if expected_version is not None and locked.version != expected_version:
        raise Conflict()
    return locked


def _save(problem: Problem, fields: Iterable[str]) -> None:
    problem.version += 1
    problem.updated_at = clock.now()
    problem.save(update_fields=[*fields, "version", "updated_at"])


def _check_text(errors: dict[str, str], field: str, value: str, label: str, *, required: bool) -> None:
    if required and not value:
        errors[field] = _("请填写%(field)s") % {"field": label}
    elif len(value) > TEXT_LIMIT:
        errors[field] = _("%(field)s不能超过 %(n)d 字") % {"field": label, "n": TEXT_LIMIT}


def _arm_cadence(problem: Problem, *, start: dt.datetime, due_at: dt.datetime | None = None) -> None:
    """进度反馈: every 2 working days, daily when urgent; re-armed after each report."""
    clock_arm(
        subject=problem,
        process="problem",
        limit="update_due",
        priority=policy_priority(problem.urgency),
        owner=problem.owner,
        department=problem.lead_department,
        project=problem.project,
        start=start,
        due_at=due_at,
    )


def deadline_instant(problem: Problem) -> dt.datetime | None:
    """The 完成时限 date means the end of that day's working hours in the project's calendar."""
    if problem.deadline is None:
        return None
    engine = engine_for(calendar_for_project(problem.project))
    return engine.day_end(problem.deadline)


def _arm_deadline(problem: Problem, now: dt.datetime) -> None:
    due = deadline_instant(problem)
    if due is not None:
        clock_arm(
            subject=problem,
            process="problem",
            limit="due",
            owner=problem.owner,
            department=problem.lead_department,
            project=problem.project,
            start=now,
            due_at=max(due, now),
        )


def _in_subtree(department: Department, person: Person) -> bool:
    return person.department_id is not None and person.department_id in DepartmentTree.load().with_descendants(
        [department.pk]
    )


def _division_leaders(departments: Iterable[Department]) -> list[Person]:
    """The 分管领导 of each department concerned (the nearest one up the tree), each once."""
    leaders: dict[int, Person] = {}
    for department in departments:
        rung = manager_chain(None, department=department)[1]
        if rung.person is not None:
            leaders[rung.person.pk] = rung.person
    return list(leaders.values())


@transaction.atomic
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
    """《问题分派通知》: 综合管理部 names the lead department (and helpers), the basis and the deadline;
    the division leaders concerned are copied. Starts the progress cadence."""
    problem = _locked(actor, problem, expected_version)
    MACHINE.check(problem, "dispatch", actor)
    errors: dict[str, str] = {}
    basis = _text(basis)
    if lead_department is None:
        errors["lead_department"] = _("请选择主责部门")
    elif not Department.objects.filter(pk=lead_department.pk).exists():
        errors["lead_department"] = _("所选主责部门不存在（可能已被删除），请重新选择")
    else:
        if owner is None:
            owner = lead_department.head
            if owner is None or not owner.is_active:
                errors["owner"] = _("主责部门“%(dept)s”未设部门负责人，请指定主责负责人") % {"dept": lead_department}
        elif not owner.is_active or not _in_subtree(lead_department, owner):
            errors["owner"] = _("%(person)s 不属于主责部门“%(dept)s”") % {"person": owner, "dept": lead_department}
    helpers_found = Department.objects.filter(pk__in=[d.pk for d in helper_departments])
    if helpers_found.count() != len({d.pk for d in helper_departments}):
        errors["helper_departments"] = _("所选配合部门中有不存在的部门，请重新选择")
    elif lead_department is not None and any(d.pk == lead_department.pk for d in helper_departments):
        errors["helper_departments"] = _("主责部门不必再列为配合部门")
    _check_text(errors, "basis", basis, _("分派依据"), required=True)
    if deadline is None:
        errors["deadline"] = _("请填写完成时限（年/月/日）")
    elif deadline < clock.today():
        errors["deadline"] = _("完成时限 %(date)s 已经过去") % {"date": deadline.isoformat()}
    if errors:
        raise ApplicationError(_("分派信息不完整或有误"), fields=errors)
    assert lead_department is not None and owner is not None  # validated above
    now = clock.now()
    helper_list = list(helpers_found.select_related("head"))
    helper_heads = {d.head.pk: d.head for d in helper_list if d.head is not None and d.head.is_active}
    helper_heads.pop(owner.pk, None)
    problem.lead_department = lead_department
    problem.owner = owner
    problem.basis = basis
    problem.deadline = deadline
    problem.dispatched_by = actor
    problem.dispatched_at = now
    problem.state = ProblemState.DISPATCHED
    _save(problem, ["lead_department", "owner", "basis", "deadline", "dispatched_by", "dispatched_at", "state"])
    problem.helper_departments.set(helper_list)
    problem.helpers.set(list(helper_heads.values()))
    copied = _division_leaders([lead_department, *helper_list])
    problem.cc.set(copied)
    audit_record(
        actor=actor,
        action="problem.dispatch",
        obj=problem,
        before={"state": ProblemState.FILED},
        after={"state": problem.state, **snapshot(problem, DISPATCH_FIELDS)},
    )
    clock_satisfy(subject=problem, limit="dispatch", at=now)
    _arm_cadence(problem, start=now)
    _arm_deadline(problem, now)
    _notify_dispatch(actor, problem, list(helper_heads.values()), copied)
    return problem


def cadence_text(problem: Problem) -> str:
    return _("每个工作日") if problem.is_urgent else _("每 2 个工作日")


def _notify_dispatch(actor: Person, problem: Problem, helpers: list[Person], copied: list[Person]) -> None:
    label = _label(problem)
    assert problem.lead_department is not None and problem.owner is not None
    notice = _(
        "主责部门：%(lead)s（负责人 %(owner)s）；配合部门：%(helpers)s；完成时限：%(deadline)s；分派依据：%(basis)s"
    ) % {
        "lead": problem.lead_department.name,
        "owner": problem.owner.display_name,
        "helpers": "、".join(d.name for d in problem.helper_departments.all()) or "—",
        "deadline": problem.deadline,
        "basis": problem.basis,
    }
    urgency = Urgency.URGENT if problem.is_urgent else Urgency.NORMAL
    url = problem.get_absolute_url()
    notify(
        recipients=[problem.owner],
        kind=MessageKind.ASSIGNMENT,
        title=_("【问题分派通知】%(label)s") % {"label": label},
        body=notice + _("。请制定解决方案，并%(cadence)s反馈进度。") % {"cadence": cadence_text(problem)},
        url=url,
        subject=problem,
        urgency=urgency,
    )
    if helpers:
        notify(
            recipients=helpers,
            kind=MessageKind.ASSIGNMENT,
            title=_("【配合处理】%(label)s") % {"label": label},
            body=notice,
            url=url,
            subject=problem,
        )
    others = [p for p in [*copied, problem.created_by] if p.pk != problem.owner.pk]
    notify(
        recipients=others,
        kind=MessageKind.INFO,
        title=_("【已分派·抄送】%(label)s") % {"label": label},
        body=notice,
        url=url,
        subject=problem,
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
    """《问题处理进度表》一行: meets the cadence limit and starts the next one; 重大风险 reaches 综合管理部
    and the division leaders at once."""
    problem = _locked(actor, problem, expected_version)
    MACHINE.check(problem, "progress", actor)
    progress, risk, next_step = _text(progress), _text(risk), _text(next_step)
    errors: dict[str, str] = {}
    _check_text(errors, "progress", progress, _("阶段性成果"), required=True)
    _check_text(errors, "risk", risk, _("风险说明"), required=major_risk)
    _check_text(errors, "next_step", next_step, _("下一步计划"), required=False)
    if errors:
        raise ApplicationError(_("进度反馈不完整"), fields=errors)
    now = clock.now()
    cadence = open_clock(problem, "update_due")
    update = ProgressUpdate.objects.create(
        problem=problem,
        author=actor,
        progress=progress,
        risk=risk,
        next_step=next_step,
        major_risk=major_risk,
        due_at=cadence.limit_due_at if cadence else None,
        created_at=now,
    )
    before = problem.state
    problem.state = ProblemState.IN_PROGRESS
    problem.first_progress_at = problem.first_progress_at or now
    _save(problem, ["state", "first_progress_at"])
    audit_record(
        actor=actor,
        action="problem.progress",
        obj=problem,
        before={"state": before},
        after={
            "state": problem.state,
            "update": update.pk,
            "progress": progress[:200],
            "major_risk": major_risk,
            "on_time": update.on_time,
        },
    )
    clock_satisfy(subject=problem, limit="update_due", at=now)
    _arm_cadence(problem, start=now)
    label = _label(problem)
    notify(
        recipients=[problem.created_by],
        kind=MessageKind.INFO,
        title=_("【进度反馈】%(label)s") % {"label": label},
        body=progress[:500],
        url=problem.get_absolute_url(),
        subject=problem,
    )
    if major_risk:
        notify(
            recipients=[*coordinators(), *problem.cc.all()],
            kind=MessageKind.ESCALATION,
            title=_("【重大风险】%(label)s") % {"label": label},
            body=_("%(who)s 上报重大风险：%(risk)s") % {"who": actor.display_name, "risk": risk[:500]},
            url=problem.get_absolute_url(),
            subject=problem,
            urgency=Urgency.URGENT,
        )
    return update


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
    """《问题解决报告》: measures and the verified effect; the filer confirms it next."""
    problem = _locked(actor, problem, expected_version)
    MACHINE.check(problem, "solve", actor)
    measures, effect, cause = _text(measures), _text(effect), _text(cause)
    errors: dict[str, str] = {}
    _check_text(errors, "measures", measures, _("解决措施"), required=True)
    _check_text(errors, "effect", effect, _("效果验证"), required=True)
    _check_text(errors, "cause", cause, _("问题原因"), required=False)
    if errors:
        raise ApplicationError(_("问题解决报告不完整"), fields=errors)
    now = clock.now()
    report = SolutionReport.objects.create(
        problem=problem, author=actor, cause=cause, measures=measures, effect=effect, created_at=now
    )
    before = problem.state
    problem.state = ProblemState.SOLVED
    problem.solved_at = now
    _save(problem, ["state", "solved_at"])
    audit_record(
        actor=actor,
        action="problem.solve",
        obj=problem,
        before={"state": before},
        after={"state": problem.state, "report": report.pk, "measures": measures[:200], "effect": effect[:200]},
    )
    clock_satisfy(subject=problem, limit="update_due", at=now)
    clock_satisfy(subject=problem, limit="due", at=now)
    notify(
        recipients=[problem.created_by],
        kind=MessageKind.ASSIGNMENT,
        title=_("【待确认】%(label)s") % {"label": _label(problem)},
        body=_("%(who)s 提交了问题解决报告，请确认解决效果：确认解决，或退回继续处理。") % {"who": actor.display_name},
        url=problem.get_absolute_url(),
        subject=problem,
    )
    return report


@transaction.atomic
def problem_transition(
    *, actor: Person, problem: Problem, name: str, reason: str = "", expected_version: int | None = None
) -> Problem:
    """确认解决 / 退回继续处理 / 撤回."""
    problem = _locked(actor, problem, expected_version)
    if name not in REASON_LABELS and name != "confirm":
        raise InvalidState(_("未知操作：%(name)s") % {"name": name})
    transition = MACHINE.check(problem, name, actor)
    reason = _text(reason)
    if transition.needs_reason and not reason:
        raise ApplicationError(fields={"reason": _("请填写%(label)s") % {"label": REASON_LABELS[name]}})
    if len(reason) > TEXT_LIMIT:
        raise ApplicationError(fields={"reason": _("说明不能超过 %(n)d 字") % {"n": TEXT_LIMIT}})
    now = clock.now()
    before = problem.state
    report = problem.reports.filter(verdict=SolutionReport.Verdict.PENDING).order_by("-created_at", "-pk").first()
    fields = ["state"]
    if name == "confirm":
        problem.confirmed_at = problem.closed_at = now
        fields += ["confirmed_at", "closed_at"]
    elif name == "reject_solution":
        problem.solved_at = None
        fields.append("solved_at")
    elif name == "withdraw":
        problem.closed_at = now
        fields.append("closed_at")
    if report is not None and name in ("confirm", "reject_solution"):
        report.verdict = SolutionReport.Verdict.CONFIRMED if name == "confirm" else SolutionReport.Verdict.RETURNED
        report.verdict_note, report.verdict_by, report.verdict_at = reason, actor, now
        report.save(update_fields=["verdict", "verdict_note", "verdict_by", "verdict_at"])
    problem.state = transition.target
    _save(problem, fields)
    after: dict[str, Any] = {"state": problem.state}
    if reason:
        after["reason"] = reason
    audit_record(actor=actor, action=f"problem.{name}", obj=problem, before={"state": before}, after=after)
    label, url = _label(problem), problem.get_absolute_url()
    if name == "confirm":
        clock_cancel(subject=problem, note=_("问题已确认解决"))
        notify(
            recipients=[p for p in [problem.owner, *coordinators()] if p is not None],
            kind=MessageKind.INFO,
            title=_("【已确认解决】%(label)s") % {"label": label},
            body=_("%(who)s 确认问题已解决，已纳入问题处理台账与案例库。") % {"who": actor.display_name},
            url=url,
            subject=problem,
        )
    elif name == "reject_solution":
        _arm_cadence(problem, start=now)
        _arm_deadline(problem, now)
        notify(
            recipients=[p for p in [problem.owner] if p is not None],
            kind=MessageKind.ASSIGNMENT,
            title=_("【解决报告被退回】%(label)s") % {"label": label},
            body=reason,
            url=url,
            subject=problem,
        )
    else:
        clock_cancel(subject=problem, note=_("问题已撤回"))
        notify(
            recipients=coordinators(),
            kind=MessageKind.INFO,
            title=_("【已撤回】%(label)s") % {"label": label},
            body=reason,
            url=url,
            subject=problem,
        )
    return problem


@transaction.atomic
def problem_set_urgency(
    *, actor: Person, problem: Problem, urgency: str, reason: str = "", expected_version: int | None = None
) -> Problem:
    """Change 紧急程度. Rising to 高 re-arms the running progress clock with the daily cadence: the next
    report is due one working day from now, or at the current due time if that is sooner."""
    problem = _locked(actor, problem, expected_version)
    if problem.state not in URGENCY_EDITABLE_STATES:
        raise InvalidState(_("当前状态为“%(state)s”，不能调整紧急程度") % {"state": problem.get_state_display()})
    if not may_change_urgency(actor, problem):
        raise Forbidden(_("只有提报人、提报部门负责人或综合管理部可以调整紧急程度"))
    if urgency not in ProblemUrgency.values:
        raise ApplicationError(fields={"urgency": _("紧急程度只能是 高、中、低")})
    if urgency == problem.urgency:
        raise ApplicationError(fields={"urgency": _("紧急程度没有变化")})
    reason = _text(reason)
    if len(reason) > TEXT_LIMIT:
        raise ApplicationError(fields={"reason": _("说明不能超过 %(n)d 字") % {"n": TEXT_LIMIT}})
    before = problem.urgency
    problem.urgency = urgency
    _save(problem, ["urgency"])
    after: dict[str, Any] = {"urgency": urgency}
    if reason:
        after["reason"] = reason
    audit_record(actor=actor, action="problem.urgency", obj=problem, before={"urgency": before}, after=after)
    cadence = open_clock(problem, "update_due")
    if problem.is_urgent and cadence is not None and cadence.state == ClockState.ARMED:
        now = clock.now()
        daily = _cadence_due(problem, now)
        _arm_cadence(problem, start=now, due_at=min(daily, cadence.limit_due_at))
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
            title=_("【紧急程度调整】%(label)s") % {"label": _label(problem)},
            body=body,
            url=problem.get_absolute_url(),
            subject=problem,
            urgency=Urgency.URGENT if problem.is_urgent else Urgency.NORMAL,
        )
    return problem


def _cadence_due(problem: Problem, start: dt.datetime) -> dt.datetime:
    """When a report started now would be due under the problem's current cadence policy."""
    policy = policy_for("problem", "update_due", policy_priority(problem.urgency))
    calendar = calendar_for_project(problem.project)
    if policy is None:
        return start
    base = timebase(policy.mode, calendar)
    return base.add(start, parse_duration(policy.duration).to_timedelta(base.day_length))


def problem_actions(problem: Problem, actor: Person) -> list:
    return MACHINE.available(problem, actor)
