"""Exactly once, with real worker processes on PostgreSQL: four workers racing over 10,000 due clocks
fire each once; a worker killed with SIGKILL mid-batch loses nothing and doubles nothing."""

import datetime as dt
import signal

import pytest
from django.db import connection
from django.utils import timezone

from tests.workers import start_worker, stop, wait_until
from xietong.clocks.models import Clock, ClockState, Escalation, EscalationLadder, EscalationStep
from xietong.clocks.tests.probe.models import Probe
from xietong.core.audit import audit_verify
from xietong.core.models import AuditEvent
from xietong.notify.models import InboxMessage, Notification

pytestmark = [pytest.mark.postgres_only, pytest.mark.slow, pytest.mark.django_db(transaction=True)]

COUNT = 10_000
KILL_COUNT = 3_000


def _seed_due_escalations(company, count: int = COUNT) -> None:
    owner = company.person("wangqiang")
    ladder = EscalationLadder.objects.create(name="单级", code="one-level")
    EscalationStep.objects.create(ladder=ladder, level=1, target="department_head", after="0m")
    probes = Probe.objects.bulk_create(
        [Probe(name=f"请求 {i:05d}", owner=owner, department=owner.department) for i in range(count)], batch_size=2000
    )
    past = timezone.now() - dt.timedelta(minutes=5)
    Clock.objects.bulk_create(
        [
            Clock(
                subject_type="probe.probe",
                subject_id=p.pk,
                limit="respond",
                kind="escalate",
                level=1,
                mode="wall",
                ladder=ladder,
                owner=owner,
                department=owner.department,
                anchor_at=past,
                offset_us=0,
                due_at=past,
                limit_due_at=past,
                created_at=past,
            )
            for p in probes
        ],
        batch_size=2000,
    )


def _fired() -> int:
    return Clock.objects.filter(state=ClockState.FIRED).count()


def _assert_each_fired_exactly_once(expected: int) -> None:
    assert _fired() == expected
    assert Escalation.objects.count() == expected
    assert Escalation.objects.values("clock").distinct().count() == expected
    assert AuditEvent.objects.filter(action="clock.escalate").count() == expected
    assert Notification.objects.filter(kind="escalation").count() == expected
    assert InboxMessage.objects.filter(recipient__username="lina").count() == expected
    # Every fired clock has its escalation; no escalation belongs to an unfired clock.
    assert not Clock.objects.filter(state=ClockState.FIRED, escalation__isnull=True).exists()
    assert not Escalation.objects.exclude(clock__state=ClockState.FIRED).exists()


def test_four_workers_fire_ten_thousand_clocks_exactly_once(company, tmp_path):
    assert connection.vendor == "postgresql"
    _seed_due_escalations(company)
    log = tmp_path / "workers.log"
    workers = [start_worker("--only", "clocks", "--batch-size", "100", log=log) for _ in range(4)]
    try:
        wait_until(lambda: _fired() == COUNT, timeout=600, what=f"{COUNT} clocks fired")
    finally:
        codes = [stop(w) for w in workers]
    assert codes == [0, 0, 0, 0], log.read_text()[-3000:]
    _assert_each_fired_exactly_once(COUNT)
    report = audit_verify()
    assert report.ok, report.problem


def test_a_worker_killed_mid_batch_loses_nothing_and_doubles_nothing(company, tmp_path):
    _seed_due_escalations(company, KILL_COUNT)  # the race above has the 10,000; this one is about the kill
    log = tmp_path / "worker.log"
    victim = start_worker("--only", "clocks", "--batch-size", "500", log=log)
    wait_until(lambda: _fired() >= 600, timeout=300, what="the first worker to be busy")
    victim.send_signal(signal.SIGKILL)
    victim.wait(timeout=30)
    partial = _fired()
    assert 600 <= partial < KILL_COUNT, "the kill should land mid-way"
    _assert_each_fired_exactly_once(partial)  # the transaction in flight rolled back whole

    survivors = [start_worker("--only", "clocks", log=log) for _ in range(2)]
    try:
        wait_until(lambda: _fired() == KILL_COUNT, timeout=600, what="the rest fired after restart")
    finally:
        for w in survivors:
            stop(w)
    _assert_each_fired_exactly_once(KILL_COUNT)
    assert not Clock.objects.filter(state=ClockState.ARMED).exists()
    assert audit_verify().ok
