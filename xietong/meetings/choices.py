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


RESPONSE_TONES = {"pending": "warn", "accepted": "ok", "declined": "late"}
MINUTES_TONES = {"draft": "muted", "submitted": "warn", "approved": "ok"}
ACTION_TONES = {"draft": "muted", "open": "info", "done": "ok", "cancelled": "muted"}

# A room is held, and people are busy, from the application on; drafts and cancelled meetings hold nothing.
HOLDING_STATES = (MeetingState.SUBMITTED, MeetingState.APPROVED, MeetingState.NOTIFIED, MeetingState.CLOSED)
EDITABLE_STATES = (MeetingState.DRAFT, MeetingState.REJECTED, MeetingState.APPROVED, MeetingState.NOTIFIED)


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
