"""Sections that other apps add to an item's page (progress on a task, deliverables on a request …).

An app registers a panel for a model label in its AppConfig.ready(); the item's detail view renders
every panel that returns a context, in order. The item app needs no knowledge of the others.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from django.db import models


@dataclass(frozen=True)
class _Registration:
    order: int
    key: str
    template: str
    build: Callable[[Any, models.Model], dict[str, Any] | None]


@dataclass
class Panel:
    key: str
    template: str
    context: dict[str, Any] = field(default_factory=dict)


_registry: dict[str, dict[str, _Registration]] = {}


def register_panel(
    model_label: str,
    key: str,
    template: str,
    build: Callable[[Any, models.Model], dict[str, Any] | None],
    *,
    order: int = 100,
) -> None:
    _registry.setdefault(model_label, {})[key] = _Registration(order, key, template, build)


def panels_for(request: Any, obj: models.Model, bound: dict[str, dict[str, Any]] | None = None) -> list[Panel]:
    """Every panel of the item's page. `bound` gives a panel back the form someone just submitted (by panel
    key, e.g. {"progress": {"form": form}}): when its input was refused the page shows what was typed, with
    each error at its field, instead of an empty form."""
    panels = []
    for registration in sorted(_registry.get(obj._meta.label_lower, {}).values(), key=lambda r: (r.order, r.key)):
        context = registration.build(request, obj)
        if context is not None:
            context.update((bound or {}).get(registration.key, {}))
            panels.append(Panel(registration.key, registration.template, context))
    return panels
