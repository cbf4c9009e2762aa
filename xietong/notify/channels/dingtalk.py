"""DingTalk custom robot (自定义机器人): markdown with @mobile mentions, HmacSHA256 signing.

Signing, as DingTalk specifies: sign = urlencode(base64(HmacSHA256(key=secret, msg=f"{timestamp}\\n{secret}")))
with timestamp in milliseconds, both appended to the webhook URL as query parameters.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import time

from django.utils.translation import gettext as _

from xietong.notify.channels.base import OutgoingMessage, SendResult, post_json, robot_result

RATE_LIMIT_CODES = {130101, 130102}  # "send too fast"


def sign(secret: str, timestamp_ms: int) -> str:
    string_to_sign = f"{timestamp_ms}\n{secret}".encode()
    digest = hmac.new(secret.encode(), string_to_sign, hashlib.sha256).digest()
    return base64.b64encode(digest).decode()  # post_json url-encodes query parameters


def payload(message: OutgoingMessage) -> dict:
    mobiles = [m.mobile for m in message.mentions if m.mobile]
    user_ids = [m.dingtalk_id for m in message.mentions if m.dingtalk_id and not m.mobile]
    lines = [f"#### {message.title}", "", message.body]
    if message.url:
        link = _("查看详情")
        lines += ["", f"[{link}]({message.url})"]
    if mobiles or user_ids:
        lines += ["", " ".join([f"@{m}" for m in mobiles] + [f"@{u}" for u in user_ids])]
    return {
        "msgtype": "markdown",
        "markdown": {"title": message.title[:64], "text": "\n".join(lines)},
        "at": {"atMobiles": mobiles, "atUserIds": user_ids, "isAtAll": False},
    }


def send(channel_url: str, secret: str, message: OutgoingMessage) -> SendResult:
    params = {}
    if secret:
        timestamp = int(time.time() * 1000)
        params = {"timestamp": str(timestamp), "sign": sign(secret, timestamp)}
    response, error, _ms = post_json(channel_url, payload(message), params=params)
    return robot_result(response, error, code_field="errcode", rate_codes=RATE_LIMIT_CODES)
