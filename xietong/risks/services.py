"""Writes for exceptions, delay requests and disputes (one transaction each, audited, with clocks)."""

from __future__ import annotations

import datetime as dt

from django.db import transaction
from django.utils.translation import gettext as _

from xietong.clocks.services import clock_arm, clock_cancel, clock_satisfy
from xietong.core import clock
from xietong.core.audit import audit_record
from xietong.core.errors import ApplicationError, Forbidden, InvalidState
from xietong.core.permissions import VIEW, authorize
from xietong.items.services import number_next
from xietong.notify.models import MessageKind
from xietong.notify.services import notify
from xietong.org.models import Department, Person
from xietong.org.roles import general_manager, manager_chain
from xietong.requests.models import Request
from xietong.risks.models import DelayApproval, DelayRequest, Dispute, ExceptionReport, Severity
from xietong.tasks.choices import TaskState
from xietong.tasks.models import Task
from xietong.tasks.timers import arm_due
from xietong.workcal.selectors import calendar_for_project, engine_for


def _engine(project):
    return engine_for(calendar_for_project(project))


def _head(department: Department) -> Person | None:
    head = department.head if department.head_id else None
    return head if head is not None and head.is_active else None


# --- 异常问题反馈表 -----------------------------------------------------------------------------------
@transaction.atomic
def exception_raise(
    *,
    actor: Person,
    task: Task,
    discovered_at: dt.datetime | None,
    problem: str,
    impact: str,
    proposal: str,
    severity: str,
    expected_resolution: dt.datetime | None = None,
    title: str = "",
) -> ExceptionReport:
    """The owner reports a risk (资源不足、需求变更、进度滞后 …), copied to the initiator and their head."""
    authorize(actor, VIEW, task)
    task = Task.objects.select_related(
        "request__requesting_department", "request__requester", "project", "department"
    ).get(pk=task.pk)
    if actor.pk not in {task.owner_id, *task.helpers.values_list("pk", flat=True)}:
        raise Forbidden(_("异常问题由任务负责人或协助人提报"))
    now = clock.now()
    errors: dict[str, str] = {}
    for field, value, label in (
        ("problem", problem, _("问题详情")),
        ("impact", impact, _("影响范围")),
        ("proposal", proposal, _("建议解决方案")),
    ):
        if not (value or "").strip():
            errors[field] = _("请填写%(label)s") % {"label": label}
    if severity not in Severity.values:
        errors["severity"] = _("严重程度只能是 一般 或 重大")
    if discovered_at is None:
        errors["discovered_at"] = _("请填写发现时间")
    elif discovered_at > now:
        errors["discovered_at"] = _("发现时间不能晚于现在")
    if severity == Severity.MAJOR and expected_resolution is None:
        errors["expected_resolution"] = _("重大问题须填写预计解决时间")
    if expected_resolution is not None and expected_resolution <= now:
        errors["expected_resolution"] = _("预计解决时间应晚于现在")
    if errors:
        raise ApplicationError(_("异常问题反馈表填写有误"), fields=errors)
    assert discovered_at is not None  # validated above
    engine = _engine(task.project)
    late = engine.between(discovered_at, now) > engine.day_length  # more than 1 working day after discovery
    request = task.request
    report = ExceptionReport.objects.create(
        number=number_next("YC"),
        title=(title or problem.strip().splitlines()[0])[:120],
        project=task.project,
        created_by=actor,
        request=request,
        task=task,
        department=task.department,
        initiator=request.requester,
        initiator_department=request.requesting_department,
        discovered_at=discovered_at,
        problem=problem.strip(),
        impact=impact.strip(),
        proposal=proposal.strip(),
        severity=severity,
        expected_resolution=expected_resolution,
        late_filing=late,
    )
    audit_record(
        actor=actor,
        action="exception.raise",
        obj=report,
        after={"severity": severity, "late_filing": late, "task": task.pk, "expected_resolution": expected_resolution},
    )
    clock_arm(
        subject=report,
        process="exception",
        limit="resolve",
        priority=severity,
        owner=request.requester,
        department=request.requesting_department,
        project=task.project,
        start=now,
    )
    copied = [request.requester, _head(task.department), _head(request.requesting_department)]
    notify(
        recipients=[p for p in copied if p is not None and p.pk != actor.pk],
        kind=MessageKind.ASSIGNMENT,
        urgency="urgent" if severity == Severity.MAJOR else "normal",
        title=_("【异常问题·%(sev)s】%(title)s") % {"sev": report.get_severity_display(), "title": report.title},
        body=_("%(who)s 提报：%(problem)s\n影响范围：%(impact)s\n建议方案：%(proposal)s")
        % {
            "who": actor.display_name,
            "problem": report.problem[:200],
            "impact": report.impact[:200],
            "proposal": report.proposal[:200],
        },
        url=report.get_absolute_url(),
        subject=report,
    )
    return report


def _may_decide(actor: Person, report: ExceptionReport) -> bool:
    request = report.request
    heads = {report.department.head_id, report.initiator_department.head_id}
    return actor.pk in heads or request.is_requester_side(actor) or actor.is_coordinator or actor.is_general_manager


@transaction.atomic
def exception_resolve(*, actor: Person, report: ExceptionReport, resolution: str) -> ExceptionReport:
    """闭环: the initiator (or the heads concerned) records what was decided and by whom."""
    authorize(actor, VIEW, report)
    report = (
        ExceptionReport.objects.select_for_update(of=("self",))
        .select_related("request", "department", "initiator_department")
        .get(pk=report.pk)
    )
    if report.state != ExceptionReport.State.OPEN:
        raise InvalidState(_("该异常问题已闭环"))
    if not _may_decide(actor, report):
        raise Forbidden(_("只有发起方、相关部门负责人或协调人可以闭环异常问题"))
    resolution = (resolution or "").strip()
    if not resolution:
        raise ApplicationError(fields={"resolution": _("请写明处理结果：谁决定了什么、何时完成")})
    now = clock.now()
    report.state = ExceptionReport.State.RESOLVED
    report.resolution = resolution
    report.decided_by = actor
    report.closed_at = now
    report.version += 1
    report.save(update_fields=["state", "resolution", "decided_by", "closed_at", "version"])
    audit_record(
        actor=actor,
        action="exception.resolve",
        obj=report,
        before={"state": "open"},
        after={"state": "resolved", "reason": resolution, "decided_by": actor.pk},
    )
    clock_satisfy(subject=report, limit="resolve", at=now)
    notify(
        recipients=[report.created_by],
        kind=MessageKind.INFO,
        title=_("【异常已闭环】%(t)s") % {"t": report.title},
        body=resolution[:500],
        url=report.get_absolute_url(),
        subject=report,
    )
    return report


@transaction.atomic
def exception_update_eta(
    *, actor: Person, report: ExceptionReport, expected_resolution: dt.datetime, note: str = ""
) -> ExceptionReport:
    """重大问题需同步更新预计解决时间: record the new expected time and tell everyone copied."""
    authorize(actor, VIEW, report)
    report = ExceptionReport.objects.select_for_update().get(pk=report.pk)
    if report.state != ExceptionReport.State.OPEN:
        raise InvalidState(_("该异常问题已闭环"))
    if actor.pk not in {report.created_by_id, report.initiator_id}:
        raise Forbidden(_("只有提报人或发起方可以更新预计解决时间"))
    if expected_resolution <= clock.now():
        raise ApplicationError(fields={"expected_resolution": _("预计解决时间应晚于现在")})
    before = report.expected_resolution
    report.expected_resolution = expected_resolution
    report.version += 1
    report.save(update_fields=["expected_resolution", "version"])
    audit_record(
        actor=actor,
        action="exception.update_eta",
        obj=report,
        before={"expected_resolution": before},
        after={"expected_resolution": expected_resolution, **({"reason": note} if note else {})},
    )
    notify(
        recipients=[p for p in (report.created_by, report.initiator) if p.pk != actor.pk],
        kind=MessageKind.INFO,
        title=_("【更新预计解决时间】%(t)s") % {"t": report.title},
        body=f"{clock.local(expected_resolution):%m-%d %H:%M} {note}",
        url=report.get_absolute_url(),
        subject=report,
    )
    return report


# --- 延期申请 -----------------------------------------------------------------------------------------
def delay_approvers(task: Task) -> dict[str, Person]:
    """The project lead and the initiating department's head (one person may hold both roles)."""
    approvers = {"project_lead": task.project.lead}
    head = task.request.requesting_department.head
    if head is not None:
        approvers["initiator_head"] = head
    return approvers


@transaction.atomic
def delay_request(
    *, actor: Person, task: Task, new_end_date: dt.date | None, reason: str, new_plan: str
) -> DelayRequest:
    authorize(actor, VIEW, task)
    task = (
        Task.objects.select_for_update(of=("self",))
        .select_related("project__lead", "request__requesting_department__head", "department")
        .get(pk=task.pk)
    )
    if actor.pk != task.owner_id:
        raise Forbidden(_("延期申请由任务负责人提交"))
    if task.state not in (TaskState.PUBLISHED, TaskState.ACCEPTED, TaskState.IN_PROGRESS):
        raise InvalidState(_("已完成或已取消的任务不能申请延期"))
    if task.delay_requests.filter(state=DelayRequest.State.PENDING).exists():
        raise InvalidState(_("该任务已有待审批的延期申请"))
    today = clock.today()
    errors: dict[str, str] = {}
    if new_end_date is None:
        errors["new_end_date"] = _("请填写申请延至的日期")
    elif new_end_date < today:
        errors["new_end_date"] = _("不能延期到已经过去的日期 %(d)s") % {"d": new_end_date}
    elif new_end_date <= task.end_date:
        errors["new_end_date"] = _("申请日期应晚于原计划完成日期 %(d)s") % {"d": task.end_date}
    if not (reason or "").strip():
        errors["reason"] = _("请说明延期原因，如“需求变更导致工作量增加”")
    if not (new_plan or "").strip():
        errors["new_plan"] = _("请填写调整后的计划")
    if errors:
        raise ApplicationError(_("延期申请有误"), fields=errors)
    assert new_end_date is not None  # validated above
    engine = _engine(task.project)
    # 提前2天提交: at least 2 working days between today and the planned end date.
    working_days_left = sum(1 for _ in engine.working_days(today + dt.timedelta(days=1), task.end_date))
    late = working_days_left < 2
    delay = DelayRequest.objects.create(
        number=number_next("YQ"),
        title=_("%(task)s 延期至 %(d)s") % {"task": task.title, "d": new_end_date},
        project=task.project,
        created_by=actor,
        task=task,
        department=task.department,
        reason=reason.strip(),
        new_plan=new_plan.strip(),
        original_end_date=task.end_date,
        new_end_date=new_end_date,
        late_filing=late,
    )
    audit_record(
        actor=actor,
        action="delay.request",
        obj=delay,
        after={"task": task.pk, "from": task.end_date, "to": new_end_date, "late_filing": late},
    )
    approvers = delay_approvers(task)
    clock_arm(
        subject=delay,
        process="delay",
        limit="review",
        owner=approvers["project_lead"],
        department=task.project.department,
        project=task.project,
    )
    notify(
        recipients=list({p.pk: p for p in approvers.values()}.values()),
        kind=MessageKind.ASSIGNMENT,
        title=_("【延期审批】%(t)s") % {"t": delay.title},
        body=_("原因：%(r)s%(late)s")
        % {"r": delay.reason[:300], "late": _("（未按规定提前 2 个工作日提出）") if late else ""},
        url=delay.get_absolute_url(),
        subject=delay,
    )
    return delay


@transaction.atomic
def delay_decide(*, actor: Person, delay: DelayRequest, approve: bool, note: str = "") -> DelayRequest:
    """Each approver decides once; one refusal refuses; when all approve, the dates move."""
    authorize(actor, VIEW, delay)
    delay = (
        DelayRequest.objects.select_for_update(of=("self",))
        .select_related("task__project__lead", "task__request__requesting_department__head")
        .get(pk=delay.pk)
    )
    if delay.state != DelayRequest.State.PENDING:
        raise InvalidState(_("该延期申请已有结论"))
    approvers = delay_approvers(delay.task)
    roles = [
        role
        for role, person in approvers.items()
        if person.pk == actor.pk and not delay.approvals.filter(role=role).exists()
    ]
    if not roles:
        raise Forbidden(_("您不是这份延期申请的审批人，或已经审批过"))
    note = (note or "").strip()
    if not approve and not note:
        raise ApplicationError(fields={"note": _("驳回时请写明理由")})
    for role in roles:
        DelayApproval.objects.create(delay=delay, role=role, approver=actor, approved=approve, note=note)
    audit_record(
        actor=actor,
        action="delay.approve" if approve else "delay.refuse",
        obj=delay,
        after={"roles": roles, **({"reason": note} if note else {})},
    )
    decided = {a.role: a.approved for a in delay.approvals.all()}
    if not approve:
        _delay_close(delay, DelayRequest.State.REFUSED)
    elif set(decided) >= set(approvers) and all(decided.values()):
        _delay_close(delay, DelayRequest.State.APPROVED)
        _delay_apply(actor, delay)
    return delay


def _delay_close(delay: DelayRequest, state: str) -> None:
    now = clock.now()
    delay.state = state
    delay.closed_at = now
    delay.version += 1
    delay.save(update_fields=["state", "closed_at", "version"])
    clock_satisfy(subject=delay, limit="review", at=now)
    label = _("已批准") if state == DelayRequest.State.APPROVED else _("已驳回")
    notify(
        recipients=[delay.created_by],
        kind=MessageKind.INFO,
        title=_("【延期%(s)s】%(t)s") % {"s": label, "t": delay.title},
        url=delay.get_absolute_url(),
        subject=delay,
    )


def _delay_apply(actor: Person, delay: DelayRequest) -> None:
    """Move the task's end date, and shift every dependent task that would now start too early by the
    same number of working days — re-timing their clocks."""
    task = Task.objects.select_for_update().get(pk=delay.task_id)
    engine = _engine(task.project)
    shift = sum(1 for _ in engine.working_days(task.end_date + dt.timedelta(days=1), delay.new_end_date))
    before = task.end_date
    task.end_date = delay.new_end_date
    task.version += 1
    task.save(update_fields=["end_date", "version"])
    audit_record(
        actor=actor,
        action="task.delay_applied",
        obj=task,
        before={"end_date": before},
        after={"end_date": task.end_date, "reason": delay.number},
    )
    arm_due(task)
    _shift_successors(actor, task, shift, engine, seen={task.pk})


def _shift_successors(actor: Person, task: Task, shift: int, engine, seen: set[int]) -> None:
    for successor in (
        Task.objects.select_for_update()
        .filter(dependency_links__predecessor=task)
        .exclude(state__in=[TaskState.DONE, TaskState.CANCELLED])
    ):
        if successor.pk in seen or successor.start_date > task.end_date:
            continue
        seen.add(successor.pk)
        before = {"start_date": successor.start_date, "end_date": successor.end_date}
        successor.start_date = engine.add_working_days(successor.start_date, shift)
        successor.end_date = engine.add_working_days(successor.end_date, shift)
        successor.version += 1
        successor.save(update_fields=["start_date", "end_date", "version"])
        audit_record(
            actor=actor,
            action="task.rescheduled",
            obj=successor,
            before=before,
            after={
                "start_date": successor.start_date,
                "end_date": successor.end_date,
                "reason": _("前置任务“%(t)s”延期") % {"t": task.title},
            },
        )
        if successor.state in (TaskState.PUBLISHED, TaskState.ACCEPTED, TaskState.IN_PROGRESS):
            arm_due(successor)
            notify(
                recipients=[successor.owner],
                kind=MessageKind.INFO,
                title=_("【计划顺延】%(t)s") % {"t": f"{successor.number} {successor.title}"},
                body=_("前置任务“%(p)s”延期，本任务调整为 %(s)s ~ %(e)s。")
                % {"p": task.title, "s": successor.start_date, "e": successor.end_date},
                url=successor.get_absolute_url(),
                subject=successor,
            )
        _shift_successors(actor, successor, shift, engine, seen)


# --- 部门分歧 -----------------------------------------------------------------------------------------
@transaction.atomic
def dispute_open(
    *, actor: Person, request: Request, department_b: Department | None, title: str, position_a: str
) -> Dispute:
    authorize(actor, VIEW, request)
    errors: dict[str, str] = {}
    if actor.department_id is None:
        errors["department_b"] = _("您没有所属部门，不能代表部门提出分歧")
    if department_b is None:
        errors["department_b"] = _("请选择对方部门")
    elif department_b.pk == actor.department_id:
        errors["department_b"] = _("分歧须在两个不同部门之间")
    if not (title or "").strip():
        errors["title"] = _("请用一句话写明分歧点")
    if not (position_a or "").strip():
        errors["position_a"] = _("请写明本部门的意见")
    if errors:
        raise ApplicationError(_("分歧信息有误"), fields=errors)
    assert department_b is not None and actor.department is not None  # validated above
    dispute = Dispute.objects.create(
        number=number_next("FQ"),
        title=title.strip()[:120],
        project=request.project,
        created_by=actor,
        request=request,
        department_a=actor.department,
        department_b=department_b,
        position_a=position_a.strip(),
    )
    audit_record(
        actor=actor,
        action="dispute.open",
        obj=dispute,
        after={"department_a": actor.department_id, "department_b": department_b.pk},
    )
    clock_arm(
        subject=dispute,
        process="dispute",
        limit="resolve",
        owner=None,
        department=department_b,
        project=request.project,
    )
    heads = [p for p in (_head(dispute.department_a), _head(department_b)) if p is not None and p.pk != actor.pk]
    notify(
        recipients=heads,
        kind=MessageKind.ASSIGNMENT,
        title=_("【部门分歧】%(t)s") % {"t": dispute.title},
        body=_("请两部门负责人协商，3 个工作日内未达成一致将上报各自分管领导。"),
        url=dispute.get_absolute_url(),
        subject=dispute,
    )
    return dispute


def _dispute_parties(dispute: Dispute) -> list[Person]:
    people = [dispute.created_by, _head(dispute.department_a), _head(dispute.department_b)]
    for dept in (dispute.department_a, dispute.department_b):
        people += [r.person for r in manager_chain(None, department=dept)[1:2] if r.person]
    people.append(general_manager())
    unique: dict[int, Person] = {}
    for p in people:
        if p is not None:
            unique[p.pk] = p
    return list(unique.values())


@transaction.atomic
def dispute_answer(*, actor: Person, dispute: Dispute, position_b: str) -> Dispute:
    authorize(actor, VIEW, dispute)
    dispute = Dispute.objects.select_for_update().get(pk=dispute.pk)
    if dispute.state != Dispute.State.OPEN:
        raise InvalidState(_("该分歧已有结论"))
    if actor.department_id != dispute.department_b_id and actor.pk != dispute.department_b.head_id:
        raise Forbidden(_("只有对方部门可以填写对方意见"))
    if not (position_b or "").strip():
        raise ApplicationError(fields={"position_b": _("请写明对方部门的意见")})
    dispute.position_b = position_b.strip()
    dispute.version += 1
    dispute.save(update_fields=["position_b", "version"])
    audit_record(actor=actor, action="dispute.answer", obj=dispute, after={"position_b": dispute.position_b[:300]})
    return dispute


def _may_settle(actor: Person, dispute: Dispute, *, decide: bool) -> bool:
    heads = {dispute.department_a.head_id, dispute.department_b.head_id}
    leaders = {
        r.person.pk
        for dept in (dispute.department_a, dispute.department_b)
        for r in manager_chain(None, department=dept)[1:2]
        if r.person
    }
    if decide:
        return actor.pk in leaders or actor.is_general_manager
    return actor.pk in heads


@transaction.atomic
def dispute_settle(*, actor: Person, dispute: Dispute, resolution: str, decide: bool) -> Dispute:
    """agree (the heads reached agreement) or decide (a division leader or the GM rules); the outcome goes
    to every party in writing (决策结果需书面同步所有参与方)."""
    authorize(actor, VIEW, dispute)
    dispute = (
        Dispute.objects.select_for_update(of=("self",))
        .select_related("department_a", "department_b")
        .get(pk=dispute.pk)
    )
    if dispute.state != Dispute.State.OPEN:
        raise InvalidState(_("该分歧已有结论"))
    if not _may_settle(actor, dispute, decide=decide):
        raise Forbidden(
            _("只有两部门负责人可以确认达成一致；裁决由分管领导或总经理作出")
            if not decide
            else _("裁决由双方分管领导或总经理作出")
        )
    resolution = (resolution or "").strip()
    if not resolution:
        raise ApplicationError(fields={"resolution": _("请写明结论")})
    now = clock.now()
    dispute.state = Dispute.State.DECIDED if decide else Dispute.State.AGREED
    dispute.resolution = resolution
    dispute.decided_by = actor
    dispute.closed_at = now
    dispute.version += 1
    dispute.save(update_fields=["state", "resolution", "decided_by", "closed_at", "version"])
    audit_record(
        actor=actor,
        action="dispute.decide" if decide else "dispute.agree",
        obj=dispute,
        before={"state": "open"},
        after={"state": dispute.state, "reason": resolution},
    )
    clock_satisfy(subject=dispute, limit="resolve", at=now)
    clock_cancel(subject=dispute)
    notify(
        recipients=_dispute_parties(dispute),
        kind=MessageKind.INFO,
        urgency="urgent",
        title=_("【分歧%(s)s】%(t)s") % {"s": dispute.get_state_display(), "t": dispute.title},
        body=_("%(who)s：%(r)s") % {"who": actor.display_name, "r": resolution[:500]},
        url=dispute.get_absolute_url(),
        subject=dispute,
    )
    return dispute
