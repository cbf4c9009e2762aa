"""The audit sequencer: writers append without a shared lock, the sequencer seals committed events into the
chain in batches, the anchor outside the database catches a database rewritten behind the product's back,
and `audit verify` reports events left unsealed too long."""

import datetime as dt
import itertools
import json
import logging
import threading

import pytest
import time_machine
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection, connections, transaction
from django.test import override_settings

from xietong.core import clock
from xietong.core.audit import audit_record, audit_seal, audit_verify, event_hash, events_for
from xietong.core.audit_chain import GENESIS_HASH, anchor_read, anchor_reset
from xietong.core.models import AuditChainHead, AuditEvent
from xietong.core.worker import Worker, run_sweeps_once


def _record(n: int, who) -> list[AuditEvent]:
    return [audit_record(actor=who, action=f"test.{i}", obj=who, after={"i": i}) for i in range(n)]


def test_a_written_event_is_unsealed_and_on_its_timeline_at_once(company):
    lina = company.person("lina")
    AuditEvent.objects.all().delete()
    event = audit_record(actor=lina, action="test.write", obj=lina, after={"phone": "1"})
    event.refresh_from_db()
    assert (event.seq, event.prev_hash, event.hash) == (None, "", "")
    assert [e.action for e in events_for(lina)] == ["test.write"]
    assert AuditChainHead.objects.get(pk=1).seq == 0  # writing did not touch the head


def test_the_sequencer_seals_in_written_order_in_batches(company):
    lina = company.person("lina")
    AuditEvent.objects.all().delete()
    written = _record(7, lina)
    assert audit_seal(batch_size=3, max_batches=1) == 3
    assert AuditEvent.objects.filter(seq__isnull=True).count() == 4
    assert audit_seal(batch_size=3) == 4  # two more batches: 3 and 1
    events = list(AuditEvent.objects.order_by("seq"))
    assert [e.pk for e in events] == [e.pk for e in written]
    assert [e.seq for e in events] == [1, 2, 3, 4, 5, 6, 7]
    assert events[0].prev_hash == GENESIS_HASH
    for previous, event in itertools.pairwise(events):
        assert event.prev_hash == previous.hash
    for event in events:
        assert event_hash(event) == event.hash
    head = AuditChainHead.objects.get(pk=1)
    assert (head.seq, head.last_hash) == (7, events[-1].hash)
    assert audit_seal() == 0
    # Events written later continue the chain.
    _record(2, lina)
    assert audit_seal() == 2
    assert list(AuditEvent.objects.order_by("seq").values_list("seq", flat=True)) == list(range(1, 10))
    report = audit_verify()
    assert (report.ok, report.checked, report.unsealed) == (True, 9, 0)


def test_the_worker_seals_on_every_pass_even_when_told_to_run_only_other_sweeps(company):
    lina = company.person("lina")
    AuditEvent.objects.all().delete()
    _record(3, lina)
    sealed = run_sweeps_once()["audit-seal"]
    # The seal runs last, so it also seals what this pass's other sweeps recorded (e.g. the quarterly review
    # the quarterly-review sweep generates for the quarter that ended before today).
    assert sealed == AuditEvent.objects.count() >= 3
    assert not AuditEvent.objects.filter(seq__isnull=True).exists()
    assert "audit-seal" in [s.name for s in Worker(only=["clocks"])._sweeps()]


def test_verify_reports_an_event_left_unsealed_beyond_the_bound(company, capsys):
    lina = company.person("lina")
    AuditEvent.objects.all().delete()
    start = clock.now()
    with time_machine.travel(start, tick=False):
        _record(1, lina)
        audit_seal()
        late = audit_record(actor=lina, action="test.late", obj=lina)
    with time_machine.travel(start + dt.timedelta(seconds=60), tick=False):
        report = audit_verify()
        assert (report.ok, report.checked, report.unsealed) == (True, 1, 1)  # within the bound
        call_command("audit", "verify")
        assert "1 条尚未封存" in capsys.readouterr().out
    with time_machine.travel(start + dt.timedelta(seconds=61), tick=False):
        report = audit_verify()
        assert not report.ok
        assert report.event_id == late.pk
        assert f"编号 {late.pk}" in report.problem and "已 61 秒未封存" in report.problem
        assert "上限 60 秒" in report.problem
        with pytest.raises(CommandError, match="未封存"):
            call_command("audit", "verify")
        with override_settings(XIETONG_AUDIT_UNSEALED_MAX_SECONDS=120):
            assert audit_verify().ok
        audit_seal()
        assert audit_verify().ok


def test_verify_detects_reordered_sealed_events(company):
    lina = company.person("lina")
    AuditEvent.objects.all().delete()
    _record(4, lina)
    audit_seal()
    second, third = AuditEvent.objects.filter(seq__in=[2, 3]).order_by("seq")
    with connection.cursor() as cursor:  # swap their places in the chain, below the application
        cursor.execute("UPDATE core_auditevent SET seq = -1 WHERE id = %s", [second.pk])
        cursor.execute("UPDATE core_auditevent SET seq = 2 WHERE id = %s", [third.pk])
        cursor.execute("UPDATE core_auditevent SET seq = 3 WHERE id = %s", [second.pk])
    report = audit_verify()
    assert not report.ok and report.seq == 2
    assert "#2" in report.problem


def test_an_event_slipped_in_after_the_head_is_detected(company):
    lina = company.person("lina")
    AuditEvent.objects.all().delete()
    _record(2, lina)
    audit_seal()
    forged = audit_record(actor=lina, action="test.forged", obj=lina)
    AuditEvent.objects.filter(pk=forged.pk).update(seq=3, prev_hash="x", hash="y")
    report = audit_verify()
    assert not report.ok and report.seq == 3 and "链头 #2 之后" in report.problem


def test_an_event_slipped_in_before_the_first_is_detected(company):
    """A row given a position below the chain's first (0 or negative) is neither sealed nor unsealed: it
    would sit in the table, outside every check, unless verify looks there too."""
    lina = company.person("lina")
    AuditEvent.objects.all().delete()
    _record(2, lina)
    audit_seal()
    forged = audit_record(actor=lina, action="test.forged", obj=lina)
    AuditEvent.objects.filter(pk=forged.pk).update(seq=0, prev_hash="x", hash="y")
    report = audit_verify()
    assert not report.ok and report.seq == 0 and "链首 #1 之前" in report.problem


def test_chains_hashed_before_the_sequencer_stay_valid(company):
    """Rows written by the old writer (hash computed when written, head moved in the same transaction) are
    verified as they are, and the sequencer continues their chain."""
    lina = company.person("lina")
    AuditEvent.objects.all().delete()
    prev = GENESIS_HASH
    for seq in (1, 2, 3):
        old = AuditEvent(
            seq=seq, at=clock.now(), actor=lina, actor_label="李娜", action="old.write", object_type="org.person"
        )
        old.object_id, old.object_label, old.after, old.prev_hash = str(lina.pk), "李娜", {"n": seq}, prev
        old.hash = event_hash(old)
        old.save(force_insert=True)
        prev = old.hash
    AuditChainHead.objects.update_or_create(pk=1, defaults={"seq": 3, "last_hash": prev})
    assert audit_verify().ok
    _record(2, lina)
    assert audit_seal() == 2
    assert AuditEvent.objects.get(seq=4).prev_hash == prev
    report = audit_verify()
    assert report.ok and report.checked == 5


@pytest.mark.django_db(transaction=True)
def test_each_sealed_batch_is_anchored_outside_the_database_and_logged(company, caplog, _own_audit_anchor):
    lina = company.person("lina")
    with transaction.atomic():
        _record(3, lina)
    with caplog.at_level(logging.INFO, logger="xietong.audit"):
        sealed = audit_seal()
    head = AuditChainHead.objects.get(pk=1)
    assert sealed == head.seq == AuditEvent.objects.count()
    stored = json.loads(_own_audit_anchor.read_text())
    assert (stored["seq"], stored["hash"]) == (head.seq, head.last_hash)
    assert f"审计链已封存至 #{head.seq}，链头哈希 {head.last_hash}" in caplog.text
    assert _own_audit_anchor.stat().st_mode & 0o777 == 0o600
    report = audit_verify()
    assert report.ok and report.anchor_seq == head.seq


@pytest.mark.django_db(transaction=True)
def test_a_database_rewound_behind_the_products_back_is_caught_by_the_anchor(company):
    lina = company.person("lina")
    with transaction.atomic():
        _record(3, lina)
    audit_seal()
    anchored = anchor_read()
    with transaction.atomic():
        _record(2, lina)
    audit_seal()
    head = AuditChainHead.objects.get(pk=1)
    assert anchor_read().seq == head.seq
    # Restore an older state without the product: the last two events and the head go back, consistently.
    with connection.cursor() as cursor:
        cursor.execute("DELETE FROM core_auditevent WHERE seq > %s", [anchored.seq])
        cursor.execute("UPDATE core_auditchainhead SET seq = %s, last_hash = %s", [anchored.seq, anchored.hash])
    report = audit_verify()
    assert not report.ok
    assert f"库外锚点记录已封存至 #{head.seq}，数据库链头只到 #{anchored.seq}" in report.problem


@pytest.mark.django_db(transaction=True)
def test_a_chain_recomputed_from_scratch_is_caught_by_the_anchor(company):
    lina = company.person("lina")
    with transaction.atomic():
        _record(3, lina)
    audit_seal()
    anchored = anchor_read()
    # Someone edits an event and recomputes every hash and the head so that the chain is whole again.
    victim = AuditEvent.objects.get(seq=2)
    with connection.cursor() as cursor:
        cursor.execute("UPDATE core_auditevent SET object_label = %s WHERE id = %s", ["张三", victim.pk])
    prev = GENESIS_HASH
    for event in AuditEvent.objects.order_by("seq"):
        event.prev_hash = prev
        event.hash = event_hash(event)
        AuditEvent.objects.filter(pk=event.pk).update(prev_hash=event.prev_hash, hash=event.hash)
        prev = event.hash
    AuditChainHead.objects.filter(pk=1).update(last_hash=prev)
    report = audit_verify()
    assert not report.ok and report.seq == anchored.seq
    assert "锚点" in report.problem


def test_a_restore_through_the_product_re_anchors(company, _own_audit_anchor):
    lina = company.person("lina")
    AuditEvent.objects.all().delete()
    _own_audit_anchor.parent.mkdir(parents=True, exist_ok=True)
    _own_audit_anchor.write_text(json.dumps({"seq": 99, "hash": "f" * 64}))
    _record(2, lina)
    audit_seal()
    assert not audit_verify().ok  # an anchor from before the restore
    anchor = anchor_reset()
    head = AuditChainHead.objects.get(pk=1)
    assert (anchor.seq, anchor.hash) == (head.seq, head.last_hash) == (2, head.last_hash)
    assert audit_verify().ok
    kept = [p for p in _own_audit_anchor.parent.iterdir() if p.name.startswith(f"{_own_audit_anchor.name}.replaced-")]
    assert len(kept) == 1 and json.loads(kept[0].read_text())["seq"] == 99


@pytest.mark.postgres_only
@pytest.mark.django_db(transaction=True)
def test_writers_share_no_lock_on_postgres(company):
    """Two transactions that each record an event and stay open: neither waits for the other (with the
    old chain-head lock the second blocked until the first committed)."""
    lina = company.person("lina")
    both_written = threading.Barrier(2, timeout=10)
    errors: list[BaseException] = []

    def writer(action: str) -> None:
        try:
            with transaction.atomic():
                audit_record(actor=lina, action=action, obj=lina)
                both_written.wait()  # still inside the transaction
        except BaseException as exc:
            errors.append(exc)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=writer, args=(f"test.{n}",)) for n in ("a", "b")]
    for t in threads:
        t.start()
    for t in threads:
        t.join(30)
    assert errors == []
    assert audit_seal() == AuditEvent.objects.count()
    assert audit_verify().ok


@pytest.mark.postgres_only
@pytest.mark.django_db(transaction=True)
def test_one_sequencer_at_a_time_on_postgres(company):
    """While one process seals (holding the sequencer's advisory lock), another seals nothing and returns
    at once instead of waiting or forking the chain."""
    lina = company.person("lina")
    with transaction.atomic():
        _record(3, lina)
    holding, release = threading.Event(), threading.Event()

    def other_sequencer() -> None:
        try:
            with transaction.atomic(), connection.cursor() as cursor:
                cursor.execute("SELECT pg_advisory_xact_lock(%s)", [0x58_54_41_55])
                holding.set()
                release.wait(10)
        finally:
            connections.close_all()

    thread = threading.Thread(target=other_sequencer)
    thread.start()
    assert holding.wait(10)
    try:
        assert audit_seal() == 0
    finally:
        release.set()
        thread.join(10)
    assert audit_seal() == AuditEvent.objects.count()
    assert audit_verify().ok


@pytest.mark.postgres_only
@pytest.mark.django_db(transaction=True)
def test_verify_with_several_processes_finds_what_one_finds(company):
    """A long chain is checked in ranges by processes side by side; a fault inside a range, a broken link
    between two ranges and a missing event at a range's edge are each found and named."""
    lina = company.person("lina")
    with transaction.atomic():
        _record(40, lina)
    audit_seal()
    total = AuditEvent.objects.count()
    report = audit_verify(workers=3)
    assert (report.ok, report.checked) == (True, total), report.problem
    size = -(-total // 3)  # the ranges: 1..size, size+1..2*size, …
    inside = AuditEvent.objects.get(seq=size + 3)
    with connection.cursor() as cursor:
        cursor.execute("UPDATE core_auditevent SET object_label = %s WHERE id = %s", ["张三", inside.pk])
    report = audit_verify(workers=3)
    assert (report.ok, report.seq, report.checked) == (False, size + 3, size + 2)
    assert "篡改" in report.problem
    with connection.cursor() as cursor:
        cursor.execute("UPDATE core_auditevent SET object_label = %s WHERE id = %s", [inside.object_label, inside.pk])
    # From the second range on, a chain whole in itself but linked to nothing before it.
    prev = "1" * 64
    for event in AuditEvent.objects.filter(seq__gt=size).order_by("seq"):
        event.prev_hash = prev
        event.hash = event_hash(event)
        AuditEvent.objects.filter(pk=event.pk).update(prev_hash=event.prev_hash, hash=event.hash)
        prev = event.hash
    AuditChainHead.objects.filter(pk=1).update(last_hash=prev)
    report = audit_verify(workers=3)
    assert (report.ok, report.seq) == (False, size + 1) and "前序哈希" in report.problem
    edge = AuditEvent.objects.get(seq=2 * size)
    with connection.cursor() as cursor:
        cursor.execute("DELETE FROM core_auditevent WHERE id = %s", [edge.pk])
    report = audit_verify(workers=3)
    assert not report.ok
    assert report.seq == size + 1  # the earliest fault in chain order still comes first
