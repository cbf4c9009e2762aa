"""States of a notice (内部事务通知确认单); its steps are declared in process.py."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class NoticeState(models.TextChoices):
    DRAFT = "draft", _("草稿")
    PUBLISHED = "published", _("已发布")
    WITHDRAWN = "withdrawn", _("已撤回")
