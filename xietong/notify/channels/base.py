"""What every channel receives and returns."""

from __future__ import annotations

import functools
import json
import os
import time
import urllib.request
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlencode, urlsplit

import urllib3


def _timeout() -> urllib3.Timeout:
    from django.conf import settings

    seconds = settings.XIETONG_WEBHOOK_TIMEOUT_SECONDS
    return urllib3.Timeout(connect=min(5.0, seconds), read=seconds)


@dataclass(frozen=True)
class Mention:
    name: str
    mobile: str = ""
    dingtalk_id: str = ""
    feishu_id: str = ""
    wecom_id: str = ""
    email: str = ""
    username: str = ""


@dataclass(frozen=True)
class OutgoingMessage:
    key: str  # idempotency key of the delivery
    kind: str
    urgency: str
    title: str
    body: str
    url: str  # absolute
    created_at: str
    subject_type: str = ""
    subject_id: int | None = None
    mentions: tuple[Mention, ...] = ()
    card: Any = None  # notify.cards.CardContent, for the personal app channels

    @property
    def key_for_platform(self) -> str:
        """The key as the platforms accept it for a card's id (letters, digits, _-@)."""
        return self.key.replace(":", "-")


@dataclass
class SendResult:
    ok: bool
    status_code: int | None = None
    error: str = ""
    retry_after: float | None = None  # seconds, when the other side asked us to slow down
    fallback: bool = False  # the person cannot be reached this way: send the message by email instead
    response: Any = field(default=None, repr=False)


@dataclass(frozen=True)
class Response:
    """What a channel reads of the other side's answer."""

    status_code: int
    headers: Mapping[str, str]
    content: bytes

    @property
    def text(self) -> str:
        return self.content.decode("utf-8", errors="replace")

    def json(self) -> Any:
        return json.loads(self.content)


_pools: dict[str, urllib3.PoolManager] = {}
_PROXY_VARIABLES = ("http_proxy", "https_proxy", "all_proxy", "no_proxy")


def _pool_for(url: str) -> urllib3.PoolManager:
    """The pool a send to `url` goes through: one per process (and per outgoing proxy), shared by the
    outbox's sending threads, so the CA bundle is loaded once and connections stay alive between sends.

    The proxy is the environment's, as curl and httpx read it: HTTP_PROXY / HTTPS_PROXY / ALL_PROXY, with
    NO_PROXY's hosts sent directly (a company whose servers reach DingTalk through a proxy sets them once).

    urllib3 rather than httpx, which the platform APIs use: a send costs about half the CPU (0.29 against
    0.54 ms from 8 threads to a local receiver), and httpx's pool lock made 8 sending threads wait on each
    other (bench/outbox_bench.py: 612 → 1,240 deliveries/s with one worker on PostgreSQL)."""
    proxies = _proxies(tuple(os.environ.get(name) or os.environ.get(name.upper()) for name in _PROXY_VARIABLES))
    parts = urlsplit(url)
    proxy = proxies.get(parts.scheme) or proxies.get("all", "")
    if proxy and urllib.request.proxy_bypass(parts.hostname or ""):
        proxy = ""
    pool = _pools.get(proxy)
    if pool is None:
        from django.conf import settings

        size = max(1, settings.XIETONG_DELIVERY_CONCURRENCY)
        if proxy:
            pool = urllib3.ProxyManager(proxy, num_pools=32, maxsize=size, retries=False)
        else:
            pool = urllib3.PoolManager(num_pools=32, maxsize=size, retries=False)
        pool = _pools.setdefault(proxy, pool)
    return pool


@functools.lru_cache(maxsize=8)
def _proxies(_variables: tuple[str | None, ...]) -> dict[str, str]:
    """The environment's proxies (read again only when one of its variables changed)."""
    return urllib.request.getproxies_environment()


def json_bytes(payload: dict[str, Any]) -> bytes:
    return json.dumps(payload, ensure_ascii=False, separators=(",", ":")).encode()


def post_json(
    url: str,
    payload: dict[str, Any],
    *,
    headers: dict[str, str] | None = None,
    params: dict[str, str] | None = None,
    body: bytes | None = None,
) -> tuple[Response | None, str, int]:
    """POST UTF-8 JSON (`body`, when the caller encoded `payload` already, e.g. to sign it); returns
    (response or None, error text, duration ms). Never raises."""
    if body is None:
        body = json_bytes(payload)
    # Merge, never replace: a robot URL already carries its access_token / key in the query string.
    if params:
        url += ("&" if urlsplit(url).query else "?") + urlencode(params)
    started = time.monotonic()
    try:
        answer = _pool_for(url).urlopen(
            "POST",
            url,
            body=body,
            headers={"Content-Type": "application/json; charset=utf-8", **(headers or {})},
            timeout=_timeout(),
            redirect=False,
        )
    except urllib3.exceptions.NewConnectionError as exc:  # refused, unknown host (a ConnectTimeoutError by class)
        return None, _network_error(exc), int((time.monotonic() - started) * 1000)
    except urllib3.exceptions.TimeoutError:
        return None, "请求超时", int((time.monotonic() - started) * 1000)
    except (urllib3.exceptions.HTTPError, ValueError) as exc:
        return None, _network_error(exc), int((time.monotonic() - started) * 1000)
    response = Response(answer.status, answer.headers, answer.data)
    return response, "", int((time.monotonic() - started) * 1000)


def _network_error(exc: Exception) -> str:
    return f"网络错误：{exc.__class__.__name__}: {exc}"[:500]


def json_body(response: Response) -> dict[str, Any] | None:
    try:
        data = response.json()
    except ValueError:
        return None
    return data if isinstance(data, dict) else None


def retry_after_seconds(response: Response) -> float | None:
    value = response.headers.get("Retry-After")
    try:
        return float(value) if value else None
    except ValueError:
        return None


def robot_result(response: Response | None, error: str, *, code_field: str, rate_codes: set[int]) -> SendResult:
    """Robots answer HTTP 200 with {"errcode"/"code": 0} on success; anything else is a failed attempt."""
    if response is None:
        return SendResult(False, None, error)
    if response.status_code == 429:
        return SendResult(False, 429, "对方限流（HTTP 429）", retry_after_seconds(response) or 60)
    if response.status_code >= 300:
        return SendResult(False, response.status_code, f"HTTP {response.status_code}: {response.text[:300]}")
    data = json_body(response)
    if data is None:
        return SendResult(False, response.status_code, f"响应不是 JSON：{response.text[:200]!r}")
    code = data.get(code_field, data.get("StatusCode"))
    if code in (0, "0"):
        return SendResult(True, response.status_code, response=data)
    message = data.get("errmsg") or data.get("msg") or data.get("StatusMessage") or ""
    retry = 60.0 if isinstance(code, int) and code in rate_codes else None
    return SendResult(False, response.status_code, f"机器人返回错误 {code}: {message}"[:500], retry)
