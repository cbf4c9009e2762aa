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
from xietong.notify.channels import SENDERS
from xietong.notify.channels.base import Mention, OutgoingMessage, SendResult
from xietong.notify.crypto import SecretUnreadable, secret_decrypt
from xietong.notify.models import Channel, ChannelKind, Delivery, DeliveryAttempt, DeliveryState

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
    target: str  # email address or webhook URL
    secret: str


def _absolute(url: str) -> str:
    if not url or url.startswith(("http://", "https://")):
        return url
    return settings.XIETONG_BASE_URL.rstrip("/") + "/" + url.lstrip("/")


def _message(delivery: Delivery) -> OutgoingMessage:
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
    )


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
        if delivery.channel_kind == ChannelKind.EMAIL:
            target = delivery.recipient.email if delivery.recipient else ""
        else:
            target = channel.url if channel else ""
        delivery.state = DeliveryState.SENDING
        delivery.attempts += 1
        delivery.lease_until = now + lease()
        delivery.save(update_fields=["state", "attempts", "lease_until"])
        attempt = DeliveryAttempt.objects.create(delivery=delivery, channel=channel, at=now)
        return Claim(delivery, attempt, _message(delivery), target, secret)


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
        elif delivery.attempts >= max_attempts():
            delivery.state = DeliveryState.FAILED
        else:
            delivery.state = DeliveryState.PENDING
            wait = backoff(delivery.attempts)
            if result.retry_after:
                wait = max(wait, dt.timedelta(seconds=result.retry_after))
            delivery.next_attempt_at = now + wait
        delivery.save(update_fields=["state", "sent_at", "last_status", "last_error", "lease_until", "next_attempt_at"])


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
