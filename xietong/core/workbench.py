"""我的工作台: each app contributes sections of what waits on the person.

An app registers a provider in its AppConfig.ready(); the home page renders every section in order.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any


@dataclass
class WorkbenchEntry:
    title: str
    url: str
    meta: str = ""  # e.g. "剩余 1 小时 20 分钟（工作时间）"
    tone: str = ""  # "", "warn", "late"


@dataclass
class WorkbenchSection:
    key: str
    title: str
    entries: list[WorkbenchEntry] = field(default_factory=list)
    empty_text: str = ""
    more_url: str = ""


@dataclass(frozen=True)
class _Provider:
    order: int
    key: str
    build: Callable[[Any], WorkbenchSection | None]  # None: nothing to show this person


_providers: dict[str, _Provider] = {}


def register_section(key: str, build: Callable[[Any], WorkbenchSection | None], *, order: int = 100) -> None:
    _providers[key] = _Provider(order, key, build)


def sections_for(person: Any) -> list[WorkbenchSection]:
    built = (p.build(person) for p in sorted(_providers.values(), key=lambda p: (p.order, p.key)))
    return [section for section in built if section is not None]
