"""Task states, RACI roles and the task's state machine."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

from xietong.items.transitions import StateMachine, Transition


class TaskState(models.TextChoices):
    DRAFT = "draft", _("未发布")
    PUBLISHED = "published", _("待确认")
    ACCEPTED = "accepted", _("已接收")
    IN_PROGRESS = "in_progress", _("进行中")
    DONE = "done", _("已完成")
    CANCELLED = "cancelled", _("已取消")


class RaciRole(models.TextChoices):
    RESPONSIBLE = "R", _("R 负责执行")
    ACCOUNTABLE = "A", _("A 审批/问责")
    CONSULTED = "C", _("C 咨询")
    INFORMED = "I", _("I 知情")


STATE_TONES = {
    "draft": "muted",
    "published": "warn",
    "accepted": "info",
    "in_progress": "info",
    "done": "ok",
    "cancelled": "muted",
}


def _owner(person, task) -> bool:
    return person.pk == task.owner_id


def _editor(person, task) -> bool:
    request = task.request
    return request.is_requester_side(person) or request.is_receiver_side(person)


T = TaskState
MACHINE = StateMachine(
    [
        Transition("accept", _("确认接收"), (T.PUBLISHED,), T.ACCEPTED, _owner, "primary"),
        Transition("start", _("开始"), (T.ACCEPTED,), T.IN_PROGRESS, _owner, "primary"),
        Transition("consult", _("征询意见（C）"), (T.ACCEPTED, T.IN_PROGRESS), T.IN_PROGRESS, _owner),
        Transition("done", _("标记完成"), (T.IN_PROGRESS,), T.DONE, _owner, "primary"),
        Transition("reopen", _("重新打开"), (T.DONE,), T.IN_PROGRESS, _editor, needs_reason=True),
        Transition(
            "cancel",
            _("取消任务"),
            (T.DRAFT, T.PUBLISHED, T.ACCEPTED, T.IN_PROGRESS),
            T.CANCELLED,
            _editor,
            "danger",
            needs_reason=True,
        ),
    ],
    dict(TaskState.choices),
)
