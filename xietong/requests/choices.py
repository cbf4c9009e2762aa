"""States, priorities and the request's state machine: who may move it where."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class Priority(models.TextChoices):
    HIGH = "high", _("高")
    MEDIUM = "medium", _("中")
    LOW = "low", _("低")


def policy_priority(priority: str) -> str:
    """Clock policies distinguish high priority (2 working hours) from the rest (1 working day)."""
    return "high" if priority == Priority.HIGH else "*"


class RequestState(models.TextChoices):
    DRAFT = "draft", _("草稿")
    SUBMITTED = "submitted", _("待接收")
    ACKNOWLEDGED = "acknowledged", _("评估中")
    CHANGE_REQUESTED = "change_requested", _("需修改")
    REJECTED = "rejected", _("已拒绝")
    ACCEPTED = "accepted", _("已受理")
    IN_PROGRESS = "in_progress", _("执行中")
    DELIVERED = "delivered", _("已交付待验收")
    COMPLETED = "completed", _("验收通过")
    CLOSED = "closed", _("已关闭")
    CANCELLED = "cancelled", _("已撤回")


# The vague wording every process refuses is declared once (items.plain_wording).
from xietong.items.plain_wording import VAGUE_PHRASES, VAGUE_TITLES  # noqa: E402, F401
