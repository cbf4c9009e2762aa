"""Sign-in with any OpenID Connect provider (Authing, Keycloak, Azure AD / Entra ID, Okta…): the provider's
discovery document names its endpoints and keys; the browser goes to its authorization endpoint with a
one-use state, a nonce and a PKCE challenge (S256); the code that comes back is exchanged (with the
verifier and the client secret) for an ID token whose signature, issuer, audience, expiry and nonce are
checked before the person it names is looked up (org.accounts).

Authlib's OAuth 2 client builds the authorization URL and exchanges the code; joserfc (Authlib's JOSE
library) verifies the ID token against the provider's published keys.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Any

import httpx
from django.conf import settings

from xietong.org.accounts import Identity

_discovery: dict[str, tuple[float, dict[str, Any]]] = {}
DISCOVERY_SECONDS = 3600


class OIDCError(Exception):
    """The provider could not be reached, or what it sent is not a valid answer to this sign-in."""


@dataclass(frozen=True)
class Pending:
    state: str
    nonce: str
    code_verifier: str


def configured() -> bool:
    return bool(settings.XIETONG_OIDC_DISCOVERY_URL and settings.XIETONG_OIDC_CLIENT_ID)


def label() -> str:
    return settings.XIETONG_OIDC_LABEL


def forget_discovery() -> None:
    _discovery.clear()


def discovery() -> dict[str, Any]:
    """The provider's discovery document (/.well-known/openid-configuration), kept for an hour."""
    url = settings.XIETONG_OIDC_DISCOVERY_URL
    cached = _discovery.get(url)
    if cached and time.monotonic() - cached[0] < DISCOVERY_SECONDS:
        return cached[1]
    try:
        response = httpx.get(url, timeout=10)
        response.raise_for_status()
        document = response.json()
    except (httpx.HTTPError, ValueError) as error:
        raise OIDCError(f"discovery {url}: {error}") from error
    for key in ("issuer", "authorization_endpoint", "token_endpoint", "jwks_uri"):
        if not document.get(key):
            raise OIDCError(f"discovery {url}: no {key}")
    _discovery[url] = (time.monotonic(), document)
    return document


def _client(redirect_uri: str):
    from authlib.integrations.httpx_client import OAuth2Client

    return OAuth2Client(
        client_id=settings.XIETONG_OIDC_CLIENT_ID,
        client_secret=settings.XIETONG_OIDC_CLIENT_SECRET or None,
        scope=settings.XIETONG_OIDC_SCOPES,
        redirect_uri=redirect_uri,
        code_challenge_method="S256",
        token_endpoint_auth_method="client_secret_basic" if settings.XIETONG_OIDC_CLIENT_SECRET else "none",
        timeout=10,
    )


def authorization(redirect_uri: str) -> tuple[str, Pending]:
    """Where the browser goes to sign in, and what this browser's session keeps until it comes back."""
    from authlib.common.security import generate_token

    pending = Pending(state=generate_token(32), nonce=generate_token(32), code_verifier=generate_token(64))
    with _client(redirect_uri) as client:
        url, _state = client.create_authorization_url(
            discovery()["authorization_endpoint"],
            state=pending.state,
            nonce=pending.nonce,
            code_verifier=pending.code_verifier,
        )
    return url, pending


def identity_for_code(code: str, redirect_uri: str, pending: Pending) -> Identity:
    """The person the provider vouches for with `code` (OIDCError when the exchange or the ID token fails)."""
    from authlib.integrations.base_client.errors import OAuthError
    from joserfc import jwt
    from joserfc.errors import JoseError
    from joserfc.jwk import KeySet

    document = discovery()
    try:
        with _client(redirect_uri) as client:
            token = client.fetch_token(
                document["token_endpoint"], code=code, code_verifier=pending.code_verifier, redirect_uri=redirect_uri
            )
    except (OAuthError, httpx.HTTPError, ValueError) as error:
        raise OIDCError(f"token: {error}") from error
    id_token = token.get("id_token")
    if not id_token:
        raise OIDCError("token: no id_token")
    try:
        keys = KeySet.import_key_set(httpx.get(document["jwks_uri"], timeout=10).raise_for_status().json())
        decoded = jwt.decode(
            id_token, keys, algorithms=document.get("id_token_signing_alg_values_supported") or ["RS256"]
        )
        jwt.JWTClaimsRegistry(
            leeway=60,
            iss={"essential": True, "value": document["issuer"]},
            aud={"essential": True, "value": settings.XIETONG_OIDC_CLIENT_ID},
            sub={"essential": True},
            exp={"essential": True},
            nonce={"essential": True, "value": pending.nonce},
        ).validate(decoded.claims)
    except (JoseError, httpx.HTTPError, ValueError) as error:
        raise OIDCError(f"id_token: {error}") from error
    claims = dict(decoded.claims)
    # What the ID token leaves out (many providers put email and phone only in userinfo) is asked for.
    if document.get("userinfo_endpoint") and token.get("access_token"):
        try:
            response = httpx.get(
                document["userinfo_endpoint"],
                headers={"Authorization": f"Bearer {token['access_token']}"},
                timeout=10,
            )
            info = response.raise_for_status().json()
        except (httpx.HTTPError, ValueError) as error:
            raise OIDCError(f"userinfo: {error}") from error
        if info.get("sub") != claims["sub"]:
            raise OIDCError("userinfo: another subject")
        claims = {**info, **claims}
    return Identity(
        source="oidc",
        label=label(),
        user_id=str(claims["sub"]),
        name=str(claims.get("name") or ""),
        email=str(claims.get("email") or "") if claims.get("email_verified", True) is not False else "",
        mobile=str(claims.get("phone_number") or ""),
        department=_department_claim(claims),
        username=str(claims.get("preferred_username") or ""),
    )


def _department_claim(claims: dict[str, Any]) -> str:
    value = claims.get(settings.XIETONG_OIDC_DEPARTMENT_CLAIM)
    if isinstance(value, list):
        value = value[0] if value else ""
    return str(value or "")
