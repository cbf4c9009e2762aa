"""协作反馈, as the rule reads: when a request's results are accepted, every participant is asked to score
the collaboration (沟通效率、分工合理性、问题解决及时性, 1–5) and suggest improvements; a pending invitation is
reminded until it is answered or the initiator closes the round."""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from xietong.core.errors import ApplicationError
from xietong.feedback.models import Feedback, FeedbackInvitation
from xietong.items.process import ALL_LIMITS, Limit, Process, State, Step, StepContext

S = FeedbackInvitation.State
DIMENSIONS = (
    ("communication", gettext_lazy("沟通效率")),
    ("division", gettext_lazy("分工合理性")),
    ("timeliness", gettext_lazy("问题解决及时性")),
)


def invitee(person: Any, invitation: FeedbackInvitation) -> bool:
    return person.pk == invitation.person_id


def nobody(person: Any, invitation: FeedbackInvitation) -> bool:
    return False


def scores_valid(ctx: StepContext) -> None:
    scores = {name: ctx.inputs.get(name) for name, _label in DIMENSIONS}
    errors = {
        name: _("%(label)s请打 1–5 分") % {"label": label}
        for name, label in DIMENSIONS
        if not (isinstance(scores[name], int) and 1 <= (scores[name] or 0) <= 5)
    }
    if errors:
        raise ApplicationError(_("评分有误"), fields=errors)
    ctx.details.update(scores)


def record_feedback(ctx: StepContext) -> None:
    Feedback.objects.create(
        invitation=ctx.item,
        suggestion=(ctx.inputs.get("suggestion") or "").strip(),
        **{name: ctx.inputs[name] for name, _label in DIMENSIONS},
    )


FEEDBACK = Process(
    key="feedback",
    model=FeedbackInvitation,
    id_param="invitation_id",
    version_field="",  # an invitation has no optimistic lock: only its invitee ever changes it
    label=gettext_lazy("协作反馈"),
    related=("request",),
    owners=("person",),
    audit_on=lambda invitation: invitation.request,  # the round is part of the request's history
    workbench="xietong.feedback.workbench.pending_feedback",
    workbench_order=40,
    states=(
        State(S.PENDING, S.PENDING.label, "warn"),
        State(S.ANSWERED, S.ANSWERED.label, "ok", closed=True),
        State(S.CLOSED, S.CLOSED.label, "muted", closed=True),
    ),
    steps=(
        Step(
            "submit",
            gettext_lazy("填写协作反馈"),
            (S.PENDING,),
            S.ANSWERED,
            invitee,
            "primary",
            check=scores_valid,
            after=record_feedback,
            satisfies=("respond",),
        ),
        # The initiator closes the round (feedback_close, audited once on the request as feedback.close):
        # each pending invitation stops being reminded, recorded on the invitation itself.
        Step(
            "expire",
            gettext_lazy("反馈已截止"),
            (S.PENDING,),
            S.CLOSED,
            nobody,
            system=True,
            cancels=(ALL_LIMITS,),
            audit_on=lambda invitation: invitation,
        ),
    ),
    limits=(Limit("respond", "2d", rule="验收通过后填写协作反馈表"),),
    action_labels={"feedback.invite": gettext_lazy("邀请填写协作反馈"), "feedback.close": gettext_lazy("截止协作反馈")},
)
