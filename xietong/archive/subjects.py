"""Which models are process items, found from the shared base class: an app merged later is picked up
without a line of code here."""

from __future__ import annotations

from functools import cache

from django.apps import apps

from xietong.items.models import WorkItem


@cache
def work_item_models() -> dict[str, type[WorkItem]]:
    """label ("requests.request") → model, for every concrete WorkItem subclass installed."""
    return {
        model._meta.label_lower: model
        for model in apps.get_models()
        if issubclass(model, WorkItem) and not model._meta.abstract and not model._meta.proxy
    }


def work_item_model(label: str) -> type[WorkItem] | None:
    return work_item_models().get(label)


@cache
def custom_reach_models() -> dict[str, type[WorkItem]]:
    """Item types that override WorkItem.reach_filter: the index cannot copy their rule as keys."""
    base = WorkItem.reach_filter.__func__  # type: ignore[attr-defined]
    return {
        label: model
        for label, model in work_item_models().items()
        if model.reach_filter.__func__ is not base  # type: ignore[attr-defined]
    }
