"""Problem states and urgency (the steps between the states are declared in problems.process)."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class ProblemUrgency(models.TextChoices):
    """紧急程度 (高/中/低): 高 means progress every working day instead of every two."""

    HIGH = "high", _("高")
    MEDIUM = "medium", _("中")
    LOW = "low", _("低")


def policy_priority(urgency: str) -> str:
    """Clock policies: urgent problems report daily, the rest every 2 working days."""
    return "high" if urgency == ProblemUrgency.HIGH else "*"


class ProblemState(models.TextChoices):
    ENDORSING = "endorsing", _("待部门负责人审核")
    RETURNED = "returned", _("已退回提报人")
    FILED = "filed", _("待分派")
    DISPATCHED = "dispatched", _("已分派")
    IN_PROGRESS = "in_progress", _("处理中")
    SOLVED = "solved", _("已解决待确认")
    CLOSED = "closed", _("已确认关闭")
    WITHDRAWN = "withdrawn", _("已撤回")


OPEN_STATES = [
    ProblemState.ENDORSING,
    ProblemState.RETURNED,
    ProblemState.FILED,
    ProblemState.DISPATCHED,
    ProblemState.IN_PROGRESS,
    ProblemState.SOLVED,
]
URGENCY_EDITABLE_STATES = (
    ProblemState.ENDORSING,
    ProblemState.RETURNED,
    ProblemState.FILED,
    ProblemState.DISPATCHED,
    ProblemState.IN_PROGRESS,
)
