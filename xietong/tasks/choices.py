"""Task states and RACI roles (the process is declared in tasks.process)."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


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
