"""A batch of firings writes what it causes together (issue 18): every owner told once, a stand-in told for
an owner who is away, the department's robot told with its @mentions, and the same number of queries
whether the batch holds 10 firings or 30 — nothing is read or written once per firing.

Every instant below is Asia/Shanghai; Monday 2026-03-02 is a working day (09:00–18:00).
"""

import datetime as dt
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext

from xietong.clocks.models import Clock, ClockPolicy, ClockState
from xietong.clocks.services import clock_arm, clock_fire_due
from xietong.clocks.tests.probe.models import Probe
from xietong.core.models import AuditEvent
from xietong.notify.models import Channel, Delivery, InboxMessage, Notification
from xietong.org.models import Absence
from xietong.workcal.selectors import default_calendar

SH = ZoneInfo("Asia/Shanghai")
OWNERS = ["wangqiang", "liuyang", "maxiaoyan"]


def at(text: str) -> dt.datetime:
    return dt.datetime.fromisoformat(text).replace(tzinfo=SH)


@pytest.fixture
def respond_policy(db):
    return ClockPolicy.objects.create(process="probe", priority="*", kind="respond", duration="2h", mode="working")


def overdue(company, count: int, start: dt.datetime, first: int = 0) -> list[Probe]:
    probes = []
    with time_machine.travel(start, tick=False):
        for n in range(first, first + count):
            person = company.person(OWNERS[n % len(OWNERS)])
            probe = Probe.objects.create(name=f"请求{n}", owner=person, department=person.department)
            clock_arm(
                subject=probe,
                process="probe",
                limit="respond",
                owner=person,
                department=person.department,
                calendar=default_calendar(),
            )
            probes.append(probe)
    return probes


def fire(instant: dt.datetime) -> tuple[int, int]:
    with time_machine.travel(instant, tick=False), CaptureQueriesContext(connection) as queries:
        fired = clock_fire_due()
    return fired, len(queries.captured_queries)


def test_a_batch_tells_each_owner_once_their_stand_in_and_the_robot_with_a_fixed_number_of_queries(
    company, respond_policy
):
    wangqiang, liuyang, lina = company.person("wangqiang"), company.person("liuyang"), company.person("lina")
    Absence.objects.create(person=liuyang, starts_at=at("2026-03-01 00:00"), reason="年假", stand_in=lina, set_by=lina)
    robot = Channel.objects.create(
        kind="webhook", name="软件开发部群", url="https://hooks.example.com/rd", department=wangqiang.department
    )

    overdue(company, 10, at("2026-03-02 09:00"))  # due 11:00
    fired_10, queries_10 = fire(at("2026-03-02 11:00"))
    overdue(company, 30, at("2026-03-03 09:00"), first=10)  # due 11:00 the next day
    fired_30, queries_30 = fire(at("2026-03-03 11:00"))

    assert (fired_10, fired_30) == (10, 30)
    assert queries_30 == queries_10  # per batch, not per firing
    assert Clock.objects.filter(state=ClockState.FIRED).count() == 40
    assert AuditEvent.objects.filter(action="clock.due", object_type="probe.probe").count() == 40
    overdue_lines = InboxMessage.objects.filter(notification__title__startswith="【已超时】")
    # 40 firings: 14 of 王强, 13 of 刘洋, 13 of 马晓燕 (round robin), each told once
    assert overdue_lines.filter(recipient=wangqiang).count() == 14
    assert overdue_lines.filter(recipient=liuyang).count() == 13
    assert overdue_lines.filter(recipient__username="maxiaoyan").count() == 13
    # 刘洋 is away: 李娜 stands in and hears each of his 13 as 【代刘洋】
    assert sorted(set(InboxMessage.objects.filter(recipient=lina).values_list("notification__title", flat=True)))[
        :2
    ] == ["【代刘洋】【已超时】请求1", "【代刘洋】【已超时】请求10"]
    assert InboxMessage.objects.filter(recipient=lina).count() == 13
    # 王强 and 刘洋 are in 软件开发部: its robot hears their 27 firings (and each of 李娜's copies), not 马晓燕's
    robot_rows = Delivery.objects.filter(channel=robot)
    assert robot_rows.count() == 27 + 13
    assert Delivery.objects.filter(channel=robot, notification__title="【已超时】请求0").get().idempotency_key == (
        f"n{Notification.objects.get(title='【已超时】请求0').pk}:channel:{robot.pk}"
    )

    # Exactly once: nothing is due any more, a second sweep fires nothing and writes nothing.
    before = (Notification.objects.count(), InboxMessage.objects.count(), Delivery.objects.count())
    assert fire(at("2026-03-03 12:00"))[0] == 0
    assert (Notification.objects.count(), InboxMessage.objects.count(), Delivery.objects.count()) == before


def test_a_message_already_written_for_a_clock_is_not_written_again(company, respond_policy):
    (probe,) = overdue(company, 1, at("2026-03-02 09:00"))
    clock = Clock.objects.get(subject_id=probe.pk, kind="respond")
    Notification.objects.create(kind="overdue", title="早先写下的", dedupe_key=f"clock:{clock.pk}")
    assert fire(at("2026-03-02 11:00"))[0] == 1
    assert list(Notification.objects.values_list("title", flat=True)) == ["早先写下的"]
    assert not InboxMessage.objects.exists()
