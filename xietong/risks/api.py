"""异常问题、延期申请与部门分歧 over JSON: each item, and the steps of its declared process
(GET …/actions, POST …/transitions/{name}) with the same permission filter as the pages."""

from __future__ import annotations

import datetime as dt

from ninja import Router, Schema

from xietong.core.api_errors import responses
from xietong.core.http import AuthedRequest
from xietong.core.permissions import access
from xietong.items.step_api import add_step_routes
from xietong.risks.models import DelayRequest, Dispute, ExceptionReport
from xietong.risks.process import DELAY, DISPUTE, EXCEPTION

router = Router(tags=["risks"])
exceptions, delays, disputes = Router(), Router(), Router()


class ExceptionOut(Schema):
    id: int
    number: str
    title: str
    request_id: int
    task_id: int | None
    severity: str
    state: str
    expected_resolution: dt.datetime | None
    resolver_id: int | None
    resolution: str
    version: int


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


@exceptions.get("/{report_id}", response=responses(ExceptionOut), summary="异常问题反馈表")
def exception_detail(request: AuthedRequest, report_id: int):
    return access(request.user, ExceptionReport, report_id)


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
