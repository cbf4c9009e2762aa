"""The outbox with real worker processes on PostgreSQL: a worker killed mid-delivery loses nothing, and
after restart every message is delivered, each confirmed exactly once."""

import os
import signal
import threading
from collections import Counter

import pytest
from django.db import transaction

from tests.workers import start_worker, stop, wait_until
from xietong.notify.delivery import CLAIM_CHUNK
from xietong.notify.models import Channel, Delivery, DeliveryAttempt
from xietong.notify.services import channel_save, notify

pytestmark = [pytest.mark.postgres_only, pytest.mark.slow, pytest.mark.django_db(transaction=True)]
COUNT_OUTBOX = int(os.environ.get("XIETONG_TEST_OUTBOX_COUNT", "10000"))


def test_worker_killed_between_commit_and_delivery_loses_nothing(company, receiver, tmp_path, monkeypatch):
    monkeypatch.setenv("XIETONG_DELIVERY_LEASE_SECONDS", "3")
    monkeypatch.setenv("XIETONG_WEBHOOK_TIMEOUT_SECONDS", "30")
    # One send at a time: the one in flight at the kill is the only one offered twice. (With N side by side,
    # at most the N in flight are; test_outbox_batches shows the sends of a chunk in flight together.)
    monkeypatch.setenv("XIETONG_DELIVERY_CONCURRENCY", "1")
    admin = company.person("admin")
    with transaction.atomic():
        channel_save(
            actor=admin,
            channel=Channel(
                kind="webhook", name="集成", url=f"{receiver.base_url}/hook", rate_per_minute=0, quiet_hours=False
            ),
            secret="k",
        )
    with transaction.atomic():
        for i in range(50):
            notify(recipients=[company.person("fengjing")], kind="escalation", title=f"消息 {i:02d}", urgency="urgent")
    keys = set(Delivery.objects.filter(channel__isnull=False).values_list("idempotency_key", flat=True))
    assert len(keys) == 50

    receiver.script.hold = threading.Event()  # the first request hangs until released
    log = tmp_path / "worker.log"
    victim = start_worker("--only", "outbox", log=log)
    wait_until(lambda: len(receiver.requests) == 1, timeout=60, what="the first delivery in flight")
    victim.send_signal(signal.SIGKILL)
    victim.wait(timeout=30)
    receiver.script.hold.set()
    # The worker claimed a whole chunk (webhooks and emails) in one transaction and died sending the first
    # webhook: no webhook confirmed, the rest of the chunk held under the lease until it runs out.
    claimed = Delivery.objects.filter(state__in=["sending", "sent"]).count()
    assert claimed == CLAIM_CHUNK
    assert not Delivery.objects.filter(channel__isnull=False, state="sent").exists()

    survivor = start_worker("--only", "outbox", log=log)
    try:
        wait_until(
            lambda: Delivery.objects.filter(channel__isnull=False, state="sent").count() == 50,
            timeout=120,
            what="all 50 webhook deliveries sent",
        )
    finally:
        stop(survivor)

    received = Counter(r.headers["X-Xietong-Delivery"] for r in receiver.requests)
    assert set(received) == keys  # nothing lost
    in_flight = receiver.requests[0].headers["X-Xietong-Delivery"]
    # Every message arrived once; only the one in flight at the kill was offered twice, with the same
    # idempotency key so that the receiver can tell.
    assert all(count == 1 for key, count in received.items() if key != in_flight)
    assert received[in_flight] == 2
    # The system confirmed each delivery exactly once.
    ok = Counter(DeliveryAttempt.objects.filter(ok=True, channel__isnull=False).values_list("delivery_id", flat=True))
    assert len(ok) == 50 and set(ok.values()) == {1}


def test_four_workers_deliver_ten_thousand_messages_exactly_once(company, receiver, tmp_path):
    from xietong.notify.models import Notification

    admin = company.person("admin")
    with transaction.atomic():
        channel = channel_save(
            actor=admin,
            channel=Channel(
                kind="webhook", name="集成", url=f"{receiver.base_url}/hook", rate_per_minute=0, quiet_hours=False
            ),
            secret="k",
        )
    notifications = Notification.objects.bulk_create(
        [Notification(kind="info", urgency="urgent", title=f"消息 {i:05d}") for i in range(COUNT_OUTBOX)],
        batch_size=2000,
    )
    Delivery.objects.bulk_create(
        [
            Delivery(
                notification=n, channel_kind="webhook", channel=channel, idempotency_key=f"n{n.pk}:channel:{channel.pk}"
            )
            for n in notifications
        ],
        batch_size=2000,
    )
    log = tmp_path / "workers.log"
    workers = [start_worker("--only", "outbox", "--batch-size", "100", log=log) for _ in range(4)]
    try:
        wait_until(
            lambda: Delivery.objects.filter(state="sent").count() == COUNT_OUTBOX,
            timeout=900,
            what="10,000 deliveries sent",
        )
    finally:
        for w in workers:
            stop(w)
    received = Counter(r.headers["X-Xietong-Delivery"] for r in receiver.requests)
    assert len(received) == COUNT_OUTBOX and set(received.values()) == {1}  # each message once, none lost
    ok = Counter(DeliveryAttempt.objects.filter(ok=True).values_list("delivery_id", flat=True))
    assert len(ok) == COUNT_OUTBOX and set(ok.values()) == {1}
