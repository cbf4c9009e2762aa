"""The rows that belong to an item and are filed and indexed with it (验收标准, 纪要 …)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from django.db import models

from xietong.items.models import WorkItem

MAX_CHILD_ROWS = 200  # per relation: a runaway table must not make one document huge


def child_relations(model: type[WorkItem]) -> list[Any]:
    """The relations of the rows that belong to an item of `model` (deleted with it), not items themselves."""
    relations = []
    for relation in model._meta.related_objects:
        related = relation.related_model
        if relation.many_to_many or not isinstance(related, type) or issubclass(related, WorkItem):
            continue
        if getattr(relation, "on_delete", None) is not models.CASCADE:
            continue
        relations.append(relation)
    return relations


def children_of(model: type[WorkItem], ids: list[int]) -> dict[int, list[models.Model]]:
    """child_rows of many items at once: one query per relation, in the order child_rows gives them."""
    found: dict[int, list[models.Model]] = {pk: [] for pk in ids}
    for relation in child_relations(model):
        related = relation.related_model
        rows = related._default_manager.filter(**{f"{relation.field.name}__in": ids})
        counts: dict[int, int] = {}
        for row in rows:
            owner = getattr(row, relation.field.attname)
            counts[owner] = counts.get(owner, 0) + 1
            if counts[owner] <= MAX_CHILD_ROWS:
                found[owner].append(row)
    return found


def child_rows(item: WorkItem) -> Iterator[models.Model]:
    """Rows that belong to the item (deleted with it) and are not items themselves: 验收标准, 纪要 …"""
    for relation in child_relations(type(item)):
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
