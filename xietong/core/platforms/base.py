"""What the three platform clients share: the token cache, one call with retry, the error types."""

from __future__ import annotations

import datetime as dt
import logging
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, ClassVar

import httpx
from django.conf import settings

from xietong.core import clock

logger = logging.getLogger("xietong.platforms")

# Replaced by tests to record the waits instead of waiting (a test never sleeps for a clock).
sleep: Callable[[float], None] = time.sleep


class PlatformError(Exception):
    """The platform answered with an error code (or not at all); `code` is the platform's own."""

    def __init__(self, platform: str, code: int | str, message: str) -> None:
        super().__init__(f"{platform} {code}: {message}")
        self.platform = platform
        self.code = code
        self.message = message


class PlatformBusy(PlatformError):
    """Still rate-limited after the backoff: try again later (a sweep leaves its row for the next pass)."""

    retry_after: float | None = None  # seconds, when the platform said how long to wait


class PersonNotInApp(PlatformError):
    """The person is not a member of the company on the platform, or outside the app's visible range."""


class PlatformNotConfigured(PlatformError):
    def __init__(self, platform: str, missing: str) -> None:
        super().__init__(platform, "not_configured", f"{missing} is not set")


@dataclass
class _Token:
    value: str
    expires_at: dt.datetime


# One token per (platform, base URL, app) in a process, shared by every client object: the platforms hand
# out the same token while it is valid and limit how often one is fetched.
_tokens: dict[tuple[str, str, str], _Token] = {}
_tokens_lock = threading.Lock()


def forget_tokens() -> None:
    with _tokens_lock:
        _tokens.clear()


class PlatformClient:
    """A platform's server API. Subclasses name their error codes and how a token is fetched and sent."""

    name: ClassVar[str]
    root_department: ClassVar[str]  # the company itself; departments() lists what is under it
    label: ClassVar[str]
    expired_token_codes: ClassVar[frozenset[int | str]]
    rate_limit_codes: ClassVar[frozenset[int | str]]
    not_in_app_codes: ClassVar[frozenset[int | str]] = frozenset()
    # A token is refreshed this long before the platform says it expires (clocks drift, calls take time).
    refresh_margin = dt.timedelta(minutes=5)

    def __init__(self, *, base_url: str, app_key: str, timeout: float = 10.0) -> None:
        self.base_url = base_url.rstrip("/")
        self.app_key = app_key
        self.http = httpx.Client(timeout=timeout, trust_env=False)

    # --- configured by subclasses -------------------------------------------------------------------
    @classmethod
    def from_settings(cls) -> PlatformClient:
        raise NotImplementedError

    def departments(self) -> list[RemoteDepartment]:
        """Every department under the company's root, parents before children, with their heads."""
        raise NotImplementedError

    def department_people(self, department_id: str) -> list[RemotePerson]:
        raise NotImplementedError

    def fetch_token(self) -> tuple[str, int]:
        """(token, seconds it is valid) from the platform."""
        raise NotImplementedError

    def sign(self, request: dict[str, Any], token: str) -> None:
        """Put the token into the request (query parameter or header)."""
        request.setdefault("params", {})["access_token"] = token

    @staticmethod
    def error_of(body: dict[str, Any]) -> tuple[int | str, str]:
        return int(body.get("errcode") or 0), str(body.get("errmsg") or "")

    # --- shared ---------------------------------------------------------------------------------------
    def _cache_key(self) -> tuple[str, str, str]:
        return (self.name, self.base_url, self.app_key)

    def token(self, *, fresh: bool = False) -> str:
        """The cached access token, fetched again when it is about to expire or `fresh` is asked for."""
        key = self._cache_key()
        now = clock.now()
        with _tokens_lock:
            cached = _tokens.get(key)
            if cached and not fresh and cached.expires_at - self.refresh_margin > now:
                return cached.value
        value, seconds = self.fetch_token()
        with _tokens_lock:
            _tokens[key] = _Token(value, clock.now() + dt.timedelta(seconds=int(seconds)))
        return value

    def forget_token(self) -> None:
        with _tokens_lock:
            _tokens.pop(self._cache_key(), None)

    def send(self, method: str, path: str, **request: Any) -> httpx.Response:
        """One HTTP request to the platform, without token or error handling (token fetches use it)."""
        try:
            return self.http.request(method, f"{self.base_url}{path}", **request)
        except httpx.HTTPError as exc:
            raise PlatformError(self.name, "unreachable", f"{type(exc).__name__}: {exc}") from exc

    def decode(self, response: httpx.Response) -> dict[str, Any]:
        try:
            body = response.json()
        except ValueError as exc:
            raise PlatformError(self.name, response.status_code, response.text[:200]) from exc
        if not isinstance(body, dict):
            raise PlatformError(self.name, response.status_code, "unexpected answer")
        return body

    def call(
        self, method: str, path: str, *, params=None, json=None, headers=None, wait: bool = True
    ) -> dict[str, Any]:
        """Call an API with the app's token: an expired token is refreshed once and the call repeated; a
        rate limit is waited out (XIETONG_PLATFORM_BACKOFF_SECONDS, doubling, at most
        XIETONG_PLATFORM_RETRIES times) before PlatformBusy — at once with `wait` False (the outbox's own
        retry schedule backs off instead). A person outside the app raises PersonNotInApp; any other error
        code PlatformError."""
        retries = settings.XIETONG_PLATFORM_RETRIES if wait else 0
        backoff = settings.XIETONG_PLATFORM_BACKOFF_SECONDS
        refreshed = False
        waited = 0
        token = self.token()
        while True:
            request: dict[str, Any] = {"params": dict(params or {}), "headers": dict(headers or {})}
            if json is not None:
                request["json"] = json
            self.sign(request, token)
            response = self.send(method, path, **request)
            body = self.decode(response)
            code, message = self.error_of(body)
            if code == 0 and response.status_code < 400:
                return body
            if code in self.expired_token_codes and not refreshed:
                logger.info("%s: token refused (%s), fetching a new one", self.name, code)
                refreshed = True
                token = self.token(fresh=True)
                continue
            if code in self.rate_limit_codes or response.status_code == 429:
                pause = backoff * (2**waited)
                suggested = response.headers.get("x-ogw-ratelimit-reset")  # Feishu says how long to wait
                if suggested and suggested.isdigit():
                    pause = max(pause, float(suggested))
                if waited >= retries:
                    busy = PlatformBusy(self.name, code, message)
                    busy.retry_after = float(suggested) if suggested and suggested.isdigit() else None
                    raise busy
                logger.info("%s: rate limited (%s), waiting %.1f s", self.name, code, pause)
                sleep(min(pause, settings.XIETONG_PLATFORM_BACKOFF_MAX_SECONDS))
                waited += 1
                continue
            if code in self.not_in_app_codes:
                raise PersonNotInApp(self.name, code, message)
            raise PlatformError(self.name, code or response.status_code, message)


def setting(name: str, platform: str) -> str:
    value = getattr(settings, name, "")
    if not value:
        raise PlatformNotConfigured(platform, name)
    return value


@dataclass
class RemoteDepartment:
    """A department as a platform's contacts API lists it."""

    id: str
    name: str
    parent_id: str | None
    head_ids: tuple[str, ...] = ()  # 部门主管: the platform's user ids


@dataclass
class RemotePerson:
    """A person as a platform's contacts API (or sign-in) describes them; `id` is the platform's user id."""

    id: str
    name: str
    title: str = ""
    mobile: str = ""
    email: str = ""
    department_ids: tuple[str, ...] = ()
    active: bool = True


def parents_first(departments: list[RemoteDepartment], root: str | None) -> list[RemoteDepartment]:
    """Departments ordered so that each comes after its parent (the root's children first)."""
    by_parent: dict[str | None, list[RemoteDepartment]] = {}
    for d in departments:
        by_parent.setdefault(d.parent_id if d.parent_id != root else None, []).append(d)
    ordered: list[RemoteDepartment] = []
    pending = list(by_parent.get(None, []))
    while pending:
        d = pending.pop(0)
        ordered.append(d)
        pending += by_parent.get(d.id, [])
    return ordered
