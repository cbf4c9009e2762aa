"""The main navigation: each process app adds its entry; a context processor marks the active one."""

from __future__ import annotations

from dataclasses import dataclass

from django.http import HttpRequest
from django.urls import reverse
from django.utils.functional import Promise


@dataclass(frozen=True)
class NavEntry:
    order: int
    label: Promise | str
    url_name: str
    url_prefix: str
    url_args: tuple[str, ...] = ()


_entries: list[NavEntry] = []


def register_nav(
    label: Promise | str, url_name: str, *, url_prefix: str, order: int = 100, url_args: tuple[str, ...] = ()
) -> None:
    if not any(e.url_name == url_name and e.url_args == url_args for e in _entries):
        _entries.append(NavEntry(order, label, url_name, url_prefix, url_args))


def main_nav(request: HttpRequest) -> dict[str, object]:
    if not getattr(request, "user", None) or not request.user.is_authenticated:
        return {"main_nav": []}
    items = [
        {"label": e.label, "url": reverse(e.url_name, args=e.url_args), "active": request.path.startswith(e.url_prefix)}
        for e in sorted(_entries, key=lambda e: e.order)
    ]
    return {"main_nav": items}
