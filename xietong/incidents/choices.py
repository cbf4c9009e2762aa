"""Incident (紧急事项) states, kinds of log entries, and who may steer an incident (the steps are declared in
incidents.process)."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class IncidentState(models.TextChoices):
    REPORTED = "reported", _("待组建小组")
    RESPONDING = "responding", _("处置中")
    CONTROLLED = "controlled", _("已控制")
    RESOLVED = "resolved", _("已解决待复盘")
    CLOSED = "closed", _("已复盘")


ACTIVE_STATES = (IncidentState.REPORTED, IncidentState.RESPONDING, IncidentState.CONTROLLED)


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
