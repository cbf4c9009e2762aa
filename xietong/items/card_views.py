"""The platforms' callback URLs for card buttons. Nothing is done before the request is verified by the
platform's documented scheme (xietong.core.platforms.crypto): DingTalk and WeCom sign and AES-encrypt
the event, Feishu signs the body with the Encrypt Key and names its Verification Token inside. A forged,
garbled, stale or replayed callback is answered 403 and changes nothing; the person is the one the
platform names, never anything in the card's own data."""

from __future__ import annotations

import datetime as dt
import json
import re
import xml.etree.ElementTree as ET
from typing import Any

from django.conf import settings
from django.contrib.auth.decorators import login_not_required
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods

from xietong.core.platforms.crypto import CallbackRefused, MsgCrypt, feishu_open
from xietong.items.card_callbacks import card_pressed, remember_callback


def _refused(reason: str) -> HttpResponse:
    return JsonResponse({"errcode": 403, "errmsg": f"callback refused: {reason}"}, status=403)


def _instant(seconds: str) -> dt.datetime:
    value = int(seconds)
    if value > 10**11:  # DingTalk counts milliseconds
        value //= 1000
    return dt.datetime.fromtimestamp(value, tz=dt.UTC)


def _query(request: HttpRequest) -> tuple[str, str, str]:
    q = request.GET
    return q.get("msg_signature") or q.get("signature") or "", q.get("timestamp", ""), q.get("nonce", "")


@csrf_exempt
@login_not_required
@require_http_methods(["POST"])
def dingtalk_callback(request: HttpRequest) -> HttpResponse:
    signature, timestamp, nonce = _query(request)
    try:
        crypt = MsgCrypt(
            settings.XIETONG_DINGTALK_CALLBACK_TOKEN,
            settings.XIETONG_DINGTALK_CALLBACK_AES_KEY,
            settings.XIETONG_DINGTALK_APP_KEY,
        )
        encrypt = json.loads(request.body or b"{}").get("encrypt", "")
        event = json.loads(crypt.open(signature=signature, timestamp=timestamp, nonce=nonce, encrypt=encrypt))
        remember_callback("dingtalk", signature, _instant(timestamp))
    except (CallbackRefused, ValueError, AttributeError) as exc:
        return _refused(str(exc))
    if event.get("outTrackId"):
        content = json.loads(event.get("content") or "{}")
        actions = (content.get("cardPrivateData") or {}).get("actionIds") or [""]
        card_pressed(
            platform="dingtalk", card_key=event["outTrackId"], step=str(actions[0]), platform_user=str(event["userId"])
        )
    # DingTalk wants "success" back, encrypted and signed the same way (also for its check_url event).
    return JsonResponse(crypt.seal("success", timestamp=timestamp, nonce=nonce))


def _wecom_crypt() -> MsgCrypt:
    return MsgCrypt(
        settings.XIETONG_WECOM_CALLBACK_TOKEN, settings.XIETONG_WECOM_CALLBACK_AES_KEY, settings.XIETONG_WECOM_CORP_ID
    )


ENCRYPT = re.compile(r"<Encrypt><!\[CDATA\[([A-Za-z0-9+/=]+)\]\]></Encrypt>")


@csrf_exempt
@login_not_required
@require_http_methods(["GET", "POST"])
def wecom_callback(request: HttpRequest) -> HttpResponse:
    signature, timestamp, nonce = _query(request)
    try:
        crypt = _wecom_crypt()
        if request.method == "GET":  # 验证 URL 有效性: answer the decrypted echostr
            echo = crypt.open(signature=signature, timestamp=timestamp, nonce=nonce, encrypt=request.GET["echostr"])
            return HttpResponse(echo, content_type="text/plain")
        found = ENCRYPT.search(request.body.decode(errors="replace"))
        if found is None:
            raise CallbackRefused("no Encrypt")
        plain = crypt.open(signature=signature, timestamp=timestamp, nonce=nonce, encrypt=found[1])
        remember_callback("wecom", signature, _instant(timestamp))
        # Parsed only once its signature proved WeCom wrote it.
        event = {child.tag: (child.text or "") for child in ET.fromstring(plain)}  # noqa: S314
    except (CallbackRefused, ValueError, KeyError, ET.ParseError) as exc:
        return _refused(str(exc))
    if event.get("Event") == "template_card_event":
        card_pressed(
            platform="wecom",
            card_key=event.get("TaskId", ""),
            step=event.get("EventKey", ""),
            platform_user=event.get("FromUserName", ""),
        )
    return HttpResponse("", content_type="text/plain")


@csrf_exempt
@login_not_required
@require_http_methods(["POST"])
def feishu_callback(request: HttpRequest) -> HttpResponse:
    headers = {k.lower(): v for k, v in request.headers.items()}
    try:
        event = feishu_open(
            headers=headers,
            body=request.body,
            encrypt_key=settings.XIETONG_FEISHU_ENCRYPT_KEY,
            verification_token=settings.XIETONG_FEISHU_VERIFICATION_TOKEN,
        )
        if event.get("type") == "url_verification":
            return JsonResponse({"challenge": event.get("challenge", "")})
        header: dict[str, Any] = event.get("header") or {}
        remember_callback(
            "feishu", str(header.get("event_id") or ""), _instant(headers.get("x-lark-request-timestamp", ""))
        )
    except (CallbackRefused, ValueError) as exc:
        return _refused(str(exc))
    if header.get("event_type") != "card.action.trigger":
        return JsonResponse({})
    body = event.get("event") or {}
    value = (body.get("action") or {}).get("value") or {}
    outcome = card_pressed(
        platform="feishu",
        card_key=str(value.get("card") or ""),
        step=str(value.get("step") or ""),
        platform_user=str((body.get("operator") or {}).get("open_id") or ""),
    )
    return JsonResponse({"toast": {"type": "success" if outcome.ok else "error", "content": outcome.text}})
