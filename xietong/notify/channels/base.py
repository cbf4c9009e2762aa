"""What every channel receives and returns."""

from __future__ import annotations

import json
import time
from dataclasses import dataclass, field
from typing import Any

import httpx


def _timeout() -> httpx.Timeout:
    from django.conf import settings

    seconds = settings.XIETONG_WEBHOOK_TIMEOUT_SECONDS
    return httpx.Timeout(seconds, connect=min(5.0, seconds))


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


_client: httpx.Client | None = None


def _shared_client() -> httpx.Client:
    """One client per process: building one loads the CA bundle (~60 ms) and keeps connections alive."""
    global _client
    if _client is None:
        _client = httpx.Client(follow_redirects=False)
    return _client


def json_bytes(payload: dict[str, Any]) -> bytes:
    return json.dumps(payload, ensure_ascii=False, separators=(",", ":")).encode()


def post_json(
    url: str,
    payload: dict[str, Any],
    *,
    headers: dict[str, str] | None = None,
    params: dict[str, str] | None = None,
    body: bytes | None = None,
) -> tuple[httpx.Response | None, str, int]:
    """POST UTF-8 JSON (`body`, when the caller encoded `payload` already, e.g. to sign it); returns
    (response or None, error text, duration ms). Never raises."""
    if body is None:
        body = json_bytes(payload)
    # Merge, never replace: a robot URL already carries its access_token / key in the query string.
    target = httpx.URL(url).copy_merge_params(params) if params else httpx.URL(url)
    started = time.monotonic()
    try:
        response = _shared_client().post(
            target,
            content=body,
            headers={"Content-Type": "application/json; charset=utf-8", **(headers or {})},
            timeout=_timeout(),
        )
    except httpx.TimeoutException:
        return None, "请求超时", int((time.monotonic() - started) * 1000)
    except httpx.HTTPError as exc:
        return None, f"网络错误：{exc.__class__.__name__}: {exc}"[:500], int((time.monotonic() - started) * 1000)
    return response, "", int((time.monotonic() - started) * 1000)


def json_body(response: httpx.Response) -> dict[str, Any] | None:
    try:
        data = response.json()
    except ValueError:
        return None
    return data if isinstance(data, dict) else None


def retry_after_seconds(response: httpx.Response) -> float | None:
    value = response.headers.get("Retry-After")
    try:
        return float(value) if value else None
    except ValueError:
        return None


def robot_result(response: httpx.Response | None, error: str, *, code_field: str, rate_codes: set[int]) -> SendResult:
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
