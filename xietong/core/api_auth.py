"""How the JSON API knows who is calling: the browser's session (with CSRF) or a personal token."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from ninja.errors import AuthenticationError
from ninja.security import HttpBearer, django_auth

from xietong.core.tokens import api_token_authenticate


class PersonalTokenAuth(HttpBearer):
    """`Authorization: Bearer xt_…` with a token created on the 个人设置 › API 令牌 page."""

    openapi_description = "个人 API 令牌（在“API 令牌”页面创建）"

    def authenticate(self, request: HttpRequest, token: str) -> Any:
        person = api_token_authenticate(token)
        if person is None:
            # A token was given and is revoked or unknown: 401 now. Falling through to the session would
            # answer a POST with the CSRF check's 403, as if the caller were signed in but not allowed.
            raise AuthenticationError()
        request.user = person
        return person


# A token, when given, decides; the browser's session (with its CSRF check) otherwise.
api_auth = [PersonalTokenAuth(), django_auth]
