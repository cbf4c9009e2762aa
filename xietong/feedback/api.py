"""协作反馈 over JSON: one's own invitation, and its steps (GET …/actions, POST …/transitions/{name});
the scores are sent with the feedback form."""

from __future__ import annotations

from ninja import Router, Schema

from xietong.core.api_errors import responses
from xietong.core.http import AuthedRequest
from xietong.core.permissions import access
from xietong.feedback.models import FeedbackInvitation
from xietong.feedback.process import FEEDBACK
from xietong.items.step_api import add_step_routes

router = Router(tags=["feedback"])


class InvitationOut(Schema):
    id: int
    request_id: int
    person_id: int
    state: str


@router.get("/{invitation_id}", response=responses(InvitationOut), summary="协作反馈邀请")
def invitation_detail(request: AuthedRequest, invitation_id: int):
    return access(request.user, FeedbackInvitation, invitation_id)


add_step_routes(router, FEEDBACK, InvitationOut, noun="协作反馈")
