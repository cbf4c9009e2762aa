"""The outbox claims its deliveries in chunks: one transaction for many rows, the sends of a chunk recorded
together (a slow one never holding up the others' record), and a chunk that runs long hands back what it
has not sent."""

import datetime as dt
import threading

import pytest
import time_machine
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext

from xietong.notify import delivery
from xietong.notify.delivery import CLAIM_CHUNK, _claim_batch, outbox_deliver_due
from xietong.notify.models import Channel, Delivery, DeliveryAttempt, DeliveryState, Preference
from xietong.notify.services import channel_save, notify

MONDAY_10 = dt.datetime(2026, 3, 2, 2, 0, tzinfo=dt.UTC)  # 10:00 in Shanghai


@pytest.fixture
def webhook(company, receiver):
    # 李娜 takes no email: every delivery here is the webhook's.
    Preference.objects.create(person=company.person("lina"), email_kinds=[], chat_kinds=["escalation"])
    with transaction.atomic():
        return channel_save(
            actor=company.person("admin"),
            channel=Channel(kind="webhook", name="集成", url=f"{receiver.base_url}/hook", rate_per_minute=0),
            secret="k",
        )


def messages(company, count):
    with time_machine.travel(MONDAY_10, tick=False), transaction.atomic():
        for i in range(count):
            notify(recipients=[company.person("lina")], kind="escalation", title=f"消息 {i:02d}", urgency="urgent")


def test_claiming_a_chunk_costs_the_same_queries_for_five_or_forty_deliveries(company, webhook):
    def claim_queries(count):
        Delivery.objects.all().delete()
        messages(company, count)
        with time_machine.travel(MONDAY_10, tick=False), CaptureQueriesContext(connection) as queries:
            claims = _claim_batch(CLAIM_CHUNK, set())
        assert len(claims) == count
        return len(queries)

    assert claim_queries(5) == claim_queries(40)
    assert Delivery.objects.filter(state=DeliveryState.SENDING).count() == 40
    assert DeliveryAttempt.objects.filter(ok__isnull=True).count() == 40


def test_every_due_delivery_is_sent_once_across_chunks(company, webhook, receiver):
    messages(company, CLAIM_CHUNK + 7)
    with time_machine.travel(MONDAY_10, tick=False):
        assert outbox_deliver_due(batch_size=200) == CLAIM_CHUNK + 7
        assert outbox_deliver_due(batch_size=200) == 0
    assert sorted(r.json["title"] for r in receiver.requests) == [f"消息 {i:02d}" for i in range(CLAIM_CHUNK + 7)]
    assert set(Delivery.objects.values_list("state", "attempts")) == {("sent", 1)}


@pytest.mark.parametrize(("concurrency", "sent"), [(1, 1), (2, 2)])
def test_a_chunk_that_runs_past_half_its_lease_hands_back_the_rest(
    company, webhook, receiver, settings, concurrency, sent
):
    settings.XIETONG_DELIVERY_LEASE_SECONDS = 1
    settings.XIETONG_DELIVERY_CONCURRENCY = concurrency
    receiver.script.delay = 0.6  # a slow receiver: the first sends alone take more than half the lease
    messages(company, 5)
    with time_machine.travel(MONDAY_10, tick=False):
        assert outbox_deliver_due(batch_size=50) == sent
    assert len(receiver.requests) == sent
    # The ones not sent are pending again, as if never claimed: no attempt counted, no lease held.
    back = Delivery.objects.exclude(state=DeliveryState.SENT)
    assert set(back.values_list("state", "attempts", "lease_until")) == {("pending", 0, None)}
    assert back.count() == 5 - sent
    assert DeliveryAttempt.objects.count() == sent


def test_the_sends_of_a_chunk_are_in_flight_together_and_each_recorded_once(company, webhook, receiver, settings):
    settings.XIETONG_DELIVERY_CONCURRENCY = 4
    receiver.script.hold = threading.Event()  # the first request waits until the other three have arrived

    arrived_while_held = []

    def release_when_four_arrived():
        for _ in range(1000):  # 10 s at most
            if len(receiver.requests) >= 4:
                break
            receiver.script.hold.wait(0.01)
        arrived_while_held.append(len(receiver.requests))
        receiver.script.hold.set()

    messages(company, 4)
    watcher = threading.Thread(target=release_when_four_arrived)
    watcher.start()
    with time_machine.travel(MONDAY_10, tick=False):
        assert outbox_deliver_due(batch_size=50) == 4
    watcher.join()
    # Four were in flight while the first was held (one after the other, the watcher would have seen one).
    assert arrived_while_held == [4]
    assert sorted(r.json["title"] for r in receiver.requests) == [f"消息 {i:02d}" for i in range(4)]
    assert set(Delivery.objects.values_list("state", "attempts")) == {("sent", 1)}
    assert list(DeliveryAttempt.objects.values_list("ok", "status_code").distinct()) == [(True, 200)]


def test_a_send_held_by_a_slow_receiver_does_not_hold_up_the_record_of_the_others(
    company, webhook, receiver, settings, monkeypatch
):
    """The first request is answered only once the other three are recorded as sent."""
    settings.XIETONG_DELIVERY_CONCURRENCY = 4
    receiver.script.hold = threading.Event()
    recorded: list[list[str]] = []
    record_sends = delivery._record_sends

    def record_and_release(sends):
        recorded.append(sorted(claim.message.title for claim, _result, _ms in sends))
        record_sends(sends)
        receiver.script.hold.set()

    monkeypatch.setattr(delivery, "_record_sends", record_and_release)
    messages(company, 4)
    with time_machine.travel(MONDAY_10, tick=False):
        assert outbox_deliver_due(batch_size=50) == 4
    held = receiver.requests[0].json["title"]
    # Recorded while the held send was still out (else the receiver would never have let it go), then alone.
    assert recorded[-1] == [held]
    assert sorted(title for group in recorded[:-1] for title in group) == sorted(
        {f"消息 {i:02d}" for i in range(4)} - {held}
    )
    assert set(Delivery.objects.values_list("state", "attempts")) == {("sent", 1)}


def test_the_sends_of_a_chunk_are_recorded_together(company, webhook, receiver, settings, monkeypatch):
    settings.XIETONG_DELIVERY_CONCURRENCY = 8
    monkeypatch.setattr(delivery, "RECORD_WITHIN", 60.0)  # however slow this machine, the chunk ends first
    recorded: list[int] = []
    record_sends = delivery._record_sends
    monkeypatch.setattr(delivery, "_record_sends", lambda sends: recorded.append(len(sends)) or record_sends(sends))
    messages(company, CLAIM_CHUNK + 7)
    with time_machine.travel(MONDAY_10, tick=False):
        assert outbox_deliver_due(batch_size=200) == CLAIM_CHUNK + 7
    assert recorded == [CLAIM_CHUNK, 7]  # one transaction a chunk, not one a send
