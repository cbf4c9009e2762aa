"""WeCom (企业微信) group robot: markdown (at most 4096 bytes of UTF-8) with <@userid> mentions.

WeCom robots are not signed; the webhook URL's key is the secret.
"""

from __future__ import annotations

from django.utils.translation import gettext as _

from xietong.notify.channels.base import OutgoingMessage, SendResult, post_json, robot_result

MAX_BYTES = 4096
RATE_LIMIT_CODES = {45009}


def _fit(text: str, limit: int) -> str:
    encoded = text.encode()
    if len(encoded) <= limit:
        return text
    cut = encoded[: limit - len("…".encode())]
    return cut.decode(errors="ignore") + "…"


def payload(message: OutgoingMessage) -> dict:
    mentions = " ".join(f"<@{m.wecom_id}>" for m in message.mentions if m.wecom_id)
    tail = ""
    if message.url:
        link = _("查看详情")
        tail += f"\n[{link}]({message.url})"
    if mentions:
        tail += f"\n{mentions}"
    head = f"**{message.title}**\n"
    room = MAX_BYTES - len(head.encode()) - len(tail.encode())
    return {"msgtype": "markdown", "markdown": {"content": head + _fit(message.body, max(room, 0)) + tail}}


def send(channel_url: str, secret: str, message: OutgoingMessage) -> SendResult:
    response, error, _ms = post_json(channel_url, payload(message))
    return robot_result(response, error, code_field="errcode", rate_codes=RATE_LIMIT_CODES)
