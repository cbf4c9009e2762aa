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
    summary_file(actor=actor, request=request)
    return len(pending)


def summary_filed_with(request: Request) -> list[Person]:
    """000 二（四）「形成《协作总结报告》,报部门负责人及企业管理部备案」: the heads of the requesting, receiving and
    every participating department, and the head of the coordinating office (企业管理部)."""
    from xietong.org.models import Department

    departments = [request.requesting_department, request.receiving_department]
    departments += [
        t.department for t in request.participations.select_related("department__head").exclude(state="withdrawn")
    ]
    departments += list(Department.objects.filter(is_coordinating_office=True).select_related("head"))
    people: dict[int, Person] = {}
    for department in departments:
        head = department.head
        if head is not None and head.is_active:
            people.setdefault(head.pk, head)
    return list(people.values())


def summary_file(*, actor: Person, request: Request) -> list[Person]:
    """File (备案) the 协作总结报告 once the feedback round is closed: each department head and the coordinating
    office receive it, and the filing is on the request's history (the archive files the request with it)."""
    from django.urls import reverse

    from xietong.feedback.selectors import request_summary

    summary = request_summary(request)
    recipients = summary_filed_with(request)
    scores = summary.scores
    notify(
        recipients=recipients,
        kind=MessageKind.INFO,
        title=_("【备案】协作总结报告：%(n)s %(t)s") % {"n": request.number, "t": request.title},
        body=_("反馈 %(answered)d/%(invited)d 份；沟通效率 %(c)s，分工合理性 %(d)s，问题解决及时性 %(t)s。")
        % {
            "answered": summary.answered,
            "invited": summary.invited,
            "c": scores.get("communication") if scores.get("communication") is not None else "—",
            "d": scores.get("division") if scores.get("division") is not None else "—",
            "t": scores.get("timeliness") if scores.get("timeliness") is not None else "—",
        },
        url=reverse("feedback-summary", args=[request.pk]),
        subject=request,
        dedupe_key=f"summary-filed:{request.pk}",
    )
    audit_record(
        actor=actor,
        action="feedback.summary.file",
        obj=request,
        after={"filed_with": [p.display_name for p in recipients], "scores": scores, "answered": summary.answered},
    )
    return recipients
