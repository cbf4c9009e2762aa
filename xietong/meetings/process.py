"""会议, as the seed templates state it: the organiser fills in the 会议申请表 and submits it to their division
leader (分管领导) where the meeting type needs approval; the notice goes out at least N working days before
(提前通知, the type's rule; late notices are marked); invitees confirm or decline; the minutes are due 24
hours (1 working day) after the end, sooner after a kickoff or an online meeting (minutes_limits); the chair's signature closes the meeting. On a recurring meeting,
提交审批、批准、驳回 and 发送会议通知 act on every future occurrence in the same state: one application."""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from xietong.clocks.services import clock_satisfy
from xietong.clocks.wording import due_text
from xietong.core.errors import ApplicationError
from xietong.core.i18n import month_day_padded
from xietong.items.process import ALL_LIMITS, Arm, Limit, Nav, Process, Reason, State, Step, StepContext, Tell
from xietong.items.runner import run_step
from xietong.meetings.callers import called_meeting_set
from xietong.meetings.choices import MeetingState
from xietong.meetings.minutes_limits import MINUTES_LIMITS, minutes_priority
from xietong.meetings.models import Meeting
from xietong.meetings.rules import (
    MEETING_FIELDS,
    approver_for,
    engine_of,
    invitees,
    local,
    meeting_validate,
    notice_due_at,
    when_text,
)
from xietong.meetings.schedule import notice_deadline, sent_late
from xietong.meetings.wording import notice_body
from xietong.notify.models import MessageKind

M = MeetingState


# --- who may ---------------------------------------------------------------------------------------
def organizer(person: Any, meeting: Meeting) -> bool:
    return person.pk in {meeting.organizer_id, meeting.created_by_id}


def approver(person: Any, meeting: Meeting) -> bool:
    return person.pk == meeting.approver_id


def may_submit(person: Any, meeting: Meeting) -> bool:
    return organizer(person, meeting) and meeting.meeting_type.requires_approval


def may_notify(person: Any, meeting: Meeting) -> bool:
    ready = meeting.state == M.APPROVED or not meeting.meeting_type.requires_approval
    return organizer(person, meeting) and ready


def may_cancel(person: Any, meeting: Meeting) -> bool:
    """A meeting that has ended is no longer cancelled: its minutes are due."""
    return (organizer(person, meeting) or approver(person, meeting)) and not meeting.has_ended()


# --- what cannot be declared -------------------------------------------------------------------------
def sendable(ctx: StepContext) -> None:
    """An application or a notice goes out only with a complete, conflict-free 会议申请表."""
    meeting = ctx.item
    data = {f: getattr(meeting, f) for f in MEETING_FIELDS}
    errors = meeting_validate(ctx.principal, data, invitees(meeting), exclude=[meeting.pk])
    if errors:
        prefix = month_day_padded(local(meeting.start_at)) + " " if meeting.series_id else ""
        raise ApplicationError(
            _("%(p)s会议信息需先修改：%(e)s") % {"p": prefix, "e": "；".join(errors.values())}, fields=errors
        )


def route_to_approver(ctx: StepContext) -> None:
    """The division leader approves; the general manager's own meeting has nobody above: approved at once.
    An application later than the type's rule (提前 N 个工作日) is marked, not refused."""
    meeting = ctx.item
    meeting.approver = approver_for(meeting.organizer)
    day = local(meeting.start_at).date()
    days = meeting.meeting_type.application_working_days
    meeting.late_application = sent_late(engine_of(meeting), ctx.now, day, days)
    ctx.changed |= {"approver", "late_application"}
    ctx.details.update(approver=getattr(meeting.approver, "pk", None), late_application=meeting.late_application)
    if meeting.approver is None:
        ctx.target = M.APPROVED
        meeting.decided_at = ctx.now
        meeting.decision_note = _("组织者为总经理，无需审批")
        ctx.changed |= {"decided_at", "decision_note"}


def measure_notice(ctx: StepContext) -> None:
    """The notice's period is measured against the type's rule (提前 N 个工作日); a late one is marked."""
    meeting = ctx.item
    engine, day, days = engine_of(meeting), local(meeting.start_at).date(), meeting.meeting_type.notice_working_days
    meeting.notice_deadline = notice_deadline(engine, day, days)
    meeting.late_notice = sent_late(engine, ctx.now, day, days)
    ctx.changed |= {"notice_deadline", "late_notice"}
    ctx.details.update(late_notice=meeting.late_notice, notice_deadline=meeting.notice_deadline)


SERIES_LEADER = "series_leader"


def whole_series(ctx: StepContext) -> None:
    """On a recurring meeting the step is taken on every future occurrence in the same state too (one
    application, one notice); their messages are the first one's."""
    meeting = ctx.item
    group = [meeting]
    if meeting.series_id and SERIES_LEADER not in ctx.inputs:
        siblings = (
            Meeting.objects.filter(series_id=meeting.series_id, state=ctx.before_state, start_at__gt=ctx.now)
            .exclude(pk=meeting.pk)
            .order_by("start_at")
        )
        for sibling in siblings:
            group.append(
                run_step(
                    actor=ctx.actor,
                    item=sibling,
                    step=ctx.step.name,
                    reason=ctx.reason,
                    inputs={SERIES_LEADER: meeting.pk},
                    as_system=ctx.actor is None,
                )
            )
    ctx.inputs["group"] = sorted(group, key=lambda m: m.start_at)


def notified(ctx: StepContext) -> None:
    """The notice went out for the whole series; what called the meeting hears it is set (callers)."""
    whole_series(ctx)
    called_meeting_set(ctx.item)


def answers_closed_at_start(ctx: StepContext) -> None:
    # The answers closed when the meeting began (its clock does this too, if the worker got there first).
    clock_satisfy(subject=ctx.item, limit="respond", at=ctx.item.start_at)


# --- who hears -------------------------------------------------------------------------------------
def leads(ctx: StepContext) -> bool:
    """Only the occurrence a person acted on speaks for a series."""
    return SERIES_LEADER not in ctx.inputs


def label(ctx: StepContext) -> str:
    group = ctx.inputs.get("group") or [ctx.item]
    count = _("（共 %(n)d 次）") % {"n": len(group)} if len(group) > 1 else ""
    return f"{ctx.item.number} {ctx.item.title}{count}"


def everyone_else(ctx: StepContext) -> list[Any]:
    return [p for p in invitees(ctx.item) if ctx.actor is None or p.pk != ctx.actor.pk]


def submission(ctx: StepContext) -> dict[str, Any]:
    meeting = ctx.item
    late = _("（申请迟于规定的提前 %(n)d 个工作日）") % {"n": meeting.meeting_type.application_working_days}
    return {
        "m": label(ctx),
        "who": ctx.actor.display_name if ctx.actor is not None else _("系统"),
        "when": when_text(meeting.start_at, meeting.end_at),
        "late": late if meeting.late_application else "",
    }


def decision(ctx: StepContext) -> dict[str, Any]:
    """The approver's remark; without one, an approval says by when the notice must go out."""
    note = ctx.reason
    if not note and ctx.step.name == "approve":
        note = _("请在 %(due)s 前发送会议通知。") % {"due": due_text(ctx.clocks["notice"].limit_due_at)}
    return {"verb": ctx.step.label, "m": label(ctx), "note": note}


DECISION_TELL = Tell(
    to=lambda ctx: [ctx.item.organizer],
    title=gettext_lazy("【会议申请%(verb)s】%(m)s"),
    body="%(note)s",
    params=decision,
    when=leads,
)
# 提前通知: by the end of the working day N working days before the meeting (the type's rule).
NOTICE = Arm(
    "notice",
    owner=lambda m: m.organizer,
    department=lambda m: m.department,
    due_at=lambda ctx: notice_due_at(ctx.item),
    when=lambda ctx: ctx.item.state == M.APPROVED,
)
# Answers are due when the meeting starts; the policy's reminder goes to everyone invited (timers.py).
RESPOND = Arm(
    "respond", owner=lambda m: m.organizer, department=lambda m: m.department, due_at=lambda ctx: ctx.item.start_at
)
# Minutes after the meeting's end, as soon as its type or form asks (minutes_limits); escalation up the
# organiser's chain.
MINUTES = Arm(
    "minutes",
    owner=lambda m: m.organizer,
    department=lambda m: m.department,
    priority=minutes_priority,
    start=lambda ctx: ctx.item.end_at,
)

MEETING = Process(
    key="meeting",
    model=Meeting,
    label=gettext_lazy("会议"),
    nav=Nav(gettext_lazy("会议"), "meeting-list", prefix="/meetings/", order=40),
    related=("meeting_type", "room", "organizer", "chair", "department", "project"),
    owners=("organizer", "chair", "approver"),  # who must act on an open meeting (handed over when they leave)
    states=(
        State(M.DRAFT, M.DRAFT.label, "muted"),
        State(M.SUBMITTED, M.SUBMITTED.label, "warn"),
        State(M.REJECTED, M.REJECTED.label, "late"),
        State(M.APPROVED, M.APPROVED.label, "info"),
        State(M.NOTIFIED, M.NOTIFIED.label, "ok"),
        State(M.CLOSED, M.CLOSED.label, "muted", closed=True),
        State(M.CANCELLED, M.CANCELLED.label, "muted", closed=True),
    ),
    steps=(
        Step(
            "submit",
            gettext_lazy("提交审批"),
            (M.DRAFT, M.REJECTED),
            M.SUBMITTED,
            may_submit,
            "primary",
            stamps=("submitted_at",),
            clears=("decision_note",),
            check=sendable,
            apply=route_to_approver,
            after=whole_series,
            arms=(NOTICE,),
            tells=(
                Tell(
                    to=lambda ctx: [ctx.item.approver],
                    title=gettext_lazy("【会议审批】%(m)s"),
                    body=gettext_lazy("%(who)s 提交了会议申请，请审批。%(when)s%(late)s"),
                    params=submission,
                    when=leads,
                ),
            ),
        ),
        Step(
            "approve",
            gettext_lazy("批准"),
            (M.SUBMITTED,),
            M.APPROVED,
            approver,
            "primary",
            reason=Reason(gettext_lazy("审批意见"), required=False, keep_in="decision_note"),
            stamps=("decided_at",),
            after=whole_series,
            arms=(NOTICE,),
            tells=(DECISION_TELL,),
        ),
        Step(
            "reject",
            gettext_lazy("驳回"),
            (M.SUBMITTED,),
            M.REJECTED,
            approver,
            "danger",
            reason=Reason(gettext_lazy("驳回理由"), keep_in="decision_note"),
            stamps=("decided_at",),
            after=whole_series,
            tells=(DECISION_TELL,),
        ),
        Step(
            "notify",
            gettext_lazy("发送会议通知"),
            (M.DRAFT, M.APPROVED),
            M.NOTIFIED,
            may_notify,
            "primary",
            stamps=("notice_sent_at",),
            check=sendable,
            apply=measure_notice,
            after=notified,
            satisfies=("notice",),
            arms=(RESPOND, MINUTES),
            tells=(
                Tell(
                    to=everyone_else,
                    title=gettext_lazy("【会议通知】%(m)s"),
                    body="%(notice)s",
                    params=lambda ctx: {
                        "m": ctx.item.title,
                        "notice": notice_body(ctx.item, series=ctx.inputs["group"]),
                    },
                    when=leads,
                ),
            ),
        ),
        Step(
            "cancel",
            gettext_lazy("取消会议"),
            (M.DRAFT, M.SUBMITTED, M.REJECTED, M.APPROVED, M.NOTIFIED),
            M.CANCELLED,
            may_cancel,
            "danger",
            reason=Reason(gettext_lazy("取消原因"), keep_in="cancel_reason"),
            cancels=(ALL_LIMITS,),
            after=lambda ctx: called_meeting_set(ctx.item),  # what called it stops counting from it
            tells=(
                Tell(
                    to=everyone_else,
                    title=gettext_lazy("【会议取消】%(m)s"),
                    body=gettext_lazy("原定 %(when)s 的会议已取消。原因：%(r)s"),
                    kind=MessageKind.INFO,
                    params=lambda ctx: {
                        "m": ctx.item.title,
                        "when": when_text(ctx.item.start_at, ctx.item.end_at),
                        "r": ctx.reason,
                    },
                    when=lambda ctx: ctx.item.notice_sent_at is not None,
                ),
            ),
        ),
        # The chair signed the minutes (the minutes' approve step takes it): the meeting's life ends.
        Step(
            "close",
            gettext_lazy("会议纪要确认，会议归档"),
            (M.NOTIFIED,),
            M.CLOSED,
            organizer,
            system=True,
            satisfies=("minutes",),
            after=answers_closed_at_start,
        ),
    ),
    limits=(
        Limit("notice", "0m", remind_before="2h", rule="会议通知至少提前 2 个工作日发出"),
        Limit("respond", "0m", remind_before="1d", rule="会前确认参加或请假；提前 1 个工作日提醒"),
        *MINUTES_LIMITS,
    ),
    action_labels={
        "meeting.create": gettext_lazy("填写会议申请表"),
        "meeting.update": gettext_lazy("修改会议"),
        "meeting.respond": gettext_lazy("答复参会"),
        "meeting.series.update": gettext_lazy("修改周期会议"),
        "meeting.feed.reset": gettext_lazy("生成日历订阅地址"),
    },
)
# On a recurring meeting these act on every future occurrence in the same state: one application.
SERIES_STEPS = ("submit", "approve", "reject", "notify")
