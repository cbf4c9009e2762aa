"""会议纪要 and 决议事项, as the seed templates state them: the writer (organiser, recorder or chair) submits the
minutes to the chair; the chair signs (签字确认) or returns them with a remark; signing distributes them to
everyone invited and the heads of the relevant departments, closes the meeting and turns each action item
into a tracked item with one owner and a due date, whose overdue warning climbs to the owner's division
leader (ladder "division"). The owner marks it done; the organiser or the chair reopens or cancels it."""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from xietong.core.errors import ApplicationError
from xietong.core.i18n import month_day
from xietong.items.process import ALL_LIMITS, Arm, Limit, Process, Reason, State, Step, StepContext, Tell
from xietong.items.runner import run_step
from xietong.meetings.choices import ActionState, MinutesState
from xietong.meetings.models import ActionItem, Meeting, Minutes
from xietong.meetings.rules import engine_of, local
from xietong.meetings.schedule import end_of_working_day
from xietong.notify.models import MessageKind

N, A = MinutesState, ActionState


# --- who may ---------------------------------------------------------------------------------------
def may_write_minutes(person: Any, meeting: Meeting) -> bool:
    return person.pk in {meeting.organizer_id, meeting.created_by_id, meeting.chair_id, meeting.recorder_id}


def writer(person: Any, minutes: Minutes) -> bool:
    return may_write_minutes(person, minutes.meeting)


def chair(person: Any, minutes: Minutes) -> bool:
    return person.pk == minutes.meeting.chair_id


def owner(person: Any, item: ActionItem) -> bool:
    return person.pk == item.owner_id


def manager(person: Any, item: ActionItem) -> bool:
    meeting = item.meeting
    return person.pk in {meeting.organizer_id, meeting.chair_id, meeting.created_by_id}


# --- what cannot be declared -------------------------------------------------------------------------
def has_content(ctx: StepContext) -> None:
    if not (ctx.item.discussion or ctx.item.decisions):
        raise ApplicationError(fields={"discussion": _("请填写讨论要点或决议事项后再提交")})


def signed_by(ctx: StepContext) -> None:
    ctx.item.approved_by = ctx.actor
    ctx.changed.add("approved_by")


def distribute(ctx: StepContext) -> None:
    """Signed minutes go to the heads of the relevant departments too; the meeting closes; each action
    item starts being tracked."""
    minutes, meeting = ctx.item, ctx.item.meeting
    heads = [d.head for d in minutes.departments.select_related("head") if d.head is not None and d.head.is_active]
    meeting.readers.set(heads)
    run_step(actor=ctx.actor, item=meeting, step="close", as_system=True)
    ctx.inputs["items"] = [
        run_step(actor=ctx.actor, item=item, step="open", as_system=True)
        for item in meeting.action_items.order_by("position")
    ]


def tracked(ctx: StepContext) -> None:
    ctx.details.update(owner=ctx.item.owner_id, due_date=ctx.item.due_date)


# --- who hears -------------------------------------------------------------------------------------
def meeting_label(ctx: StepContext) -> dict[str, Any]:
    meeting = ctx.item.meeting
    who = ctx.actor.display_name if ctx.actor is not None else _("系统")
    return {"m": f"{meeting.number} {meeting.title}", "who": who}


def readers(ctx: StepContext) -> list[Any]:
    meeting = ctx.item.meeting
    invited = [r.person for r in meeting.participations.select_related("person")]
    return [p for p in [*invited, *meeting.readers.all()] if ctx.actor is None or p.pk != ctx.actor.pk]


def distribution(ctx: StepContext) -> dict[str, Any]:
    """The minutes as distributed: when, the decisions, each action item with its owner and due date."""
    minutes, meeting, items = ctx.item, ctx.item.meeting, ctx.inputs["items"]
    lines = [_("会议时间：%(s)s") % {"s": f"{local(meeting.start_at):%Y-%m-%d %H:%M}"}]
    if minutes.decisions:
        lines += [_("决议："), minutes.decisions]
    if items:
        lines.append(_("决议事项："))
        lines += [
            _("%(n)d. %(t)s（%(who)s，%(d)s前）")
            % {"n": i.position, "t": i.title, "who": i.owner.display_name, "d": month_day(i.due_date)}
            for i in items
        ]
    lines.append(_("主持人 %(c)s 已签字确认。") % {"c": ctx.actor.display_name if ctx.actor else "—"})
    return {"m": meeting.title, "minutes": "\n".join(lines)}


def item_label(ctx: StepContext) -> dict[str, Any]:
    item = ctx.item
    return {
        "t": f"{item.number} {item.title}",
        "verb": ctx.step.label,
        "m": item.meeting.title,
        "d": month_day(item.due_date),
    }


def organizer_and_owner(ctx: StepContext) -> list[Any]:
    item = ctx.item
    return [p for p in (item.meeting.organizer, item.owner) if ctx.actor is None or p.pk != ctx.actor.pk]


MINUTES = Process(
    key="meeting_minutes",
    model=Minutes,
    label=gettext_lazy("会议纪要"),
    related=("meeting__organizer", "meeting__chair", "meeting__recorder", "meeting__department", "meeting__project"),
    audit_on=lambda minutes: minutes.meeting,
    audit_key="minutes",
    message_on=lambda minutes: minutes.meeting,
    states=(
        State(N.DRAFT, N.DRAFT.label, "muted"),
        State(N.SUBMITTED, N.SUBMITTED.label, "warn"),
        State(N.APPROVED, N.APPROVED.label, "ok"),
    ),
    steps=(
        Step(
            "submit",
            gettext_lazy("提交主持人确认"),
            (N.DRAFT,),
            N.SUBMITTED,
            writer,
            "primary",
            check=has_content,
            stamps=("submitted_at",),
            clears=("return_reason",),
            audit_action="meeting.minutes.submit",
            tells=(
                Tell(
                    to=lambda ctx: [ctx.item.meeting.chair],
                    title=gettext_lazy("【待签字确认】会议纪要 · %(m)s"),
                    body=gettext_lazy("%(who)s 已提交会议纪要，请审阅并签字确认。"),
                    params=meeting_label,
                ),
            ),
        ),
        Step(
            "approve",
            gettext_lazy("签字确认并分发"),
            (N.SUBMITTED,),
            N.APPROVED,
            chair,
            "primary",
            stamps=("approved_at",),
            apply=signed_by,
            after=distribute,
            audit_action="meeting.minutes.approve",
            tells=(
                Tell(
                    to=readers,
                    title=gettext_lazy("【会议纪要】%(m)s"),
                    body="%(minutes)s",
                    kind=MessageKind.INFO,
                    params=distribution,
                ),
            ),
        ),
        Step(
            "return",
            gettext_lazy("退回修改"),
            (N.SUBMITTED,),
            N.DRAFT,
            chair,
            "danger",
            reason=Reason(gettext_lazy("退回意见"), keep_in="return_reason"),
            audit_action="meeting.minutes.return",
            tells=(
                Tell(
                    to=lambda ctx: [ctx.item.meeting.writer],
                    title=gettext_lazy("【纪要退回修改】%(m)s"),
                    body="%(reason)s",
                    params=meeting_label,
                ),
            ),
        ),
    ),
    action_labels={
        "meeting.minutes.create": gettext_lazy("编写会议纪要"),
        "meeting.minutes.update": gettext_lazy("修改会议纪要"),
    },
)

# Due at the end of its due date (18:00), reminded a working day before; reopened late, due at once.
DUE = Arm(
    "due",
    owner=lambda item: item.owner,
    department=lambda item: item.department,
    due_at=lambda ctx: end_of_working_day(engine_of(ctx.item.meeting), ctx.item.due_date),
)
DUE_AGAIN = Arm(
    "due",
    owner=lambda item: item.owner,
    department=lambda item: item.department,
    due_at=lambda ctx: max(end_of_working_day(engine_of(ctx.item.meeting), ctx.item.due_date), ctx.now),
)
CHANGED = Tell(
    to=organizer_and_owner,
    title=gettext_lazy("【决议事项%(verb)s】%(t)s"),
    body="%(reason)s",
    kind=MessageKind.INFO,
    params=item_label,
)

ACTION_ITEM = Process(
    key="action_item",
    model=ActionItem,
    label=gettext_lazy("会议决议事项"),
    id_param="item_id",
    related=("meeting__organizer", "meeting__chair", "owner", "department", "project"),
    owners=("owner",),
    states=(
        State(A.DRAFT, A.DRAFT.label, "muted"),
        State(A.OPEN, A.OPEN.label, "info"),
        State(A.DONE, A.DONE.label, "ok", closed=True),
        State(A.CANCELLED, A.CANCELLED.label, "muted", closed=True),
    ),
    steps=(
        # The chair signed the minutes (their approve step takes it): the item is tracked from now on.
        Step(
            "open",
            gettext_lazy("决议事项开始跟踪"),
            (A.DRAFT,),
            A.OPEN,
            manager,
            system=True,
            apply=tracked,
            arms=(DUE,),
            tells=(
                Tell(
                    to=lambda ctx: [ctx.item.owner],
                    title=gettext_lazy("【决议事项】%(t)s"),
                    body=gettext_lazy("来自会议“%(m)s”，完成期限 %(d)s。逾期未完成将预警至分管领导。"),
                    params=item_label,
                ),
            ),
        ),
        Step(
            "complete",
            gettext_lazy("标记完成"),
            (A.OPEN,),
            A.DONE,
            owner,
            "primary",
            reason=Reason(gettext_lazy("完成情况"), required=False, keep_in="note"),
            stamps=("done_at",),
            satisfies=("due",),
            tells=(CHANGED,),
        ),
        Step(
            "reopen",
            gettext_lazy("重新打开"),
            (A.DONE,),
            A.OPEN,
            manager,
            reason=Reason(gettext_lazy("原因")),
            clears=("done_at", "closed_at"),
            arms=(DUE_AGAIN,),
            tells=(CHANGED,),
        ),
        Step(
            "cancel",
            gettext_lazy("取消事项"),
            (A.OPEN,),
            A.CANCELLED,
            manager,
            "danger",
            reason=Reason(gettext_lazy("原因")),
            cancels=(ALL_LIMITS,),
            tells=(CHANGED,),
        ),
    ),
    limits=(Limit("due", "0m", remind_before="1d", ladder="division", rule="决议事项逾期未完成，预警至分管领导"),),
)
