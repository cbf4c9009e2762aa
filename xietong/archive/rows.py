"""The rows that belong to an item and are filed and indexed with it (验收标准, 纪要 …)."""

from __future__ import annotations

from collections.abc import Iterator

from django.db import models

from xietong.items.models import WorkItem

MAX_CHILD_ROWS = 200  # per relation: a runaway table must not make one document huge


def child_rows(item: WorkItem) -> Iterator[models.Model]:
    """Rows that belong to the item (deleted with it) and are not items themselves: 验收标准, 纪要 …"""
    for relation in item._meta.related_objects:
        related = relation.related_model
        if relation.many_to_many or not isinstance(related, type) or issubclass(related, WorkItem):
            continue
        if getattr(relation, "on_delete", None) is not models.CASCADE:
            continue
        if relation.one_to_one:
            child = getattr(item, relation.get_accessor_name() or "", None) if _has_one(item, relation) else None
            if child is not None:
                yield child
        else:
            manager = getattr(item, relation.get_accessor_name() or "")
            yield from manager.all()[:MAX_CHILD_ROWS]


def _has_one(item: WorkItem, relation) -> bool:
    try:
        getattr(item, relation.get_accessor_name())
    except relation.related_model.DoesNotExist:
        return False
    return True
