"""交付成果 over JSON: a deliverable, and the steps of its declared process (GET …/actions, POST
…/transitions/{name}); judging every criterion and handing in a file stay with the page's forms."""

from __future__ import annotations

from ninja import Router, Schema

from xietong.acceptance.models import Deliverable, Submission
from xietong.acceptance.process import DELIVERABLE
from xietong.core import clock
from xietong.core.api_errors import responses
from xietong.core.http import AuthedRequest
from xietong.core.permissions import access
from xietong.items.step_api import add_step_routes

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
