"""Delivery channels: each a small module with `send(target, message) -> SendResult`."""

from __future__ import annotations

from xietong.notify.channels import app_cards, dingtalk, email, feishu, webhook, wecom
from xietong.notify.channels.base import OutgoingMessage, SendResult

SENDERS = {
    "email": email.send,
    "dingtalk": dingtalk.send,
    "feishu": feishu.send,
    "wecom": wecom.send,
    "webhook": webhook.send,
    "app_dingtalk": app_cards.send_dingtalk,
    "app_wecom": app_cards.send_wecom,
    "app_feishu": app_cards.send_feishu,
}

__all__ = ["SENDERS", "OutgoingMessage", "SendResult"]
