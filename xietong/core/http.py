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
