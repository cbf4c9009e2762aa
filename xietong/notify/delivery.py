"""The outbox worker: claim a due delivery, send it outside any transaction, record the attempt.

1. Claim (short transaction): the oldest due pending delivery, skipping rows other workers hold; for a
   robot, lock its channel row and count the sends of the last minute — over the robot's limit, the
   delivery waits for the next free slot instead of being sent or dropped. A claim marks the delivery
   "sending" with a lease and records the attempt (which is what the rate limit counts).
2. Send over HTTP/SMTP with a timeout; never inside a transaction (SQLite would block all writers).
3. Record (short transaction): sent, or back to pending with exponential backoff, or given up after
   the last attempt into the "failed deliveries" list.
A worker killed between 1 and 3 leaves a "sending" row whose lease expires; it is sent again then.
"""

from __future__ import annotations

import datetime as dt
import logging
from dataclasses import dataclass

from django.conf import settings
from django.db import transaction

from xietong.core import clock
from xietong.notify.cards import CardContent, card_for
from xietong.notify.channels import SENDERS
from xietong.notify.channels.base import Mention, OutgoingMessage, SendResult
from xietong.notify.crypto import SecretUnreadable, secret_decrypt
from xietong.notify.models import (
    APP_KINDS,
    AppCard,
    CardState,
    Channel,
    ChannelKind,
    Delivery,
    DeliveryAttempt,
    DeliveryState,
)

logger = logging.getLogger("xietong.notify")

RATE_WINDOW = dt.timedelta(minutes=1)


def max_attempts() -> int:
    return settings.XIETONG_DELIVERY_MAX_ATTEMPTS


def lease() -> dt.timedelta:
    return dt.timedelta(seconds=settings.XIETONG_DELIVERY_LEASE_SECONDS)


def backoff(attempts: int) -> dt.timedelta:
    """1, 2, 4, 8, 16 … minutes (capped at 2 hours) after the n-th failed attempt."""
    base = settings.XIETONG_DELIVERY_BACKOFF_SECONDS
    return dt.timedelta(seconds=min(base * (2 ** max(0, attempts - 1)), 7200))


@dataclass
class Claim:
    delivery: Delivery
    attempt: DeliveryAttempt
    message: OutgoingMessage
    target: str  # email address, webhook URL or the person's user id on the platform
    secret: str


def _absolute(url: str) -> str:
    if not url or url.startswith(("http://", "https://")):
        return url
    return settings.XIETONG_BASE_URL.rstrip("/") + "/" + url.lstrip("/")


def _message(delivery: Delivery, card: CardContent | None = None) -> OutgoingMessage:
    notification = delivery.notification
    mentions = tuple(
        Mention(
            name=p.display_name,
            mobile=p.phone,
            dingtalk_id=p.dingtalk_id,
            feishu_id=p.feishu_id,
            wecom_id=p.wecom_id,
            email=p.email,
            username=p.username,
        )
        for p in delivery.mentions.all().order_by("pk")
    )
    return OutgoingMessage(
        key=delivery.idempotency_key,
        kind=notification.kind,
        urgency=notification.urgency,
        title=notification.title,
        body=notification.body,
        url=_absolute(notification.url),
        created_at=notification.created_at.isoformat(),
        subject_type=notification.subject_type,
        subject_id=notification.subject_id,
        mentions=mentions,
        card=card,
    )


def _card(delivery: Delivery, user_id: str) -> CardContent:
    """The card of a personal app message, made when it is first sent (the buttons are the steps the
    person may take then) and kept: a retry sends the same card under the same key."""
    existing = AppCard.objects.filter(delivery=delivery).first()
    if existing is not None:
        return CardContent.from_json(existing.content)
    notification, person = delivery.notification, delivery.recipient
    assert person is not None  # a personal message always has its recipient
    card = card_for(notification, person, _absolute(notification.url))
    AppCard.objects.create(
        delivery=delivery,
        platform=APP_KINDS[ChannelKind(delivery.channel_kind)][0],
        key=delivery.idempotency_key.replace(":", "-"),
        recipient=person,
        platform_user=user_id,
        subject_type=notification.subject_type,
        subject_id=notification.subject_id,
        steps=card.steps,
        content=card.as_json(),
        created_at=clock.now(),
        updated_at=clock.now(),
    )
    return card


def _claim(skip: set[int]) -> Claim | bool | None:
    """Claim one due delivery. Returns a Claim, None when nothing is due, or False when the row found
    had to wait (rate limit, unreadable secret) — the caller simply tries the next one."""
    now = clock.now()
    with transaction.atomic():
        qs = Delivery.objects.filter(state=DeliveryState.PENDING, next_attempt_at__lte=now)
        if skip:
            qs = qs.exclude(pk__in=skip)
        delivery = (
            qs.order_by("next_attempt_at", "pk")
            .select_related("notification", "recipient")
            .select_for_update(skip_locked=True, of=("self",))
            .first()
        )
        if delivery is None:
            return None
        channel = None
        if delivery.channel_id is not None:
            channel = Channel.objects.select_for_update().get(pk=delivery.channel_id)
            if not channel.is_active:
                delivery.state = DeliveryState.FAILED
                delivery.last_error = "推送渠道已停用"
                delivery.save(update_fields=["state", "last_error"])
                return False
            window = DeliveryAttempt.objects.filter(channel=channel, at__gt=now - RATE_WINDOW).order_by("at")
            used = window.count() if channel.rate_per_minute else 0  # 0: no limit (own webhooks)
            if channel.rate_per_minute and used >= channel.rate_per_minute:
                oldest = window.values_list("at", flat=True)[used - channel.rate_per_minute]
                delivery.next_attempt_at = oldest + RATE_WINDOW + dt.timedelta(milliseconds=10)
                delivery.save(update_fields=["next_attempt_at"])
                return False
        try:
            secret = secret_decrypt(channel.secret_encrypted) if channel else ""
        except SecretUnreadable as exc:
            delivery.state = DeliveryState.FAILED
            delivery.last_error = str(exc)
            delivery.save(update_fields=["state", "last_error"])
            return False
        card = None
        if delivery.channel_kind == ChannelKind.EMAIL:
            target = delivery.recipient.email if delivery.recipient else ""
        elif delivery.channel_kind in APP_KINDS:
            id_field = APP_KINDS[ChannelKind(delivery.channel_kind)][1]
            target = getattr(delivery.recipient, id_field, "") if delivery.recipient else ""
            card = _card(delivery, target) if target else None
        else:
            target = channel.url if channel else ""
        delivery.state = DeliveryState.SENDING
        delivery.attempts += 1
        delivery.lease_until = now + lease()
        delivery.save(update_fields=["state", "attempts", "lease_until"])
        attempt = DeliveryAttempt.objects.create(delivery=delivery, channel=channel, at=now)
        return Claim(delivery, attempt, _message(delivery, card), target, secret)


def _record(claim: Claim, result: SendResult, duration_ms: int) -> None:
    now = clock.now()
    with transaction.atomic():
        delivery = Delivery.objects.select_for_update().get(pk=claim.delivery.pk)
        DeliveryAttempt.objects.filter(pk=claim.attempt.pk).update(
            ok=result.ok, status_code=result.status_code, error=result.error[:2000], duration_ms=duration_ms
        )
        if delivery.state != DeliveryState.SENDING or delivery.attempts != claim.delivery.attempts:
            return  # the lease expired and another worker took over: its record wins
        delivery.last_status = result.status_code
        delivery.last_error = result.error[:2000]
        delivery.lease_until = None
        if result.ok:
            delivery.state = DeliveryState.SENT
            delivery.sent_at = now
            if delivery.channel_kind in APP_KINDS and isinstance(result.response, dict):
                AppCard.objects.filter(delivery=delivery).update(
                    message_ref=str(result.response.get("ref") or ""), state=CardState.OPEN, updated_at=now
                )
        elif result.fallback:
            delivery.state = DeliveryState.FAILED
            _email_instead(delivery, now)
        elif delivery.attempts >= max_attempts():
            delivery.state = DeliveryState.FAILED
        else:
            delivery.state = DeliveryState.PENDING
            wait = backoff(delivery.attempts)
            if result.retry_after:
                wait = max(wait, dt.timedelta(seconds=result.retry_after))
            delivery.next_attempt_at = now + wait
        delivery.save(update_fields=["state", "sent_at", "last_status", "last_error", "lease_until", "next_attempt_at"])


def _email_instead(delivery: Delivery, now) -> None:
    """The person is not in the app: the message goes to their email, once, unless it already does."""
    person = delivery.recipient
    if person is None or not person.email:
        return
    if Delivery.objects.filter(
        notification_id=delivery.notification_id, recipient=person, channel_kind=ChannelKind.EMAIL
    ).exists():
        return
    Delivery.objects.get_or_create(
        idempotency_key=f"{delivery.idempotency_key}:email",
        defaults={
            "notification_id": delivery.notification_id,
            "channel_kind": ChannelKind.EMAIL,
            "recipient": person,
            "next_attempt_at": now,
            "created_at": now,
        },
    )


def delivery_send(claim: Claim) -> SendResult:
    import time

    sender = SENDERS[claim.delivery.channel_kind]
    started = time.monotonic()
    if not claim.target:
        result = SendResult(False, None, "没有可用的收件地址")
    else:
        try:
            result = sender(claim.target, claim.secret, claim.message)
        except Exception as exc:  # a broken channel must never crash the worker
            logger.exception("channel %s crashed", claim.delivery.channel_kind)
            result = SendResult(False, None, f"发送程序异常：{exc.__class__.__name__}: {exc}"[:500])
    _record(claim, result, int((time.monotonic() - started) * 1000))
    return result


def outbox_deliver_due(batch_size: int = 50) -> int:
    """Send up to `batch_size` due deliveries; returns how many attempts were made."""
    now = clock.now()
    # Leases of killed workers: put those deliveries back in the queue.
    Delivery.objects.filter(state=DeliveryState.SENDING, lease_until__lt=now).update(
        state=DeliveryState.PENDING, next_attempt_at=now, lease_until=None
    )
    handled = 0
    skip: set[int] = set()
    while handled < batch_size:
        claim = _claim(skip)
        if claim is None:
            break
        if claim is False:
            continue
        assert isinstance(claim, Claim)
        skip.add(claim.delivery.pk)
        delivery_send(claim)
        handled += 1
    return handled
