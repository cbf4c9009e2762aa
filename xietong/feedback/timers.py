"""The feedback round's clock: a pending invitation is reminded every time its limit runs out, and the
clock starts again, until it is answered or the round is closed."""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext as _

from xietong.clocks.services import clock_arm
from xietong.clocks.wording import clause_line
from xietong.feedback.models import FeedbackInvitation
from xietong.notify.models import MessageKind
from xietong.notify.services import notify


def arm_respond(invitation: FeedbackInvitation, start: Any = None) -> None:
    clock_arm(
        subject=invitation,
        process="feedback",
        limit="respond",
        owner=invitation.person,
        department=invitation.person.department,
        project=invitation.request.project,
        start=start,
    )


def invitation_clock_due(fired_clock: Any, invitation: FeedbackInvitation) -> dict[str, Any] | None:
    if invitation.state != FeedbackInvitation.State.PENDING:
        return {"skipped": invitation.state}
    notify(
        recipients=[invitation.person],
        kind=MessageKind.REMINDER,
        title=_("【请填写协作反馈】%(r)s") % {"r": invitation.request.title},
        body=_("您还没有填写协作反馈表。") + clause_line(fired_clock),
        url=invitation.get_absolute_url(),
        subject=invitation.request,
        dedupe_key=f"clock:{fired_clock.pk}",
    )
    arm_respond(invitation, start=fired_clock.due_at)
    return {"reminded": invitation.person_id}
