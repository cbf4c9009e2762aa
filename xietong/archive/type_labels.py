"""The archive's "类型" of an item type."""

from __future__ import annotations

from django.db import models

from xietong.archive.models import RetentionPolicy
from xietong.clocks.defaults import PROCESS_LABELS


def type_label(model: type[models.Model]) -> str:
    """The archive's "类型": the administrator's label, else the process's name (需求协作), else the
    model's verbose name."""
    policy = RetentionPolicy.objects.filter(subject_type=model._meta.label_lower).exclude(label="").first()
    if policy is not None:
        return policy.label
    process = getattr(model, "process", "")
    return PROCESS_LABELS.get(process) or str(model._meta.verbose_name)
