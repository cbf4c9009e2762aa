"""The four collaboration types of 《企业沟通与协作流程规范》一 (适用场景与协作类型); the archive names an item
"协作类型-项目名称-日期" by its type (000 二（五）), where the item has one.

An item has a type when a person chose it (a request's 协作类型), when its kind implies it (an emergency is
紧急事项处理, a notice 日常信息同步), or through what it belongs to (a task, delivery or exception report
takes its request's; a meeting the type of what called it).
"""

from __future__ import annotations

from typing import Any

from django.apps import apps
from django.db import models
from django.utils.translation import gettext_lazy as _


class CollaborationType(models.TextChoices):
    PROJECT = "project", _("常规项目协作")
    AFFAIRS = "affairs", _("跨部门事务对接")
    EMERGENCY = "emergency", _("紧急事项处理")
    SYNC = "sync", _("日常信息同步")


# The fields through which an item belongs to another one, in the order they are asked.
PARENT_FIELDS = ("request", "incident", "meeting")


def collaboration_type_of(item: Any, _depth: int = 0) -> str:
    """The item's collaboration type (a CollaborationType value), or "" when it has none."""
    if item is None or _depth > 3:
        return ""
    own = getattr(item, "collaboration_type", "") or ""
    if own:
        return str(own)
    for name in PARENT_FIELDS:
        if _has_field(item, name):
            found = collaboration_type_of(getattr(item, name, None), _depth + 1)
            if found:
                return found
    called_type, called_id = getattr(item, "called_by_type", ""), getattr(item, "called_by_id", None)
    if called_type and called_id:
        try:
            model = apps.get_model(called_type)
        except (LookupError, ValueError):
            model = None
        if model is not None:
            found = collaboration_type_of(model._base_manager.filter(pk=called_id).first(), _depth + 1)
            if found:
                return found
    return str(getattr(type(item), "default_collaboration_type", "") or "")


def collaboration_label(item: Any) -> str:
    """常规项目协作 / 跨部门事务对接 / 紧急事项处理 / 日常信息同步, or ""."""
    code = collaboration_type_of(item)
    return str(CollaborationType(code).label) if code in CollaborationType.values else ""


def _has_field(item: Any, name: str) -> bool:
    try:
        field = item._meta.get_field(name)
    except Exception:  # FieldDoesNotExist, or not a model
        return False
    return bool(field.is_relation and not field.auto_created)
