"""States of meetings, minutes and action items, and who may move them where."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

from xietong.items.transitions import StateMachine, Transition


class MeetingState(models.TextChoices):
    DRAFT = "draft", _("草稿")
    SUBMITTED = "submitted", _("待审批")
    REJECTED = "rejected", _("已驳回")
    APPROVED = "approved", _("已批准待通知")
    NOTIFIED = "notified", _("已通知")
    CLOSED = "closed", _("纪要已确认")
    CANCELLED = "cancelled", _("已取消")


class MeetingMode(models.TextChoices):
    ROOM = "room", _("会议室")
    ONLINE = "online", _("线上")
    HYBRID = "hybrid", _("会议室 + 线上")


class Response(models.TextChoices):
    PENDING = "pending", _("待确认")
    ACCEPTED = "accepted", _("确认参加")
    DECLINED = "declined", _("请假")


class ParticipantRole(models.TextChoices):
    CHAIR = "chair", _("主持人")
    ORGANIZER = "organizer", _("组织者")
    REQUIRED = "required", _("参会")
    OPTIONAL = "optional", _("列席")


class MinutesState(models.TextChoices):
    DRAFT = "draft", _("编写中")
    SUBMITTED = "submitted", _("待主持人确认")
    APPROVED = "approved", _("已签字确认并分发")


class ActionState(models.TextChoices):
    DRAFT = "draft", _("待纪要确认")
    OPEN = "open", _("进行中")
    DONE = "done", _("已完成")
    CANCELLED = "cancelled", _("已取消")


STATE_TONES = {
    "draft": "muted",
    "submitted": "warn",
    "rejected": "late",
    "approved": "info",
    "notified": "ok",
    "closed": "muted",
    "cancelled": "muted",
}
RESPONSE_TONES = {"pending": "warn", "accepted": "ok", "declined": "late"}
MINUTES_TONES = {"draft": "muted", "submitted": "warn", "approved": "ok"}
ACTION_TONES = {"draft": "muted", "open": "info", "done": "ok", "cancelled": "muted"}

# A room is held, and people are busy, from the application on; drafts and cancelled meetings hold nothing.
HOLDING_STATES = (MeetingState.SUBMITTED, MeetingState.APPROVED, MeetingState.NOTIFIED, MeetingState.CLOSED)
EDITABLE_STATES = (MeetingState.DRAFT, MeetingState.REJECTED, MeetingState.APPROVED, MeetingState.NOTIFIED)


def _organizer(person, meeting) -> bool:
    return person.pk in {meeting.organizer_id, meeting.created_by_id}


def _approver(person, meeting) -> bool:
    return person.pk == meeting.approver_id


def _may_submit(person, meeting) -> bool:
    return _organizer(person, meeting) and meeting.meeting_type.requires_approval


def _may_notify(person, meeting) -> bool:
    ready = meeting.state == MeetingState.APPROVED or not meeting.meeting_type.requires_approval
    return _organizer(person, meeting) and ready


def _may_cancel(person, meeting) -> bool:
    return _organizer(person, meeting) or _approver(person, meeting)


M = MeetingState
MACHINE = StateMachine(
    [
        Transition("submit", _("提交审批"), (M.DRAFT, M.REJECTED), M.SUBMITTED, _may_submit, "primary"),
        Transition("approve", _("批准"), (M.SUBMITTED,), M.APPROVED, _approver, "primary"),
        Transition("reject", _("驳回"), (M.SUBMITTED,), M.REJECTED, _approver, "danger", needs_reason=True),
        Transition("notify", _("发送会议通知"), (M.DRAFT, M.APPROVED), M.NOTIFIED, _may_notify, "primary"),
        Transition(
            "cancel",
            _("取消会议"),
            (M.DRAFT, M.SUBMITTED, M.REJECTED, M.APPROVED, M.NOTIFIED),
            M.CANCELLED,
            _may_cancel,
            "danger",
            needs_reason=True,
        ),
    ],
    dict(MeetingState.choices),
)
# On a recurring meeting these act on every future occurrence in the same state: one application.
SERIES_TRANSITIONS = ("submit", "approve", "reject", "notify")

REASON_LABELS = {"reject": _("驳回理由"), "cancel": _("取消原因")}


def may_write_minutes(person, meeting) -> bool:
    return person.pk in {meeting.organizer_id, meeting.created_by_id, meeting.chair_id, meeting.recorder_id}


def _minutes_writer(person, minutes) -> bool:
    return may_write_minutes(person, minutes.meeting)


def _chair(person, minutes) -> bool:
    return person.pk == minutes.meeting.chair_id


N = MinutesState
MINUTES_MACHINE = StateMachine(
    [
        Transition("submit", _("提交主持人确认"), (N.DRAFT,), N.SUBMITTED, _minutes_writer, "primary"),
        Transition("approve", _("签字确认并分发"), (N.SUBMITTED,), N.APPROVED, _chair, "primary"),
        Transition("return", _("退回修改"), (N.SUBMITTED,), N.DRAFT, _chair, "danger", needs_reason=True),
    ],
    dict(MinutesState.choices),
)


def _action_owner(person, item) -> bool:
    return person.pk == item.owner_id


def _action_manager(person, item) -> bool:
    meeting = item.meeting
    return person.pk in {meeting.organizer_id, meeting.chair_id, meeting.created_by_id}


A = ActionState
ACTION_MACHINE = StateMachine(
    [
        Transition("complete", _("标记完成"), (A.OPEN,), A.DONE, _action_owner, "primary"),
        Transition("reopen", _("重新打开"), (A.DONE,), A.OPEN, _action_manager, needs_reason=True),
        Transition("cancel", _("取消事项"), (A.OPEN,), A.CANCELLED, _action_manager, "danger", needs_reason=True),
    ],
    dict(ActionState.choices),
)
