"""Personal cards in the person's own app, through the platform clients (xietong.core.platforms):
DingTalk 互动卡片 in the chat with the app's robot (工作通知), WeCom 模板卡片 (应用消息, button_interaction),
Feishu 消息卡片 from the app's bot. Each shows the item, its due time with its rule and the buttons of the
steps the person may take; a press comes back through the platform's callback (items.card_callbacks) and
the card is then updated here to show the result.

The platforms' error codes arrive as exceptions: an expired token is refreshed once inside the client; a
rate limit is not waited out here but handed to the outbox (retry later, with its backoff); a person who is
not in the app falls back to email (the outbox writes that delivery)."""

from __future__ import annotations

import json
import logging
from typing import Any

from django.conf import settings
from django.utils.translation import gettext as _

from xietong.core.platforms import PersonNotInApp, PlatformBusy, PlatformError, platform_client
from xietong.core.platforms.dingtalk import DingTalk
from xietong.core.platforms.feishu import Feishu
from xietong.core.platforms.wecom import WeCom
from xietong.notify.cards import CardContent
from xietong.notify.channels.base import OutgoingMessage, SendResult

logger = logging.getLogger("xietong.notify")

ROUTE_KEY = "xietong-card"  # DingTalk: the callbackRouteKey the card callback URL is registered under


def configured() -> list[str]:
    """The platforms personal messages go through (XIETONG_APP_MESSAGES, e.g. "dingtalk")."""
    names = [n.strip() for n in (settings.XIETONG_APP_MESSAGES or "").split(",")]
    return [n for n in names if n in {"dingtalk", "wecom", "feishu"}]


# --- what each platform shows -----------------------------------------------------------------------------
def _lines(card: CardContent) -> list[str]:
    return [f"{label}：{value}" for label, value in card.fields]


def dingtalk_params(card: CardContent, key: str) -> dict[str, str]:
    """The card template's variables (all strings, as DingTalk's cardParamMap wants them)."""
    markdown = "\n\n".join([card.body, *[f"**{label}**：{value}" for label, value in card.fields]]).strip()
    buttons = [
        {"text": b.label, "color": "red" if b.style == "danger" else "blue", "id": b.step}
        if b.step
        else {"text": b.label, "color": "gray", "url": b.url}
        for b in card.buttons
    ]
    return {
        "title": card.title,
        "markdown": markdown,
        "buttons": "[]" if card.result else json.dumps(buttons, ensure_ascii=False),
        "result": card.result,
        "url": card.url,
        "urgent": "true" if card.urgent else "false",
        "card": key,
    }


def wecom_card(card: CardContent, key: str) -> dict[str, Any]:
    """A button_interaction template card; `key` is its task_id (how a press names the card)."""
    buttons: list[dict[str, Any]] = []
    for b in card.buttons[:6]:
        if b.step:
            buttons.append({"type": 0, "text": b.label[:10], "style": 4 if b.style == "danger" else 1, "key": b.step})
        else:
            buttons.append({"type": 1, "text": b.label[:10], "style": 2, "url": b.url})
    return {
        "card_type": "button_interaction",
        "source": {"desc": _("协同"), "desc_color": 3 if card.urgent else 0},
        "main_title": {"title": card.title[:36], "desc": card.body[:44]},
        "sub_title_text": card.body,
        "horizontal_content_list": [{"keyname": label[:5], "value": value[:30]} for label, value in card.fields[:6]],
        "card_action": {"type": 1, "url": card.url},
        "task_id": key,
        "button_list": buttons,
    }


def feishu_card(card: CardContent, key: str) -> dict[str, Any]:
    elements: list[dict[str, Any]] = []
    if card.body:
        elements.append({"tag": "div", "text": {"tag": "lark_md", "content": card.body}})
    if card.fields:
        elements.append(
            {
                "tag": "div",
                "fields": [
                    {"is_short": False, "text": {"tag": "lark_md", "content": f"**{label}**：{value}"}}
                    for label, value in card.fields
                ],
            }
        )
    actions: list[dict[str, Any]] = []
    for b in card.buttons:
        if card.result and b.step:
            continue
        button: dict[str, Any] = {
            "tag": "button",
            "text": {"tag": "plain_text", "content": b.label},
            "type": {"primary": "primary", "danger": "danger"}.get(b.style, "default"),
        }
        if b.step:
            button["value"] = {"card": key, "step": b.step}
        else:
            button["url"] = b.url
        actions.append(button)
    if card.result:
        elements.append({"tag": "note", "elements": [{"tag": "plain_text", "content": card.result}]})
    if actions:
        elements.append({"tag": "action", "actions": actions})
    return {
        "config": {"wide_screen_mode": True, "update_multi": True},
        "header": {
            "title": {"tag": "plain_text", "content": card.title},
            "template": "red" if card.urgent else ("green" if card.result else "blue"),
        },
        "elements": elements,
    }


# --- sending ----------------------------------------------------------------------------------------------
def _failure(exc: PlatformError) -> SendResult:
    if isinstance(exc, PersonNotInApp):
        return SendResult(
            False, None, _("对方不在应用可见范围内（%(code)s），改发邮件") % {"code": exc.code}, fallback=True
        )
    if isinstance(exc, PlatformBusy):
        return SendResult(False, 429, _("平台限流（%(code)s），稍后重试") % {"code": exc.code}, exc.retry_after)
    return SendResult(False, None, f"{exc}"[:500])


def _send(platform: str, user_id: str, message: OutgoingMessage) -> SendResult:
    card = message.card
    if card is None:
        return SendResult(False, None, "no card")
    try:
        client = platform_client(platform)
        if isinstance(client, DingTalk):
            api = client.cards()
            ref = api.send_card(
                user_id=user_id,
                out_track_id=message.key_for_platform,
                template_id=settings.XIETONG_DINGTALK_CARD_TEMPLATE_ID,
                route_key=ROUTE_KEY,
                params=dingtalk_params(card, message.key_for_platform),
            )
            if card.urgent:
                _quietly(lambda: api.ding(user_ids=[user_id], content=f"{card.title}\n{card.body}"[:500]))
        elif isinstance(client, WeCom):
            ref = client.send_card(
                user_id=user_id,
                agent_id=settings.XIETONG_WECOM_AGENT_ID,
                card=wecom_card(card, message.key_for_platform),
            )
        else:
            assert isinstance(client, Feishu)
            ref = client.send_card(open_id=user_id, card=feishu_card(card, message.key_for_platform), uuid=message.key)
            if card.urgent:
                _quietly(lambda: client.urgent(message_id=ref, open_ids=[user_id]))
    except PlatformError as exc:
        return _failure(exc)
    return SendResult(True, 200, response={"ref": ref})


def _quietly(call: Any) -> None:
    """DING / 加急 on top of a card that was sent: its failure must not send the card again."""
    try:
        call()
    except PlatformError:
        logger.warning("urgent reminder failed", exc_info=True)


def send_dingtalk(user_id: str, _secret: str, message: OutgoingMessage) -> SendResult:
    return _send("dingtalk", user_id, message)


def send_wecom(user_id: str, _secret: str, message: OutgoingMessage) -> SendResult:
    return _send("wecom", user_id, message)


def send_feishu(user_id: str, _secret: str, message: OutgoingMessage) -> SendResult:
    return _send("feishu", user_id, message)


def update(*, platform: str, key: str, user_id: str, message_ref: str, card: CardContent) -> None:
    """Show `card` (with its result) in place of the one sent. Raises PlatformError."""
    client = platform_client(platform)
    if isinstance(client, DingTalk):
        client.cards().update_card(out_track_id=key, params=dingtalk_params(card, key))
    elif isinstance(client, WeCom):
        client.update_card(
            user_id=user_id,
            agent_id=settings.XIETONG_WECOM_AGENT_ID,
            response_code=message_ref,
            replace_name=card.result[:40],
        )
    else:
        assert isinstance(client, Feishu)
        client.update_card(message_id=message_ref, card=feishu_card(card, key))
