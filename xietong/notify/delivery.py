"""The outbox worker: claim a due delivery, send it outside any transaction, record the attempt.

1. Claim (short transaction): the oldest due pending delivery, skipping rows other workers hold; for a
   robot, lock its channel row and count the sends of the last minute — over the robot's limit, the
   delivery waits for the next free slot instead of being sent or dropped. A claim marks the delivery
   "sending" with a lease and records the attempt (which is what the rate limit counts).
2. Send over HTTP/SMTP with a timeout; never inside a transaction (SQLite would block all writers). The
   sends of a chunk run up to XIETONG_DELIVERY_CONCURRENCY at a time (threads that touch no database),
   over connections kept alive between sends.
3. Record (one short transaction for the sends of a chunk, or for those returned within RECORD_WITHIN
   while a slow one is still out): sent, or back to pending with exponential backoff, or given up after
   the last attempt into the "failed deliveries" list.
A worker killed between 1 and 3 leaves "sending" rows whose lease expires; they are sent again then, under
the same idempotency key (at most the sends in flight or returned but not yet recorded at the kill — one
chunk — reach the receiver twice).
"""

from __future__ import annotations

import contextvars
import datetime as dt
import logging
import time
from concurrent.futures import FIRST_COMPLETED, Future, ThreadPoolExecutor, wait
from contextlib import nullcontext
from dataclasses import dataclass

from django.conf import settings
from django.db import connection, transaction
from django.db.models import F, QuerySet
from django.utils import translation

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


def _due_deliveries(now: dt.datetime) -> QuerySet[Delivery]:
    """Pending deliveries whose attempt is due, in the order of the partial index delivery_pending_due
    (next_attempt_at, id WHERE state = 'pending'), the state a constant so every plan can walk it."""
    due = Delivery.objects.filter(state__const=DeliveryState.PENDING, next_attempt_at__lte=now)
    return due.order_by("next_attempt_at", "pk")


def _claim_batch(limit: int, skip: set[int]) -> list[Claim]:
    """Claim up to `limit` due deliveries in one short transaction, skipping rows other workers hold.

    Rows that must wait (a robot over its rate limit) are moved to their next free slot; rows that cannot
    be sent (channel switched off, secret unreadable) fail at once. The rest are marked "sending" with a
    lease, and their attempts are written with one bulk insert."""
    now = clock.now()
    with transaction.atomic():
        qs = _due_deliveries(now)
        if skip:
            qs = qs.exclude(pk__in=skip)
        rows = list(
            qs.select_related("notification", "recipient").select_for_update(skip_locked=True, of=("self",))[:limit]
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
        # Every claimed row gets the same change: one plain UPDATE (not a CASE per row).
        lease_until = now + lease()
        for delivery, _channel, _t, _s in claimed:
            delivery.state = DeliveryState.SENDING
            delivery.attempts += 1
            delivery.lease_until = lease_until
        if claimed:
            Delivery.objects.filter(pk__in=[c[0].pk for c in claimed]).update(
                state=DeliveryState.SENDING, attempts=F("attempts") + 1, lease_until=lease_until
            )
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
    """Record one send at once (see _record_sends)."""
    _record_sends([(claim, result, duration_ms)])


def _outcome(claim: Claim, result: SendResult, now: dt.datetime) -> tuple[str, dt.datetime | None, dt.datetime | None]:
    """(state, sent_at, next_attempt_at) after this send: sent, given up, or pending again after a backoff."""
    if result.ok:
        return DeliveryState.SENT, now, None
    if result.fallback or claim.delivery.attempts >= max_attempts():
        return DeliveryState.FAILED, None, None
    wait = backoff(claim.delivery.attempts)
    if result.retry_after:
        wait = max(wait, dt.timedelta(seconds=result.retry_after))
    return DeliveryState.PENDING, None, now + wait


def _record_sends(sends: list[tuple[Claim, SendResult, int]]) -> None:
    """Record the sends that returned, in one short transaction: on PostgreSQL one UPDATE for their attempts
    and one for their deliveries (joined to arrays), whatever their number; elsewhere one statement a row.

    A delivery is updated only while the lease is still ours (state "sending", the attempt count we claimed
    it with): when it expired another worker took over, and its record wins. A worker killed later offers
    again only what was in flight, never what it had already recorded."""
    now = clock.now()
    attempts = [(c.attempt.pk, r.ok, r.status_code, r.error[:2000], ms) for c, r, ms in sends]
    deliveries = [
        (c.delivery.pk, c.delivery.attempts, *_outcome(c, r, now), r.status_code, r.error[:2000]) for c, r, _ms in sends
    ]
    with transaction.atomic():
        if connection.vendor == "postgresql":
            mine = _record_pg(attempts, deliveries)
        else:
            mine = set()
            for pk, ok, status, error, ms in attempts:
                DeliveryAttempt.objects.filter(pk=pk).update(ok=ok, status_code=status, error=error, duration_ms=ms)
            for pk, claimed, state, sent_at, next_at, status, error in deliveries:
                fields: dict = {"state": state, "last_status": status, "last_error": error, "lease_until": None}
                if sent_at is not None:
                    fields["sent_at"] = sent_at
                if next_at is not None:
                    fields["next_attempt_at"] = next_at
                if Delivery.objects.filter(pk=pk, state=DeliveryState.SENDING, attempts=claimed).update(**fields):
                    mine.add(pk)
        for claim, result, _ms in sends:
            if claim.delivery.pk not in mine:
                continue
            if result.ok and claim.delivery.channel_kind in APP_KINDS and isinstance(result.response, dict):
                AppCard.objects.filter(delivery=claim.delivery).update(
                    message_ref=str(result.response.get("ref") or ""), state=CardState.OPEN, updated_at=now
                )
            if result.fallback:
                _email_instead(claim.delivery, now)


def _record_pg(attempts: list[tuple], deliveries: list[tuple]) -> set[int]:
    """Both updates of _record_sends as two statements; returns the deliveries whose lease was still ours."""
    with connection.cursor() as cursor:
        cursor.execute(
            "UPDATE notify_deliveryattempt AS a SET ok = v.ok, status_code = v.status, error = v.error, duration_ms = v.ms"
            " FROM unnest(%s::bigint[], %s::boolean[], %s::integer[], %s::text[], %s::integer[])"
            " AS v(id, ok, status, error, ms) WHERE a.id = v.id",
            [list(column) for column in zip(*attempts, strict=True)],
        )
        cursor.execute(
            "UPDATE notify_delivery AS d SET state = v.state, last_status = v.status, last_error = v.error,"
            " lease_until = NULL, sent_at = COALESCE(v.sent_at, d.sent_at),"
            " next_attempt_at = COALESCE(v.next_at, d.next_attempt_at)"
            " FROM unnest(%s::bigint[], %s::integer[], %s::varchar[], %s::timestamptz[], %s::timestamptz[],"
            " %s::integer[], %s::text[]) AS v(id, attempts, state, sent_at, next_at, status, error)"
            " WHERE d.id = v.id AND d.state = 'sending' AND d.attempts = v.attempts RETURNING d.id",
            [list(column) for column in zip(*deliveries, strict=True)],
        )
        return {row[0] for row in cursor.fetchall()}


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


def concurrency() -> int:
    return max(1, settings.XIETONG_DELIVERY_CONCURRENCY)


_pool: ThreadPoolExecutor | None = None


def _executor(width: int) -> ThreadPoolExecutor:
    """One pool of sending threads per process, kept between chunks (threads start once)."""
    global _pool
    if _pool is None or _pool._max_workers != width:
        if _pool is not None:
            _pool.shutdown(wait=False)
        _pool = ThreadPoolExecutor(max_workers=width, thread_name_prefix="outbox-send")
    return _pool


def _send(claim: Claim, language: str | None = None) -> tuple[SendResult, int]:
    """The send alone, touching no database (it runs in the pool's threads); never raises."""
    sender = SENDERS[claim.delivery.channel_kind]
    started = time.monotonic()
    if not claim.target:
        result = SendResult(False, None, "没有可用的收件地址")
    else:
        try:
            with translation.override(language) if language else nullcontext():
                result = sender(claim.target, claim.secret, claim.message)
        except Exception as exc:  # a broken channel must never crash the worker
            logger.exception("channel %s crashed", claim.delivery.channel_kind)
            result = SendResult(False, None, f"发送程序异常：{exc.__class__.__name__}: {exc}"[:500])
    return result, int((time.monotonic() - started) * 1000)


def delivery_send(claim: Claim) -> SendResult:
    result, duration_ms = _send(claim)
    _record(claim, result, duration_ms)
    return result


RECORD_WITHIN = 0.1  # seconds a returned send may wait to be recorded with the ones returning after it


def _send_chunk(claims: list[Claim]) -> tuple[int, bool]:
    """Send a claimed chunk, up to concurrency() at a time, and record the sends that returned together, in
    one transaction: when the chunk is done, or when the first of them has waited RECORD_WITHIN (a slow
    receiver never holds the record of the fast ones). A chunk running past half its lease starts no more
    sends and hands the rest back. Returns (sends made, whether the rest was handed back)."""
    deadline = time.monotonic() + lease().total_seconds() / 2
    width = min(concurrency(), len(claims))
    if width == 1:
        for index, claim in enumerate(claims):
            if time.monotonic() > deadline:
                _release(claims[index:])
                return index, True
            delivery_send(claim)
        return len(claims), False
    pool = _executor(concurrency())
    language = translation.get_language()
    in_flight: dict[Future, Claim] = {}
    returned: list[tuple[Claim, SendResult, int]] = []
    record_by = 0.0  # when the oldest returned send must be recorded
    made, start, handed_back = 0, 0, False
    while True:
        while start < len(claims) and len(in_flight) < width and not handed_back:
            if time.monotonic() > deadline:
                _release(claims[start:])
                handed_back = True
                break
            claim = claims[start]
            start += 1
            in_flight[pool.submit(contextvars.copy_context().run, _send, claim, language)] = claim
        if not in_flight:
            if returned:
                _record_sends(returned)
            return made, handed_back
        timeout = max(0.0, record_by - time.monotonic()) if returned else None
        done, _pending = wait(in_flight, timeout=timeout, return_when=FIRST_COMPLETED)
        if done and not returned:
            record_by = time.monotonic() + RECORD_WITHIN
        returned.extend((in_flight.pop(future), *future.result()) for future in done)
        made += len(done)
        if returned and (time.monotonic() >= record_by or (not in_flight and start >= len(claims))):
            _record_sends(returned)
            returned = []


def outbox_deliver_due(batch_size: int = 50) -> int:
    """Send up to `batch_size` due deliveries; returns how many attempts were made.

    Deliveries are claimed up to CLAIM_CHUNK per transaction and sent outside any transaction, up to
    XIETONG_DELIVERY_CONCURRENCY at a time over kept-alive connections; the sends that returned are
    recorded together as soon as they return. A chunk that runs past half its lease (slow receivers) hands
    the rest back rather than let another worker send them too."""
    now = clock.now()
    # Leases of killed workers: put those deliveries back in the queue. The states are constants in the SQL
    # (`__const`, xietong/core/lookups.py) so that a prepared statement's generic plan can use the partial
    # indexes delivery_sending_lease and delivery_pending_due, as the clock sweep does (issue 18).
    Delivery.objects.filter(state__const=DeliveryState.SENDING, lease_until__lt=now).update(
        state=DeliveryState.PENDING, next_attempt_at=now, lease_until=None
    )
    if _due_deliveries(now).values_list("pk", flat=True).first() is None:
        return 0  # idle: one index probe, no claim transaction
    handled = 0
    skip: set[int] = set()
    while handled < batch_size:
        seen = len(skip)
        claims = _claim_batch(min(CLAIM_CHUNK, batch_size - handled), skip)
        if not claims:
            if len(skip) == seen:
                break  # nothing due
            continue  # every row of the chunk had to wait or failed: try the next ones
        made, handed_back = _send_chunk(claims)
        handled += made
        if handed_back:
            return handled
    return handled
