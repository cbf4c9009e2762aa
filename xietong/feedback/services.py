"""Asking every participant for feedback after acceptance, collecting scores, closing the round."""

from __future__ import annotations

from django.db import transaction
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from xietong.clocks.services import clock_arm, clock_cancel, clock_satisfy
from xietong.core import clock
from xietong.core.audit import audit_record
from xietong.core.errors import ApplicationError, Forbidden, InvalidState, NotFound
from xietong.feedback.models import Feedback, FeedbackInvitation
from xietong.notify.models import MessageKind
from xietong.notify.services import notify
from xietong.org.models import Person
from xietong.requests.models import Request

DIMENSIONS = (
    ("communication", gettext_lazy("沟通效率")),
    ("division", gettext_lazy("分工合理性")),
    ("timeliness", gettext_lazy("问题解决及时性")),
)


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


def _arm(invitation: FeedbackInvitation, start=None) -> None:
    clock_arm(
        subject=invitation,
        process="feedback",
        limit="respond",
        owner=invitation.person,
        department=invitation.person.department,
        project=invitation.request.project,
        start=start,
    )


def feedback_invite(*, actor: Person, request: Request) -> list[FeedbackInvitation]:
    """Runs in the transaction that completes the request (验收通过后，组织所有参与方填写《协作反馈表》)."""
    invitations = []
    for person in participants(request):
        invitation, created = FeedbackInvitation.objects.get_or_create(request=request, person=person)
        if not created:
            continue
        invitations.append(invitation)
        _arm(invitation)
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


def invitation_reminder(invitation: FeedbackInvitation, fired_clock) -> dict:
    """A pending invitation is reminded every working day until answered or the round is closed."""
    if invitation.state != FeedbackInvitation.State.PENDING:
        return {"skipped": invitation.state}
    notify(
        recipients=[invitation.person],
        kind=MessageKind.REMINDER,
        title=_("【请填写协作反馈】%(r)s") % {"r": invitation.request.title},
        body=_("您还没有填写协作反馈表。"),
        url=invitation.get_absolute_url(),
        subject=invitation.request,
        dedupe_key=f"clock:{fired_clock.pk}",
    )
    _arm(invitation, start=fired_clock.due_at)
    return {"reminded": invitation.person_id}


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
    try:
        invitation = (
            FeedbackInvitation.objects.select_for_update(of=("self",)).select_related("request").get(pk=invitation_id)
        )
    except (FeedbackInvitation.DoesNotExist, ValueError) as exc:
        raise NotFound() from exc
    if invitation.person_id != actor.pk:
        raise NotFound()  # someone else's invitation does not exist for you
    if invitation.state != FeedbackInvitation.State.PENDING:
        raise InvalidState(_("这份反馈已经填写或已截止"))
    scores = {"communication": communication, "division": division, "timeliness": timeliness}
    errors = {
        name: _("%(label)s请打 1–5 分") % {"label": label}
        for name, label in DIMENSIONS
        if not (isinstance(scores[name], int) and 1 <= (scores[name] or 0) <= 5)
    }
    if errors:
        raise ApplicationError(_("评分有误"), fields=errors)
    feedback = Feedback.objects.create(invitation=invitation, suggestion=(suggestion or "").strip(), **scores)
    invitation.state = FeedbackInvitation.State.ANSWERED
    invitation.save(update_fields=["state"])
    audit_record(actor=actor, action="feedback.submit", obj=invitation.request, after={**scores})
    clock_satisfy(subject=invitation, limit="respond")
    return feedback


@transaction.atomic
def feedback_close(*, actor: Person, request: Request) -> int:
    """The initiator closes the round; pending invitations stop being reminded."""
    if not request.is_requester_side(actor):
        raise Forbidden(_("由发起方汇总并截止协作反馈"))
    pending = list(
        FeedbackInvitation.objects.select_for_update().filter(request=request, state=FeedbackInvitation.State.PENDING)
    )
    for invitation in pending:
        invitation.state = FeedbackInvitation.State.CLOSED
        invitation.save(update_fields=["state"])
        clock_cancel(subject=invitation, note=_("反馈已截止"))
    audit_record(
        actor=actor, action="feedback.close", obj=request, after={"closed_pending": len(pending), "at": clock.now()}
    )
    return len(pending)
