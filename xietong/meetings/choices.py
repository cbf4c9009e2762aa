"""States of meetings, minutes and action items, and the answers of invitees (the steps between the states
are declared in `meetings.process` and `meetings.minutes_process`)."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


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

# A room is held, and people are busy, from the application on; drafts and cancelled meetings hold nothing.
HOLDING_STATES = (MeetingState.SUBMITTED, MeetingState.APPROVED, MeetingState.NOTIFIED, MeetingState.CLOSED)
EDITABLE_STATES = (MeetingState.DRAFT, MeetingState.REJECTED, MeetingState.APPROVED, MeetingState.NOTIFIED)
