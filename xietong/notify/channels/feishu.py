"""Feishu / Lark custom bot (自定义机器人): rich "post" messages with @ mentions, signed.

Signing, as Feishu specifies: sign = base64(HmacSHA256(key=f"{timestamp}\\n{secret}", msg=b"")) with the
timestamp in seconds; both go into the JSON body.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import time

from django.utils.translation import gettext as _

from xietong.notify.channels.base import OutgoingMessage, SendResult, post_json, robot_result

RATE_LIMIT_CODES = {9499, 11232}


def sign(secret: str, timestamp_s: int) -> str:
    key = f"{timestamp_s}\n{secret}".encode()
    return base64.b64encode(hmac.new(key, b"", hashlib.sha256).digest()).decode()


def payload(message: OutgoingMessage) -> dict:
    content: list[list[dict]] = [[{"tag": "text", "text": line}] for line in message.body.splitlines() or [""]]
    if message.url:
        content.append([{"tag": "a", "text": _("查看详情"), "href": message.url}])
    mentions = [{"tag": "at", "user_id": m.feishu_id} for m in message.mentions if m.feishu_id]
    if mentions:
        content.append(mentions)
    return {"msg_type": "post", "content": {"post": {"zh_cn": {"title": message.title, "content": content}}}}


def send(channel_url: str, secret: str, message: OutgoingMessage) -> SendResult:
    body = payload(message)
    if secret:
        timestamp = int(time.time())
        body = {"timestamp": str(timestamp), "sign": sign(secret, timestamp), **body}
    response, error, _ms = post_json(channel_url, body)
    return robot_result(response, error, code_field="code", rate_codes=RATE_LIMIT_CODES)
