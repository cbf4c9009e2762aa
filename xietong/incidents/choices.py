"""Incident (紧急事项) states, kinds of log entries, and who may steer an incident."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

from xietong.items.transitions import StateMachine, Transition


class IncidentState(models.TextChoices):
    REPORTED = "reported", _("待组建小组")
    RESPONDING = "responding", _("处置中")
    CONTROLLED = "controlled", _("已控制")
    RESOLVED = "resolved", _("已解决待复盘")
    CLOSED = "closed", _("已复盘")


ACTIVE_STATES = (IncidentState.REPORTED, IncidentState.RESPONDING, IncidentState.CONTROLLED)
STATE_TONES = {
    "reported": "late",
    "responding": "warn",
    "controlled": "info",
    "resolved": "ok",
    "closed": "muted",
}


class EntryKind(models.TextChoices):
    """A line of the live incident timeline."""

    STATUS = "status", _("状态更新")
    DECISION = "decision", _("决策")
    EVENT = "event", _("记录")
    ALERT = "alert", _("超时告警")


class ActionState(models.TextChoices):
    OPEN = "open", _("进行中")
    DONE = "done", _("已完成")


def is_commander(person, incident) -> bool:
    """Who steers the response: the 应急负责人, the responsible department's head, the general manager
    and 综合管理部."""
    return (
        person.pk == incident.lead_id
        or person.pk == incident.responsible_department.head_id
        or bool(person.is_general_manager)
        or bool(person.is_coordinator)
    )


S = IncidentState
MACHINE = StateMachine(
    [
        Transition("assign_team", _("指定应急小组"), (S.REPORTED, S.RESPONDING), S.RESPONDING, is_commander, "primary"),
        Transition("control", _("风险已控制"), (S.RESPONDING,), S.CONTROLLED, is_commander, "primary"),
        Transition(
            "resolve",
            _("宣布问题已解决"),
            (S.REPORTED, S.RESPONDING, S.CONTROLLED),
            S.RESOLVED,
            is_commander,
            "primary",
        ),
        Transition("review", _("完成复盘"), (S.RESOLVED,), S.CLOSED, is_commander, "primary"),
    ],
    dict(IncidentState.choices),
)
