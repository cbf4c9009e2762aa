"""Request types for views behind the login: `request.user` is a Person, never anonymous."""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.http import HttpRequest

if TYPE_CHECKING:
    from xietong.org.models import Person


class AuthedRequest(HttpRequest):
    user: Person  # type: ignore[assignment]
