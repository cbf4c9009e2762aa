"""交付成果 over JSON: a deliverable, and the steps of its declared process (GET …/actions, POST
…/transitions/{name}); judging every criterion and handing in a file stay with the page's forms."""

from __future__ import annotations

from django.utils.translation import gettext as _
from ninja import Router, Schema

from xietong.acceptance.models import Deliverable, ResultConfirmation, ResultSignature, Submission
from xietong.acceptance.process import DELIVERABLE
from xietong.core import clock
from xietong.core.api_errors import responses
from xietong.core.errors import InvalidState
from xietong.core.http import AuthedRequest
from xietong.core.permissions import access
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
