"""Choices the clocks' models and their wording share (kept apart so the wording needs no model)."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class TimeMode(models.TextChoices):
    WORKING = "working", _("工作时间")
    WALL = "wall", _("自然时间（节假日与夜间照常计时）")


class WhenLate(models.TextChoices):
    """A rule that something be done some time ahead (延期申请须提前2天提交): what a late one meets."""

    REFUSE = "refuse", _("拒绝（不予提交）")
    FLAG = "flag", _("仅标记（照常提交，标注未按时）")
