"""A generic signed webhook for other systems: JSON body, HMAC-SHA256 over "timestamp.body".

Headers: X-Xietong-Delivery (idempotency key: the same for every retry of one message),
X-Xietong-Timestamp (seconds), X-Xietong-Signature: sha256=<hex hmac(secret, f"{timestamp}.{body}")>.
"""

from __future__ import annotations

import hashlib
import hmac
import time

from xietong.notify.channels.base import OutgoingMessage, SendResult, json_bytes, post_json, retry_after_seconds


def payload(message: OutgoingMessage) -> dict:
    return {
        "id": message.key,
        "kind": message.kind,
        "urgency": message.urgency,
        "title": message.title,
        "body": message.body,
        "url": message.url,
        "subject": {"type": message.subject_type, "id": message.subject_id},
        "mentions": [
            {"username": m.username, "name": m.name, "email": m.email, "mobile": m.mobile} for m in message.mentions
        ],
        "created_at": message.created_at,
    }


def signature(secret: str, timestamp: int, body: bytes) -> str:
    return "sha256=" + hmac.new(secret.encode(), f"{timestamp}.".encode() + body, hashlib.sha256).hexdigest()


def send(channel_url: str, secret: str, message: OutgoingMessage) -> SendResult:
    data = payload(message)
    body = json_bytes(data)
    timestamp = int(time.time())
    headers = {
        "X-Xietong-Delivery": message.key,
        "X-Xietong-Timestamp": str(timestamp),
        "X-Xietong-Event": message.kind,
    }
    if secret:
        headers["X-Xietong-Signature"] = signature(secret, timestamp, body)
    response, error, _ms = post_json(channel_url, data, headers=headers, body=body)
    if response is None:
        return SendResult(False, None, error)
    if response.status_code == 429:
        return SendResult(False, 429, "对方限流（HTTP 429）", retry_after_seconds(response) or 60)
    if 200 <= response.status_code < 300:
        return SendResult(True, response.status_code)
    return SendResult(False, response.status_code, f"HTTP {response.status_code}: {response.text[:300]}")
