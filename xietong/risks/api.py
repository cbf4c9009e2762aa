"""异常问题、延期申请与部门分歧 over JSON: each item, and the steps of its declared process
(GET …/actions, POST …/transitions/{name}) with the same permission filter as the pages."""

from __future__ import annotations

import datetime as dt

from django.utils.translation import gettext as _
from ninja import Field, Router, Schema, Status

from xietong.clocks.selectors import open_clock
from xietong.core.api_errors import responses
from xietong.core.api_types import LocalDateTime
from xietong.core.errors import ApplicationError
from xietong.core.http import AuthedRequest
from xietong.core.permissions import access
from xietong.items.step_api import add_step_routes
from xietong.org.models import Person
from xietong.risks.models import DelayRequest, Dispute, ExceptionReport
from xietong.risks.process import DELAY, DISPUTE, EXCEPTION
from xietong.risks.services import delay_request, exception_raise, exception_respond, exception_update_eta
from xietong.tasks.models import Task

router = Router(tags=["risks"])
exceptions, delays, disputes = Router(), Router(), Router()


def _due(item, limit: str) -> dt.datetime | None:
    clock = open_clock(item, limit)
    return clock.limit_due_at if clock is not None else None


class ExceptionOut(Schema):
    id: int
    number: str
    title: str
    request_id: int
    task_id: int | None
    severity: str = Field(description="normal 一般 / major 重大 / urgent 紧急（2 小时内响应）")
    state: str
    discovered_at: dt.datetime
    problem: str
    impact: str
    proposal: str
    late_filing: bool = Field(description="发现后超过 1 个工作日才提报")
    expected_resolution: dt.datetime | None = Field(description="预计解决时间（ETA）；更新后即为闭环时限")
    resolver_id: int | None = Field(description="解决责任人")
    responded_at: dt.datetime | None
    respond_due: dt.datetime | None = Field(description="明确解决责任人的时限（未响应时）")
    resolve_due: dt.datetime | None = Field(description="闭环时限（未闭环时）")
    resolution: str
    version: int

    @staticmethod
    def resolve_respond_due(obj: ExceptionReport) -> dt.datetime | None:
        return _due(obj, "respond")

    @staticmethod
    def resolve_resolve_due(obj: ExceptionReport) -> dt.datetime | None:
        return _due(obj, "resolve")


class DelayOut(Schema):
    id: int
    number: str
    title: str
    task_id: int
    original_end_date: dt.date
    new_end_date: dt.date
    late_filing: bool
    state: str
    version: int


class ExceptionRaiseIn(Schema):
    """《异常问题反馈表》, as the task's page takes it."""

    task_id: int
    title: str = Field("", max_length=120)
    discovered_at: LocalDateTime | None = None
    problem: str = Field("", max_length=3000)
    impact: str = Field("", max_length=3000)
    proposal: str = Field("", max_length=3000)
    severity: str = Field("normal", description="normal 一般 / major 重大（须填预计解决时间）/ urgent 紧急")
    expected_resolution: LocalDateTime | None = None


class ResolverIn(Schema):
    resolver_id: int | None = Field(None, description="解决责任人")
    expected_resolution: LocalDateTime | None = Field(None, description="时间节点（预计解决时间），即闭环时限")


class EtaIn(Schema):
    expected_resolution: LocalDateTime | None = Field(None, description="新的预计解决时间：闭环时限随之改为它")
    note: str = Field("", max_length=3000)


class DelayIn(Schema):
    """《延期申请》: at least 2 working days before the planned end (policy delay/*/notice)."""

    task_id: int
    new_end_date: dt.date | None = None
    reason: str = Field("", max_length=3000)
    new_plan: str = Field("", max_length=3000)


class DisputeOut(Schema):
    id: int
    number: str
    title: str
    request_id: int | None
    department_a_id: int
    department_b_id: int
    position_a: str
    position_b: str
    state: str
    resolution: str
    version: int


def _person(pk: int | None, field: str) -> Person | None:
    if pk is None:
        return None
    person = Person.objects.filter(pk=pk, is_active=True).first()
    if person is None:
        raise ApplicationError(_("输入有误"), fields={field: _("人员不存在：#%(id)s") % {"id": pk}})
    return person


@exceptions.post("/", response=responses(ExceptionOut, 201), summary="提报异常问题（异常问题反馈表）")
def exception_new(request: AuthedRequest, payload: ExceptionRaiseIn):
    task = access(request.user, Task, payload.task_id)
    report = exception_raise(
        actor=request.user,
        task=task,
        title=payload.title,
        discovered_at=payload.discovered_at,
        problem=payload.problem,
        impact=payload.impact,
        proposal=payload.proposal,
        severity=payload.severity,
        expected_resolution=payload.expected_resolution,
    )
    return Status(201, ExceptionReport.objects.get(pk=report.pk))


@exceptions.get("/{report_id}", response=responses(ExceptionOut), summary="异常问题反馈表")
def exception_detail(request: AuthedRequest, report_id: int):
    return access(request.user, ExceptionReport, report_id)


@exceptions.post("/{report_id}/resolver", response=responses(ExceptionOut), summary="明确解决责任人及时间节点")
def exception_resolver(request: AuthedRequest, report_id: int, payload: ResolverIn):
    report = access(request.user, ExceptionReport, report_id)
    exception_respond(
        actor=request.user,
        report=report,
        resolver=_person(payload.resolver_id, "resolver_id"),
        expected_resolution=payload.expected_resolution,
    )
    return ExceptionReport.objects.get(pk=report.pk)  # as stored (times in UTC, like every other answer)


@exceptions.post("/{report_id}/eta", response=responses(ExceptionOut), summary="更新预计解决时间（闭环时限随之改）")
def exception_eta(request: AuthedRequest, report_id: int, payload: EtaIn):
    report = access(request.user, ExceptionReport, report_id)
    if payload.expected_resolution is None:
        raise ApplicationError(fields={"expected_resolution": _("请填写有效的预计解决时间")})
    exception_update_eta(
        actor=request.user, report=report, expected_resolution=payload.expected_resolution, note=payload.note
    )
    return ExceptionReport.objects.get(pk=report.pk)


@delays.post("/", response=responses(DelayOut, 201), summary="提交延期申请（须提前 2 个工作日）")
def delay_new(request: AuthedRequest, payload: DelayIn):
    task = access(request.user, Task, payload.task_id)
    delay = delay_request(
        actor=request.user,
        task=task,
        new_end_date=payload.new_end_date,
        reason=payload.reason,
        new_plan=payload.new_plan,
    )
    return Status(201, delay)


@delays.get("/{delay_id}", response=responses(DelayOut), summary="延期申请")
def delay_detail(request: AuthedRequest, delay_id: int):
    return access(request.user, DelayRequest, delay_id)


@disputes.get("/{dispute_id}", response=responses(DisputeOut), summary="部门分歧")
def dispute_detail(request: AuthedRequest, dispute_id: int):
    return access(request.user, Dispute, dispute_id)


add_step_routes(exceptions, EXCEPTION, ExceptionOut, noun="异常问题")
add_step_routes(delays, DELAY, DelayOut, noun="延期申请")
add_step_routes(disputes, DISPUTE, DisputeOut, noun="部门分歧")
router.add_router("/exceptions", exceptions)
router.add_router("/delays", delays)
router.add_router("/disputes", disputes)
