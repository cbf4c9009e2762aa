"""Problem states, urgency and the problem's state machine: who may move it where."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

from xietong.items.transitions import StateMachine, Transition


class ProblemUrgency(models.TextChoices):
    """紧急程度 (高/中/低): 高 means progress every working day instead of every two."""

    HIGH = "high", _("高")
    MEDIUM = "medium", _("中")
    LOW = "low", _("低")


def policy_priority(urgency: str) -> str:
    """Clock policies: urgent problems report daily, the rest every 2 working days."""
    return "high" if urgency == ProblemUrgency.HIGH else "*"


class ProblemState(models.TextChoices):
    FILED = "filed", _("待分派")
    DISPATCHED = "dispatched", _("已分派")
    IN_PROGRESS = "in_progress", _("处理中")
    SOLVED = "solved", _("已解决待确认")
    CLOSED = "closed", _("已确认关闭")
    WITHDRAWN = "withdrawn", _("已撤回")


STATE_TONES = {
    "filed": "warn",
    "dispatched": "info",
    "in_progress": "info",
    "solved": "warn",
    "closed": "ok",
    "withdrawn": "muted",
}
OPEN_STATES = [ProblemState.FILED, ProblemState.DISPATCHED, ProblemState.IN_PROGRESS, ProblemState.SOLVED]
URGENCY_EDITABLE_STATES = (ProblemState.FILED, ProblemState.DISPATCHED, ProblemState.IN_PROGRESS)


def _coordinator(person, problem) -> bool:
    """综合管理部 (the coordinating office) reviews and dispatches."""
    return bool(person.is_coordinator)


def _handler(person, problem) -> bool:
    """The lead department's owner, or that department's head."""
    return person.pk == problem.owner_id or (
        problem.lead_department_id is not None and person.pk == problem.lead_department.head_id
    )


def _filer(person, problem) -> bool:
    """The filer, or the head of the filing department (发起部门确认验收)."""
    return person.pk == problem.created_by_id or person.pk == problem.filing_department.head_id


def may_change_urgency(person, problem) -> bool:
    return _filer(person, problem) or _coordinator(person, problem)


S = ProblemState
MACHINE = StateMachine(
    [
        Transition("dispatch", _("分派"), (S.FILED,), S.DISPATCHED, _coordinator, "primary"),
        Transition("progress", _("反馈进度"), (S.DISPATCHED, S.IN_PROGRESS), S.IN_PROGRESS, _handler, "primary"),
        Transition("solve", _("提交解决报告"), (S.DISPATCHED, S.IN_PROGRESS), S.SOLVED, _handler, "primary"),
        Transition("confirm", _("确认解决"), (S.SOLVED,), S.CLOSED, _filer, "primary"),
        Transition(
            "reject_solution", _("退回继续处理"), (S.SOLVED,), S.IN_PROGRESS, _filer, "danger", needs_reason=True
        ),
        Transition("withdraw", _("撤回"), (S.FILED,), S.WITHDRAWN, _filer, "danger", needs_reason=True),
    ],
    dict(ProblemState.choices),
)

# Transitions that are a plain button with an optional reason (the others have their own forms).
BUTTON_ACTIONS = ("confirm", "reject_solution", "withdraw")
REASON_LABELS = {"reject_solution": _("退回原因（效果未达到的地方）"), "withdraw": _("撤回原因")}
