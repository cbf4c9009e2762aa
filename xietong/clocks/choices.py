"""Choices the clocks' models and their wording share (kept apart so the wording needs no model)."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class TimeMode(models.TextChoices):
    WORKING = "working", _("工作时间")
    WALL = "wall", _("自然时间（节假日与夜间照常计时）")
