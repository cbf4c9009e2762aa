"""Asking every participant for feedback after acceptance, collecting scores, closing the round (the
invitation's steps are declared in `feedback.process` and run by `items.runner.run_step`)."""

from __future__ import annotations

from django.db import transaction
from django.utils.translation import gettext as _

from xietong.core import clock
from xietong.core.audit import audit_record
from xietong.core.errors import Forbidden
from xietong.feedback.models import Feedback, FeedbackInvitation
from xietong.feedback.timers import arm_respond
from xietong.items.runner import run_step
from xietong.notify.models import MessageKind
from xietong.notify.services import notify
from xietong.org.models import Person
from xietong.requests.models import Request


def participants(request: Request) -> list[Person]:
    """Everyone who took part: both sides, every task owner and helper."""
    from xietong.tasks.models import Task

    people: dict[int, Person] = {}
    for p in (request.requester, request.receiver_or_head):
        if p is not None:
            people[p.pk] = p
    for task in (
        Task.objects.filter(request=request)
        .exclude(state="cancelled")
        .select_related("owner")
        .prefetch_related("helpers")
    ):
        people[task.owner_id] = task.owner
        for helper in task.helpers.all():
            people[helper.pk] = helper
    return [p for p in people.values() if p.is_active]


def feedback_invite(*, actor: Person, request: Request) -> list[FeedbackInvitation]:
    """Runs in the transaction that completes the request (验收通过后，组织所有参与方填写《协作反馈表》)."""
    invitations = []
    for person in participants(request):
        invitation, created = FeedbackInvitation.objects.get_or_create(request=request, person=person)
        if not created:
            continue
        invitations.append(invitation)
        arm_respond(invitation)
    if invitations:
        audit_record(
            actor=actor, action="feedback.invite", obj=request, after={"people": [i.person_id for i in invitations]}
        )
        notify(
            recipients=[i.person for i in invitations],
            kind=MessageKind.ASSIGNMENT,
            title=_("【协作反馈】%(r)s") % {"r": f"{request.number} {request.title}"},
            body=_("验收已通过。请从沟通效率、分工合理性、问题解决及时性三方面打分（1–5 分），并提出改进建议。"),
            url="/feedback/",
            subject=request,
        )
    return invitations


@transaction.atomic
def feedback_submit(
    *,
    actor: Person,
    invitation_id: int,
    communication: int | None,
    division: int | None,
    timeliness: int | None,
    suggestion: str = "",
) -> Feedback:
    scores = {"communication": communication, "division": division, "timeliness": timeliness}
    invitation = FeedbackInvitation(pk=invitation_id)  # the runner fetches it: someone else's is not found
    run_step(actor=actor, item=invitation, step="submit", inputs={**scores, "suggestion": suggestion})
    return Feedback.objects.get(invitation_id=invitation_id)


@transaction.atomic
def feedback_close(*, actor: Person, request: Request) -> int:
    """The initiator closes the round; pending invitations stop being reminded."""
    if not request.is_requester_side(actor):
        raise Forbidden(_("由发起方汇总并截止协作反馈"))
    pending = list(FeedbackInvitation.objects.filter(request=request, state=FeedbackInvitation.State.PENDING))
    for invitation in pending:
        run_step(actor=actor, item=invitation, step="expire", as_system=True)
    audit_record(
        actor=actor, action="feedback.close", obj=request, after={"closed_pending": len(pending), "at": clock.now()}
    )
    return len(pending)
