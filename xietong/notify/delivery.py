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
import time
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
from xietong.org.models import Person

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


def _message(delivery: Delivery, people: list[Person], card: CardContent | None = None) -> OutgoingMessage:
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
        for p in people
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


CLAIM_CHUNK = 50  # deliveries claimed in one transaction


def _claim_batch(limit: int, skip: set[int]) -> list[Claim]:
    """Claim up to `limit` due deliveries in one short transaction, skipping rows other workers hold.

    Rows that must wait (a robot over its rate limit) are moved to their next free slot; rows that cannot
    be sent (channel switched off, secret unreadable) fail at once. The rest are marked "sending" with a
    lease, and their attempts are written with one bulk insert."""
    now = clock.now()
    with transaction.atomic():
        qs = Delivery.objects.filter(state=DeliveryState.PENDING, next_attempt_at__lte=now)
        if skip:
            qs = qs.exclude(pk__in=skip)
        rows = list(
            qs.order_by("next_attempt_at", "pk")
            .select_related("notification", "recipient")
            .select_for_update(skip_locked=True, of=("self",))[:limit]
        )
        if not rows:
            return []
        # Channels locked in id order (no deadlock between workers): the rate window is counted once.
        channel_ids = sorted({d.channel_id for d in rows if d.channel_id is not None})
        channels = {c.pk: c for c in Channel.objects.filter(pk__in=channel_ids).order_by("pk").select_for_update()}
        windows = {
            pk: list(
                DeliveryAttempt.objects.filter(channel_id=pk, at__gt=now - RATE_WINDOW)
                .order_by("at")
                .values_list("at", flat=True)
            )
            for pk, channel in channels.items()
            if channel.rate_per_minute and channel.is_active
        }
        secrets: dict[int, str | SecretUnreadable] = {}
        for pk, locked in channels.items():
            try:
                secrets[pk] = secret_decrypt(locked.secret_encrypted)
            except SecretUnreadable as exc:
                secrets[pk] = exc
        mentions: dict[int, list[Person]] = {}
        through = Delivery.mentions.through
        for link in (
            through.objects.filter(delivery_id__in=[d.pk for d in rows]).select_related("person").order_by("person_id")
        ):
            mentions.setdefault(link.delivery_id, []).append(link.person)

        postponed: list[Delivery] = []
        failed: list[Delivery] = []
        claimed: list[tuple[Delivery, Channel | None, str, str]] = []
        for delivery in rows:
            channel = channels.get(delivery.channel_id) if delivery.channel_id is not None else None
            if channel is not None and not channel.is_active:
                delivery.state, delivery.last_error = DeliveryState.FAILED, "推送渠道已停用"
                failed.append(delivery)
                continue
            secret = secrets.get(channel.pk, "") if channel else ""
            if isinstance(secret, SecretUnreadable):
                delivery.state, delivery.last_error = DeliveryState.FAILED, str(secret)
                failed.append(delivery)
                continue
            if channel is not None and channel.rate_per_minute:  # 0: no limit (own webhooks)
                window = windows[channel.pk]
                if len(window) >= channel.rate_per_minute:
                    oldest = window[len(window) - channel.rate_per_minute]
                    delivery.next_attempt_at = oldest + RATE_WINDOW + dt.timedelta(milliseconds=10)
                    postponed.append(delivery)
                    continue
                window.append(now)
            claimed.append((delivery, channel, _target(delivery, channel), secret))

        Delivery.objects.bulk_update(failed, ["state", "last_error"])
        Delivery.objects.bulk_update(postponed, ["next_attempt_at"])
        for delivery, _channel, _t, _s in claimed:
            delivery.state = DeliveryState.SENDING
            delivery.attempts += 1
            delivery.lease_until = now + lease()
        Delivery.objects.bulk_update([c[0] for c in claimed], ["state", "attempts", "lease_until"])
        attempts = DeliveryAttempt.objects.bulk_create(
            [DeliveryAttempt(delivery=delivery, channel=channel, at=now) for delivery, channel, _t, _s in claimed]
        )
        claims = []
        for (delivery, _channel, target, secret), attempt in zip(claimed, attempts, strict=True):
            card = _card(delivery, target) if delivery.channel_kind in APP_KINDS and target else None
            claims.append(
                Claim(delivery, attempt, _message(delivery, mentions.get(delivery.pk, []), card), target, secret)
            )
        skip.update(d.pk for d in rows)
        return claims


def _target(delivery: Delivery, channel: Channel | None) -> str:
    """Where the message goes: the person's email, their user id on the platform, or the robot's URL."""
    if delivery.channel_kind == ChannelKind.EMAIL:
        return delivery.recipient.email if delivery.recipient else delivery.address
    if delivery.channel_kind in APP_KINDS:
        id_field = APP_KINDS[ChannelKind(delivery.channel_kind)][1]
        return getattr(delivery.recipient, id_field, "") if delivery.recipient else ""
    return channel.url if channel else ""


def _record(claim: Claim, result: SendResult, duration_ms: int) -> None:
    """Record one send at once (two updates, no read): a worker killed later offers again only what was in
    flight, never what it had already sent."""
    now = clock.now()
    fields: dict = {"last_status": result.status_code, "last_error": result.error[:2000], "lease_until": None}
    if result.ok:
        fields.update(state=DeliveryState.SENT, sent_at=now)
    elif result.fallback or claim.delivery.attempts >= max_attempts():
        fields.update(state=DeliveryState.FAILED)
    else:
        wait = backoff(claim.delivery.attempts)
        if result.retry_after:
            wait = max(wait, dt.timedelta(seconds=result.retry_after))
        fields.update(state=DeliveryState.PENDING, next_attempt_at=now + wait)
    with transaction.atomic():
        DeliveryAttempt.objects.filter(pk=claim.attempt.pk).update(
            ok=result.ok, status_code=result.status_code, error=result.error[:2000], duration_ms=duration_ms
        )
        # Only while the lease is still ours: when it expired another worker took over, and its record wins.
        mine = Delivery.objects.filter(
            pk=claim.delivery.pk, state=DeliveryState.SENDING, attempts=claim.delivery.attempts
        ).update(**fields)
        if not mine:
            return
        if result.ok and claim.delivery.channel_kind in APP_KINDS and isinstance(result.response, dict):
            AppCard.objects.filter(delivery=claim.delivery).update(
                message_ref=str(result.response.get("ref") or ""), state=CardState.OPEN, updated_at=now
            )
        if result.fallback:
            _email_instead(claim.delivery, now)


def _release(claims: list[Claim]) -> None:
    """Hand back claims not sent yet (the batch ran long): pending again, as if never claimed."""
    with transaction.atomic():
        for claim in claims:
            Delivery.objects.filter(
                pk=claim.delivery.pk, state=DeliveryState.SENDING, attempts=claim.delivery.attempts
            ).update(state=DeliveryState.PENDING, attempts=claim.delivery.attempts - 1, lease_until=None)
        DeliveryAttempt.objects.filter(pk__in=[c.attempt.pk for c in claims]).delete()


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
    """Send up to `batch_size` due deliveries; returns how many attempts were made.

    Deliveries are claimed up to CLAIM_CHUNK per transaction, sent one after the other outside any
    transaction, and each send is recorded as soon as it returns. A chunk that runs past half its lease
    (slow receivers) hands the rest back rather than let another worker send them too."""
    now = clock.now()
    # Leases of killed workers: put those deliveries back in the queue.
    Delivery.objects.filter(state=DeliveryState.SENDING, lease_until__lt=now).update(
        state=DeliveryState.PENDING, next_attempt_at=now, lease_until=None
    )
    handled = 0
    skip: set[int] = set()
    while handled < batch_size:
        seen = len(skip)
        claims = _claim_batch(min(CLAIM_CHUNK, batch_size - handled), skip)
        if not claims:
            if len(skip) == seen:
                break  # nothing due
            continue  # every row of the chunk had to wait or failed: try the next ones
        started = time.monotonic()
        for index, claim in enumerate(claims):
            if time.monotonic() - started > lease().total_seconds() / 2:
                _release(claims[index:])
                return handled
            delivery_send(claim)
            handled += 1
    return handled
