"""Request types for views behind the login: `request.user` is a Person, never anonymous."""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.http import HttpRequest
from django_htmx.middleware import HtmxDetails

if TYPE_CHECKING:
    from xietong.org.models import Person


class AuthedRequest(HttpRequest):
    user: Person  # type: ignore[assignment]
    htmx: HtmxDetails


def wants_fragment(request: HttpRequest) -> bool:
    """An htmx request that swaps part of the page (a list's table) — not a boosted link, and not htmx asking
    for a whole page to restore history it no longer holds (Back past its cache), which needs the page."""
    htmx = getattr(request, "htmx", None)
    return htmx is not None and bool(htmx) and not htmx.boosted and not htmx.history_restore_request
