"""交付成果 over JSON: a deliverable, and the steps of its declared process (GET …/actions, POST
…/transitions/{name}); judging every criterion and handing in a file stay with the page's forms. Also the
结果确认表 of a request, and the 项目复盘: POST /requests/{id}/go-live and POST /retrospectives/{id}/file, with
the checks the request's page makes."""

from __future__ import annotations

import datetime as dt

from django.utils import timezone
from django.utils.translation import gettext as _
from ninja import Field, Router, Schema, Status

from xietong.acceptance.models import Deliverable, ResultConfirmation, ResultSignature, Retrospective, Submission
from xietong.acceptance.process import DELIVERABLE
from xietong.acceptance.retrospective import RETROSPECTIVE, retrospective_file, retrospective_go_live
from xietong.core import clock
from xietong.core.api_errors import responses
from xietong.core.errors import ApplicationError, InvalidState
from xietong.core.http import AuthedRequest
from xietong.core.permissions import access
from xietong.items.process import REASON_MAX_LENGTH
from xietong.items.step_api import add_step_routes
from xietong.requests.models import Request

router = Router(tags=["deliverables"])


class SubmissionOut(Schema):
    """One version with its 《成果交付说明》 (版本号、功能清单、测试报告) and its verdict, if judged."""

    version: int
    release: str  # 版本号 as written, e.g. "V1.0"
    features: list[str]  # 功能清单, one entry a line
    test_report: str
    test_report_file: str | None  # the attached report's archive name
    note: str
    submitted_at: str
    outcome: str | None  # pass / rework / fail

    @staticmethod
    def resolve_features(obj: Submission) -> list[str]:
        return obj.feature_list

    @staticmethod
    def resolve_test_report_file(obj: Submission) -> str | None:
        return obj.test_report_file.name if obj.test_report_file else None

    @staticmethod
    def resolve_submitted_at(obj: Submission) -> str:
        return clock.local(obj.submitted_at).isoformat()

    @staticmethod
    def resolve_outcome(obj: Submission) -> str | None:
        verdict = getattr(obj, "verdict", None)
        return verdict.outcome if verdict is not None else None


class DeliverableOut(Schema):
    id: int
    number: str
    title: str
    request_id: int
    submitter_id: int
    acceptor_id: int
    form: str
    version: int  # the deliverable's V1, V2 …
    state: str
    submissions: list[SubmissionOut]

    @staticmethod
    def resolve_submissions(obj: Deliverable) -> list[Submission]:
        return list(obj.submissions.select_related("test_report_file", "verdict"))


@router.get("/{deliverable_id}", response=responses(DeliverableOut), summary="交付成果")
def deliverable_detail(request: AuthedRequest, deliverable_id: int):
    return access(request.user, Deliverable, deliverable_id)


add_step_routes(router, DELIVERABLE, DeliverableOut, noun="交付成果")


results_router = Router(tags=["result-confirmations"])


class ResultSignatureOut(Schema):
    position: int
    role: str  # receiver / participant
    department: str
    person_id: int
    person: str
    signed_at: str | None
    signed_by: str | None  # who signed (a stand-in may sign for the key receiver)

    @staticmethod
    def resolve_department(obj: ResultSignature) -> str:
        return obj.department.name

    @staticmethod
    def resolve_person(obj: ResultSignature) -> str:
        return obj.person.display_name

    @staticmethod
    def resolve_signed_at(obj: ResultSignature) -> str | None:
        return clock.local(obj.signed_at).isoformat() if obj.signed_at else None

    @staticmethod
    def resolve_signed_by(obj: ResultSignature) -> str | None:
        return obj.signed_by.display_name if obj.signed_by else None


class ResultConfirmationOut(Schema):
    """结果确认表: the initiator's summary and every key receiver's signature; the request may be closed once
    `confirmed_at` is set. Issue it with POST /api/requests/{id}/transitions/confirm_results (reason: the
    summary) and sign with …/transitions/sign_results. `voided_at` is set when the request was sent back
    (…/transitions/send_back) after the form was issued: its signatures no longer count and it must be issued
    again."""

    request_id: int
    summary: str
    issued_by: str
    issued_at: str
    confirmed_at: str | None
    voided_at: str | None
    signatures: list[ResultSignatureOut]

    @staticmethod
    def resolve_issued_by(obj: ResultConfirmation) -> str:
        return obj.issued_by.display_name

    @staticmethod
    def resolve_issued_at(obj: ResultConfirmation) -> str:
        return clock.local(obj.issued_at).isoformat()

    @staticmethod
    def resolve_confirmed_at(obj: ResultConfirmation) -> str | None:
        return clock.local(obj.confirmed_at).isoformat() if obj.confirmed_at else None

    @staticmethod
    def resolve_voided_at(obj: ResultConfirmation) -> str | None:
        return clock.local(obj.voided_at).isoformat() if obj.voided_at else None

    @staticmethod
    def resolve_signatures(obj: ResultConfirmation) -> list[ResultSignature]:
        return list(obj.signatures.select_related("department", "person", "signed_by"))


@results_router.get("/{request_id}", response=responses(ResultConfirmationOut), summary="结果确认表")
def result_confirmation_detail(request: AuthedRequest, request_id: int):
    item = access(request.user, Request, request_id)
    found = ResultConfirmation.objects.select_related("issued_by").filter(request=item).first()
    if found is None:
        raise InvalidState(_("尚未发起结果确认表"))
    return found


# --- 项目复盘 (002 二（一）步骤4): the go-live and the 复盘报告, with the same checks as the request's page ----------
go_live_router = Router(tags=["retrospectives"])
retrospectives_router = Router(tags=["retrospectives"])


class RetrospectiveOut(Schema):
    """项目复盘: opened by the go-live (上线); the project manager files the 复盘报告 within 3 working days
    (GET …/{id}/clocks shows the limit with its 依据)."""

    id: int
    number: str
    title: str
    request_id: int
    manager_id: int
    manager: str
    went_live_at: str
    state: str  # due / filed
    report: str  # 经验教训, once filed
    filed_at: str | None

    @staticmethod
    def resolve_manager(obj: Retrospective) -> str:
        return obj.manager.display_name

    @staticmethod
    def resolve_went_live_at(obj: Retrospective) -> str:
        return clock.local(obj.went_live_at).isoformat()

    @staticmethod
    def resolve_filed_at(obj: Retrospective) -> str | None:
        return clock.local(obj.filed_at).isoformat() if obj.filed_at else None


class GoLiveIn(Schema):
    went_live_at: dt.datetime | None = Field(
        None, description="上线时间（不填为现在；不能晚于现在）；不带时区时按本地时间（Asia/Shanghai）"
    )


class RetrospectiveFileIn(Schema):
    report: str = Field("", max_length=REASON_MAX_LENGTH, description="经验教训（必填）")


@go_live_router.post(
    "/{request_id}/go-live", response=responses(RetrospectiveOut, 201), summary="需求：记录上线（开启项目复盘）"
)
def request_go_live(request: AuthedRequest, request_id: int, payload: GoLiveIn):
    item = access(request.user, Request, request_id)
    went_live_at = payload.went_live_at
    if went_live_at is not None and timezone.is_naive(went_live_at):
        went_live_at = timezone.make_aware(went_live_at, clock.local(clock.now()).tzinfo)
    return Status(201, retrospective_go_live(actor=request.user, request=item, went_live_at=went_live_at))


@retrospectives_router.get("/{retrospective_id}", response=responses(RetrospectiveOut), summary="项目复盘")
def retrospective_detail(request: AuthedRequest, retrospective_id: int):
    return access(request.user, Retrospective.objects.select_related("manager"), retrospective_id)


@retrospectives_router.post(
    "/{retrospective_id}/file", response=responses(RetrospectiveOut), summary="项目复盘：提交复盘报告（项目经理）"
)
def retrospective_file_report(request: AuthedRequest, retrospective_id: int, payload: RetrospectiveFileIn):
    item = access(request.user, Retrospective, retrospective_id)
    try:
        return retrospective_file(actor=request.user, retrospective=item, report=payload.report)
    except ApplicationError as error:
        if "reason" in error.fields:  # the step's reason is this body's `report`
            error.fields["report"] = error.fields.pop("reason")
        raise


add_step_routes(retrospectives_router, RETROSPECTIVE, RetrospectiveOut, noun="项目复盘")
