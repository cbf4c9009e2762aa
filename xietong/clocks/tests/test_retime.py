"""Armed clocks follow a calendar change: the 2027 notice imported at the end of December 2026.

Until the notice is imported, 2027 is counted by the weekday pattern (Friday 1 January is a working day).
The notice used here is notices/2027-invented.txt (made up: 元旦 1月1日至3日, no make-up day in January).
Policy as the seeds' high-priority request: 2 个工作小时, reminder 30 minutes before, escalation
2 working days (15 working hours) after the missed deadline to the department head. Every instant is Asia/Shanghai.
"""

import datetime as dt

import pytest
import time_machine

from xietong.clocks.models import Clock, ClockPolicy, ClockState, EscalationLadder
from xietong.clocks.services import clock_arm, clock_fire_due, clock_pause, clock_resume
from xietong.clocks.tests.probe.models import Probe
from xietong.core.models import AuditEvent
from xietong.notify.models import InboxMessage
from xietong.workcal.engine import DayKind
from xietong.workcal.models import CalendarChange, WorkCalendar
from xietong.workcal.selectors import default_calendar, engine_for
from xietong.workcal.services import notice_import
from xietong.workcal.tests.support import SH, at, notice

NOTICE_2027 = notice("2027-invented")


@pytest.fixture
def policy(company):
    return ClockPolicy.objects.create(
        process="probe",
        priority="high",
        kind="respond",
        duration="2h",
        mode="working",
        remind_before="30m",
        escalate_after="2d",
        ladder=EscalationLadder.objects.get(code="standard"),
    )


def probe_for(company, username: str, name: str) -> Probe:
    person = company.person(username)
    return Probe.objects.create(name=name, owner=person, department=person.department)


def arm(probe: Probe, instant: dt.datetime) -> Clock:
    with time_machine.travel(instant, tick=False):
        main = clock_arm(subject=probe, process="probe", limit="respond", priority="high", owner=probe.owner)
    assert main is not None
    return main


def due_times(probe: Probe) -> dict[str, dt.datetime]:
    return {
        c.kind: c.due_at.astimezone(SH)
        for c in Clock.objects.filter(subject_id=probe.pk, state=ClockState.ARMED).order_by("kind")
    }


def import_notice(company, instant: dt.datetime, capture, **kwargs):
    with time_machine.travel(instant, tick=False), capture(execute=True):
        return notice_import(text=NOTICE_2027, actor=company.person("admin"), **kwargs)


def test_a_2_working_hour_clock_set_on_30_december_moves_when_the_2027_notice_is_imported(
    company, policy, django_capture_on_commit_callbacks
):
    wangqiang = company.person("wangqiang")
    probe = probe_for(company, "wangqiang", "固件升级需求")
    arm(probe, at("2026-12-30 17:00"))
    # The requester is asked a question at 17:30 (1 h 30 min left) and answers on 31 December at 17:30.
    with time_machine.travel(at("2026-12-30 17:30"), tick=False):
        clock_pause(subject=probe)
    with time_machine.travel(at("2026-12-31 17:30"), tick=False):
        clock_resume(subject=probe)
    # 30 minutes on 31 December, then 2027 by the weekday pattern: Friday 1 January is worked.
    assert due_times(probe) == {
        "escalate": at("2027-01-05 10:00"),
        "remind": at("2027-01-01 09:30"),
        "respond": at("2027-01-01 10:00"),
    }
    # Another limit, set on 30 December and already run out: it has fired and stays fired.
    late = probe_for(company, "lina", "测试环境申请")
    fired = arm(late, at("2026-12-30 09:00"))
    with time_machine.travel(at("2026-12-30 11:00"), tick=False):
        assert clock_fire_due() == 2  # the reminder at 10:30, the limit at 11:00
    fired.refresh_from_db()
    assert (fired.state, fired.due_at) == (ClockState.FIRED, at("2026-12-30 11:00"))

    import_notice(company, at("2026-12-31 18:30"), django_capture_on_commit_callbacks)

    # 元旦 1月1日至3日: the 30 minutes and the 1 hour left run on Monday 4 January; the escalation's
    # 16 h 30 min left: 30 minutes on 31 December, 7 h 30 min on 4 and on 5 January, 1 hour on 6 January.
    assert due_times(probe) == {
        "escalate": at("2027-01-06 10:00"),
        "remind": at("2027-01-04 09:30"),
        "respond": at("2027-01-04 10:00"),
    }
    assert Clock.objects.get(subject_id=probe.pk, kind="respond", state="armed").limit_due_at == at("2027-01-04 10:00")
    assert Clock.objects.get(subject_id=probe.pk, kind="escalate", state="armed").limit_due_at == at("2027-01-04 10:00")
    fired.refresh_from_db()
    assert (fired.state, fired.due_at) == (ClockState.FIRED, at("2026-12-30 11:00"))

    event = AuditEvent.objects.get(action="clock.retime", object_id=str(probe.pk))
    assert (event.object_type, event.object_id, event.object_label) == ("probe.probe", str(probe.pk), "固件升级需求")
    assert event.actor_label == "系统管理员"
    assert [(c["kind"], c["due_at"]) for c in event.before["clocks"]] == [
        ("respond", "2027-01-01T10:00:00+08:00"),
        ("remind", "2027-01-01T09:30:00+08:00"),
        ("escalate", "2027-01-05T10:00:00+08:00"),
    ]
    assert [(c["kind"], c["due_at"]) for c in event.after["clocks"]] == [
        ("respond", "2027-01-04T10:00:00+08:00"),
        ("remind", "2027-01-04T09:30:00+08:00"),
        ("escalate", "2027-01-06T10:00:00+08:00"),
    ]
    assert event.after["reason"] == "导入《国务院办公厅关于2027年部分节假日安排的通知》"
    # The limit that ran out stays fired; only its escalation, still waiting 2 working days after the
    # missed 11:00 deadline (5 h 30 min on 30 December, 7 h 30 min on 31 December, 2 h in 2027), moves.
    moved = AuditEvent.objects.get(action="clock.retime", object_id=str(late.pk))
    assert [(c["kind"], c["due_at"]) for c in moved.before["clocks"]] == [("escalate", "2027-01-01T11:00:00+08:00")]
    assert [(c["kind"], c["due_at"]) for c in moved.after["clocks"]] == [("escalate", "2027-01-04T11:00:00+08:00")]

    # The owner hears it once (the limit's own clock; its reminder and escalation move silently with it).
    messages = InboxMessage.objects.filter(notification__title__startswith="【时限调整】")
    assert [(m.recipient, m.notification.title, m.notification.body) for m in messages] == [
        (
            wangqiang,
            "【时限调整】固件升级需求",
            "响应的到期时间由 2027年01月01日 10:00 调整为 2027年01月04日 10:00。"
            "原因：导入《国务院办公厅关于2027年部分节假日安排的通知》。",
        )
    ]
    change = CalendarChange.objects.get(calendar=default_calendar())
    # 3 clocks of the one item, the escalation of the other
    assert (change.first_day, change.last_day, change.moved) == (dt.date(2027, 1, 1), dt.date(2027, 10, 9), 4)
    assert change.retimed_at == at("2026-12-31 18:30")

    # The clocks now fire at their new instants, not the old ones: nothing on the holiday 1 January.
    assert fire_at(at("2027-01-01 11:00")) == 0
    assert Clock.objects.filter(subject_id=probe.pk, state="armed").count() == 3
    assert fire_at(at("2027-01-04 09:30")) == 1
    assert Clock.objects.get(subject_id=probe.pk, kind="remind").state == ClockState.FIRED


def fire_at(instant: dt.datetime) -> int:
    with time_machine.travel(instant, tick=False):
        return clock_fire_due()


def test_importing_the_same_notice_again_moves_and_tells_nothing(company, policy, django_capture_on_commit_callbacks):
    probe = probe_for(company, "wangqiang", "固件升级需求")
    arm(probe, at("2026-12-31 17:00"))
    import_notice(company, at("2026-12-31 17:10"), django_capture_on_commit_callbacks)
    assert due_times(probe)["respond"] == at("2027-01-04 10:00")
    import_notice(company, at("2026-12-31 17:20"), django_capture_on_commit_callbacks)
    assert AuditEvent.objects.filter(action="clock.retime").count() == 1
    assert AuditEvent.objects.filter(action="workcal.holidays.correct").count() == 1
    assert InboxMessage.objects.filter(notification__title__startswith="【时限调整】").count() == 1


def test_a_change_left_unfinished_is_finished_by_the_worker(company, policy):
    from xietong.core.worker import run_sweeps_once

    probe = probe_for(company, "wangqiang", "固件升级需求")
    arm(probe, at("2026-12-31 17:00"))
    with time_machine.travel(at("2026-12-31 17:10"), tick=False):
        notice_import(text=NOTICE_2027, actor=company.person("admin"))  # its on-commit run never happened
    assert due_times(probe)["respond"] == at("2027-01-01 10:00")
    with time_machine.travel(at("2026-12-31 17:11"), tick=False):
        handled = run_sweeps_once()
    assert handled["calendar-retime"] == 1
    assert due_times(probe)["respond"] == at("2027-01-04 10:00")
    with time_machine.travel(at("2026-12-31 17:12"), tick=False):
        assert run_sweeps_once()["calendar-retime"] == 0


def test_a_national_import_applies_to_every_statutory_calendar_and_a_scoped_one_to_its_calendar_only(
    company, django_capture_on_commit_callbacks
):
    standard = default_calendar()
    factory = WorkCalendar.objects.create(name="工厂六天工作制", code="factory", workdays="0,1,2,3,4,5")
    branch = WorkCalendar.objects.create(name="香港分公司", code="hk", statutory=False, time_zone="Asia/Hong_Kong")
    new_year = dt.date(2027, 1, 1)
    before = engine_for(standard)
    assert before.day_kind(new_year) is DayKind.WORKDAY and not before.statutory_published(2027)

    import_notice(company, at("2026-12-03 10:00"), django_capture_on_commit_callbacks, calendar=factory)
    assert engine_for(WorkCalendar.objects.get(pk=factory.pk)).day_kind(new_year) is DayKind.STATUTORY_HOLIDAY
    assert engine_for(WorkCalendar.objects.get(pk=standard.pk)).day_kind(new_year) is DayKind.WORKDAY

    import_notice(company, at("2026-12-03 10:05"), django_capture_on_commit_callbacks)
    for calendar in (standard, factory):
        engine = engine_for(WorkCalendar.objects.get(pk=calendar.pk))
        assert engine.day_kind(new_year) is DayKind.STATUTORY_HOLIDAY
        assert engine.day_kind(dt.date(2027, 2, 20)) is DayKind.ADJUSTED_WORKDAY
        assert engine.day_name(dt.date(2027, 10, 1)) == "国庆节"
        assert engine.statutory_published(2027)
    # A calendar that does not follow the national schedule is left as it was.
    assert engine_for(WorkCalendar.objects.get(pk=branch.pk)).day_kind(new_year) is DayKind.WORKDAY
    assert list(CalendarChange.objects.order_by("pk").values_list("calendar__code", flat=True)) == [
        "factory",
        "standard",
    ]  # the factory's own 2027 already said the same: the national one changed nothing there


def test_an_elapsed_24_hour_limit_that_moves_into_working_hours_follows_the_imported_holidays(
    company, django_capture_on_commit_callbacks
):
    """Issue 20: "24 小时" counts elapsed time and a deadline outside working hours moves to the next working
    period. Set on 31 December at 10:00, it falls on Friday 1 January 10:00 — a working day until the notice
    makes 1 to 3 January 元旦: it then moves to Monday 4 January 09:00. A limit that does not move (an
    emergency's) keeps its instant on the holiday."""
    for priority, snap in (("medium", True), ("urgent", False)):
        ClockPolicy.objects.create(
            process="probe", priority=priority, kind="respond", duration="24h", mode="wall", snap=snap
        )
    wangqiang = company.person("wangqiang")
    ordinary = probe_for(company, "wangqiang", "普通需求")
    urgent = probe_for(company, "wangqiang", "紧急事项")
    with time_machine.travel(at("2026-12-31 10:00"), tick=False):
        clock_arm(subject=ordinary, process="probe", limit="respond", priority="medium", owner=wangqiang)
        clock_arm(subject=urgent, process="probe", limit="respond", priority="urgent", owner=wangqiang)
    assert due_times(ordinary) == {"respond": at("2027-01-01 10:00")}
    assert due_times(urgent) == {"respond": at("2027-01-01 10:00")}

    import_notice(company, at("2026-12-31 18:30"), django_capture_on_commit_callbacks)

    assert due_times(ordinary) == {"respond": at("2027-01-04 09:00")}
    assert Clock.objects.get(subject_id=ordinary.pk, state="armed").limit_due_at == at("2027-01-04 09:00")
    assert due_times(urgent) == {"respond": at("2027-01-01 10:00")}
    event = AuditEvent.objects.get(action="clock.retime")
    assert event.object_id == str(ordinary.pk)
    assert [(c["kind"], c["due_at"]) for c in event.after["clocks"]] == [("respond", "2027-01-04T09:00:00+08:00")]
    messages = InboxMessage.objects.filter(notification__title__startswith="【时限调整】")
    assert [(m.recipient, m.notification.body) for m in messages] == [
        (
            wangqiang,
            "响应的到期时间由 2027年01月01日 10:00 调整为 2027年01月04日 09:00。"
            "原因：导入《国务院办公厅关于2027年部分节假日安排的通知》。",
        )
    ]
    # Importing it again moves nothing: the snapped instant is recomputed to the same one.
    import_notice(company, at("2026-12-31 18:40"), django_capture_on_commit_callbacks)
    assert AuditEvent.objects.filter(action="clock.retime").count() == 1
