"""交付成果 over JSON: a deliverable, and the steps of its declared process (GET …/actions, POST
…/transitions/{name}); judging every criterion and handing in a file stay with the page's forms."""

from __future__ import annotations

from ninja import Router, Schema

from xietong.acceptance.models import Deliverable
from xietong.acceptance.process import DELIVERABLE
from xietong.core.api_errors import responses
from xietong.core.http import AuthedRequest
from xietong.core.permissions import access
from xietong.items.step_api import add_step_routes

router = Router(tags=["deliverables"])


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


@router.get("/{deliverable_id}", response=responses(DeliverableOut), summary="交付成果")
def deliverable_detail(request: AuthedRequest, deliverable_id: int):
    return access(request.user, Deliverable, deliverable_id)


add_step_routes(router, DELIVERABLE, DeliverableOut, noun="交付成果")
