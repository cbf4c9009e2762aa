"""Writes for exceptions, delay requests and disputes (one transaction each, audited, with clocks)."""

from __future__ import annotations

import datetime as dt

from django.db import transaction
from django.utils.translation import gettext as _

from xietong.core import clock
from xietong.core.errors import ApplicationError, Forbidden, InvalidState
from xietong.core.permissions import VIEW, access_locked, authorize
from xietong.items.numbering import number_next
from xietong.items.runner import run_step
from xietong.org.models import Department, Person
from xietong.requests.models import Request
from xietong.risks.delay_notice import filing_deadline
from xietong.risks.models import DelayRequest, Dispute, ExceptionReport, Severity
from xietong.risks.process import DELAY
from xietong.tasks.choices import TaskState
from xietong.tasks.models import Task
from xietong.workcal.selectors import calendar_for_project, engine_for


def _engine(project):
    return engine_for(calendar_for_project(project))


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
        errors["severity"] = _("严重程度只能是 一般、重大 或 紧急")
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
    inputs = {"severity": severity, "late_filing": late, "task": task.pk, "expected_resolution": expected_resolution}
    # Checked above, and no one else can see the new row before commit.
    return run_step(actor=actor, item=report, step="raise", inputs=inputs, as_system=True, fresh=True)


@transaction.atomic
def exception_resolve(*, actor: Person, report: ExceptionReport, resolution: str) -> ExceptionReport:
    """闭环: the initiator (or the heads concerned) records what was decided and by whom."""
    return run_step(actor=actor, item=report, step="resolve", reason=resolution)


@transaction.atomic
def exception_respond(
    *, actor: Person, report: ExceptionReport, resolver: Person | None, expected_resolution: dt.datetime | None = None
) -> ExceptionReport:
    """问题协调会的结论: the 解决责任人 (who then owns the closing clock) and, when set, the 时间节点 that
    becomes its deadline. For an urgent report this is the response due within 2 hours."""
    inputs = {"resolver": resolver, "expected_resolution": expected_resolution}
    return run_step(actor=actor, item=report, step="respond", inputs=inputs)


@transaction.atomic
def exception_update_eta(
    *, actor: Person, report: ExceptionReport, expected_resolution: dt.datetime, note: str = ""
) -> ExceptionReport:
    """重大问题需同步更新预计解决时间: record the new expected time and tell everyone copied."""
    inputs = {"expected_resolution": expected_resolution}
    return run_step(actor=actor, item=report, step="update_eta", reason=note, inputs=inputs)


# --- 延期申请 -----------------------------------------------------------------------------------------
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
    # 提前2天提交 (the policy delay/*/notice): refused when late, or only marked if the policy says 仅标记.
    ahead = filing_deadline(_engine(task.project), task.end_date, clock.now())
    if ahead.refuse and "new_end_date" not in errors:
        errors["new_end_date"] = ahead.message
    if errors:
        raise ApplicationError(_("延期申请有误"), fields=errors)
    assert new_end_date is not None  # validated above
    late = ahead.late
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
    inputs = {"task": task.pk, "from": task.end_date, "to": new_end_date, "late_filing": late}
    return run_step(actor=actor, item=delay, step="request", inputs=inputs, as_system=True, fresh=True)


@transaction.atomic
def delay_decide(*, actor: Person, delay: DelayRequest, approve: bool, note: str = "") -> DelayRequest:
    """Each approver decides once; one refusal refuses; the last approval grants it and the dates move."""
    locked = access_locked(actor, DelayRequest.objects.select_related("task__project__lead"), delay.pk)
    offered = {s.name for s in DELAY.available(locked, actor)}
    step = "refuse" if not approve else ("approve" if "approve" in offered else "approve_first")
    return run_step(actor=actor, item=locked, step=step, reason=note)


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
    inputs = {"department_a": actor.department_id, "department_b": department_b.pk}
    return run_step(actor=actor, item=dispute, step="open", inputs=inputs, as_system=True, fresh=True)


@transaction.atomic
def dispute_answer(*, actor: Person, dispute: Dispute, position_b: str) -> Dispute:
    return run_step(actor=actor, item=dispute, step="answer", reason=position_b)


@transaction.atomic
def dispute_settle(*, actor: Person, dispute: Dispute, resolution: str, decide: bool) -> Dispute:
    """agree (the heads reached agreement) or decide (a division leader or the GM rules); the outcome goes
    to every party in writing (决策结果需书面同步所有参与方)."""
    return run_step(actor=actor, item=dispute, step="decide" if decide else "agree", reason=resolution)
