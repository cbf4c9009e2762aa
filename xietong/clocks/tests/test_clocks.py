"""Stored clocks: due times in working time, reminders, the escalation ladder up the manager chain,
pause/resume, calendar changes, wall-time emergencies. Every instant below is Asia/Shanghai.

2026: 国庆 10/1–10/7 (Thursday 10/8 is the first working day after it), 调休 Saturday 10/10.
"""

import dataclasses
import datetime as dt
import re
from zoneinfo import ZoneInfo

import pytest
import time_machine

from xietong.clocks import handlers
from xietong.clocks.models import (
    Clock,
    ClockKind,
    ClockPolicy,
    ClockState,
    Escalation,
    EscalationLadder,
    EscalationStep,
)
from xietong.clocks.selectors import clock_views
from xietong.clocks.services import clock_arm, clock_fire_due, clock_pause, clock_resume, clock_satisfy, ladder_validate
from xietong.clocks.tests.probe.models import Probe
from xietong.core.models import AuditEvent
from xietong.notify.models import InboxMessage
from xietong.org.models import Department
from xietong.workcal.models import CalendarOverride
from xietong.workcal.selectors import default_calendar
from xietong.workcal.services import calendar_changed

SH = ZoneInfo("Asia/Shanghai")


def at(text: str) -> dt.datetime:
    return dt.datetime.fromisoformat(text).replace(tzinfo=SH)


@pytest.fixture
def ladder(db):
    ladder = EscalationLadder.objects.create(name="测试升级路径", code="probe-ladder")
    EscalationStep.objects.create(ladder=ladder, level=1, target="department_head", after="0m")
    EscalationStep.objects.create(ladder=ladder, level=2, target="division_leader", after="1d")
    EscalationStep.objects.create(ladder=ladder, level=3, target="general_manager", after="1d")
    return ladder


@pytest.fixture
def policy(ladder):
    return ClockPolicy.objects.create(
        process="probe",
        priority="high",
        kind="respond",
        duration="2h",
        mode="working",
        remind_before="30m",
        escalate_after="4h",
        ladder=ladder,
    )


def probe_for(company, username: str) -> Probe:
    person = company.person(username)
    return Probe.objects.create(name=f"{person.name}的请求", owner=person, department=person.department)


def arm(probe, start, priority="high", limit="respond"):
    with time_machine.travel(start, tick=False):
        return clock_arm(
            subject=probe,
            process="probe",
            limit=limit,
            priority=priority,
            owner=probe.owner,
            department=probe.department,
            calendar=default_calendar(),
        )


def fire_at(instant) -> int:
    with time_machine.travel(instant, tick=False):
        return clock_fire_due()


def inbox_titles(person) -> list[str]:
    return list(
        InboxMessage.objects.filter(recipient=person).order_by("pk").values_list("notification__title", flat=True)
    )


def test_arming_sets_due_reminder_and_first_escalation_in_working_time(company, policy):
    probe = probe_for(company, "wangqiang")
    main = arm(probe, at("2026-09-30 17:30"))
    clocks = {(c.kind, c.level): c for c in Clock.objects.filter(subject_id=probe.pk)}
    assert main.due_at == at("2026-10-08 10:30")  # 30 min on 9/30, 国庆, 90 min on 10/8
    assert clocks[(ClockKind.REMIND, 0)].due_at == at("2026-10-08 10:00")
    # escalate_after 4h counts from the missed deadline: 10:30 + 4 working hours = 16:00
    assert clocks[(ClockKind.ESCALATE, 1)].due_at == at("2026-10-08 16:00")
    assert {c.state for c in clocks.values()} == {ClockState.ARMED}


def test_unanswered_request_climbs_the_ladder_skipping_the_holiday(company, policy):
    probe = probe_for(company, "wangqiang")
    arm(probe, at("2026-09-30 17:30"))
    lina, wangjianguo, gm = company.person("lina"), company.person("wangjianguo"), company.person("chenzhiqiang")

    assert fire_at(at("2026-10-08 09:59")) == 0
    assert fire_at(at("2026-10-08 10:00")) == 1  # the reminder
    assert inbox_titles(probe.owner) == ["【即将到期】王强的请求"]
    assert fire_at(at("2026-10-08 10:30")) == 1  # the limit itself: overdue notice to the owner
    assert inbox_titles(probe.owner)[-1] == "【已超时】王强的请求"

    assert fire_at(at("2026-10-08 15:59")) == 0
    assert fire_at(at("2026-10-08 16:00")) == 1
    assert inbox_titles(lina) == ["【升级·第1级】王强的请求"]
    # Level 2: one working day after level 1.
    assert Clock.objects.get(subject_id=probe.pk, kind="escalate", level=2).due_at == at("2026-10-09 16:00")
    assert fire_at(at("2026-10-09 16:00")) == 1
    assert inbox_titles(wangjianguo) == ["【升级·第2级】王强的请求"]
    # Level 3 lands on the 调休 Saturday 10/10.
    assert Clock.objects.get(subject_id=probe.pk, kind="escalate", level=3).due_at == at("2026-10-10 16:00")
    assert fire_at(at("2026-10-10 16:00")) == 1
    assert inbox_titles(gm) == ["【升级·第3级】王强的请求"]

    escalations = list(Escalation.objects.filter(subject_id=probe.pk).order_by("level"))
    assert [(e.level, e.target.username, e.note) for e in escalations] == [
        (1, "lina", ""),
        (2, "wangjianguo", ""),
        (3, "chenzhiqiang", ""),
    ]
    assert list(
        AuditEvent.objects.filter(object_type="probe.probe").order_by("id").values_list("action", flat=True)
    ) == ["clock.remind", "clock.due", "clock.escalate", "clock.escalate", "clock.escalate"]
    assert fire_at(at("2026-12-31 18:00")) == 0  # nothing left, nothing fires twice


def test_a_person_without_department_head_escalates_to_the_next_level_and_says_so(company, policy):
    Department.objects.filter(code="rd-qa").update(head=None)
    probe = probe_for(company, "maxiaoyan")
    arm(probe, at("2026-03-02 09:00"))
    # due 11:00; escalate_after 4h after it → 11:00–12:00 and 13:30–16:30
    assert fire_at(at("2026-03-02 16:29")) == 2  # the reminder and the limit
    fire_at(at("2026-03-02 16:30"))
    escalation = Escalation.objects.get(subject_id=probe.pk, level=1)
    assert escalation.target.username == "wangjianguo"
    assert escalation.note == "测试部未设部门负责人，已升级至分管领导"
    message = InboxMessage.objects.get(recipient__username="wangjianguo")
    assert "测试部未设部门负责人，已升级至分管领导" in message.notification.body


def test_the_limit_met_in_time_stops_every_clock(company, policy):
    probe = probe_for(company, "wangqiang")
    arm(probe, at("2026-03-02 09:00"))
    with time_machine.travel(at("2026-03-02 10:15"), tick=False):
        clock_satisfy(subject=probe, limit="respond")
    assert fire_at(at("2026-03-10 09:00")) == 0
    main = Clock.objects.get(subject_id=probe.pk, kind="respond")
    assert main.met_at == at("2026-03-02 10:15") and main.met_at <= main.limit_due_at
    assert not InboxMessage.objects.exists()


def test_pause_keeps_what_is_left_and_resume_continues(company, policy):
    probe = probe_for(company, "wangqiang")
    arm(probe, at("2026-03-02 09:00"))  # due 11:00, remind 10:30
    with time_machine.travel(at("2026-03-02 10:00"), tick=False):
        assert clock_pause(subject=probe) == 3
    assert fire_at(at("2026-03-03 12:00")) == 0  # paused clocks never fire
    with time_machine.travel(at("2026-03-04 15:00"), tick=False):
        views = clock_views(probe)
        assert views[0].status == "已暂停，剩余 1 个工作小时"
        clock_resume(subject=probe)
    main = Clock.objects.get(subject_id=probe.pk, kind="respond")
    assert main.due_at == at("2026-03-04 16:00")
    assert Clock.objects.get(subject_id=probe.pk, kind="remind").due_at == at("2026-03-04 15:30")
    # escalation 4h after the 11:00 deadline (16:30, 6 working hours from the start): 5h were left
    # → 15:00–18:00, then 09:00–11:00 the next day
    assert Clock.objects.get(subject_id=probe.pk, kind="escalate").due_at == at("2026-03-05 11:00")


def test_a_calendar_change_retimes_armed_clocks(company, policy, django_capture_on_commit_callbacks):
    probe = probe_for(company, "wangqiang")
    main = arm(probe, at("2026-03-06 17:00"))  # Friday
    assert main.due_at == at("2026-03-09 10:00")
    calendar = default_calendar()
    CalendarOverride.objects.create(calendar=calendar, date=dt.date(2026, 3, 8), is_workday=True, note="公司加班")
    with django_capture_on_commit_callbacks(execute=True):
        calendar_changed(calendar, days=[dt.date(2026, 3, 8)])
    main.refresh_from_db()
    assert main.due_at == at("2026-03-08 10:00")
    assert main.limit_due_at == at("2026-03-08 10:00")


def test_wall_time_emergency_clock_fires_at_the_minute_on_a_holiday_night(company):
    ClockPolicy.objects.create(
        process="probe", priority="*", kind="assign_team", duration="10m", mode="wall", snap=False
    )
    probe = probe_for(company, "wangqiang")
    main = arm(probe, at("2026-10-01 03:00"), priority="*", limit="assign_team")
    assert main.due_at == at("2026-10-01 03:10") and main.calendar is None
    assert fire_at(at("2026-10-01 03:09:59")) == 0
    assert fire_at(at("2026-10-01 03:10")) == 1


def test_auto_accept_after_silence(company):
    ClockPolicy.objects.create(process="probe", priority="*", kind="accept", duration="1d", mode="working")
    probe = probe_for(company, "wangqiang")
    arm(probe, at("2026-03-02 15:00"), priority="*", limit="accept")
    fire_at(at("2026-03-03 15:00"))
    probe.refresh_from_db()
    assert probe.auto_accepted
    event = AuditEvent.objects.get(action="clock.due")
    assert event.after["auto_accepted"] is True and event.actor_label == "系统"


@pytest.fixture
def restore_handlers():
    saved = {label: dataclasses.replace(h, due=list(h.due), remind=list(h.remind),
                                        escalation_targets=list(h.escalation_targets))
             for label, h in handlers._registry.items()}  # fmt: skip
    yield
    handlers._registry.clear()
    handlers._registry.update(saved)


def test_handlers_registered_later_answer_the_limits_earlier_ones_leave_alone(company, policy, restore_handlers):
    """A process's own handler (probe: auto-accept) and one registered after it (as the spine registers its
    step-driven ones) share the model: the first that answers wins, None passes to the next, then the default."""

    def respond_overdue(clock, probe):
        if clock.limit != "respond":
            return None
        probe.name = "已标记超时"
        probe.save(update_fields=["name"])
        return {"marked": "late"}

    handlers.register_clock_handlers(Probe, due=respond_overdue)
    handlers.register_clock_handlers("probe.Probe", due=respond_overdue)  # the same handler twice: kept once
    assert len(handlers.handlers_for("probe.probe").due) == 2
    ClockPolicy.objects.create(process="probe", priority="*", kind="accept", duration="1d", mode="working")
    probe = probe_for(company, "wangqiang")
    arm(probe, at("2026-03-02 09:00"))
    arm(probe, at("2026-03-02 09:00"), priority="*", limit="accept")
    fire_at(at("2026-03-02 11:00"))  # the 30-minute reminder: no remind handler, the owner is reminded
    fire_at(at("2026-03-03 09:00"))  # respond (due 11:00 the day before) and accept (due now)
    probe.refresh_from_db()
    assert probe.name == "已标记超时" and probe.auto_accepted
    due_events = AuditEvent.objects.filter(action="clock.due").order_by("id")
    assert [(e.after["limit"], {k: e.after.get(k) for k in ("marked", "auto_accepted")}) for e in due_events] == [
        ("respond", {"marked": "late", "auto_accepted": None}),
        ("accept", {"marked": None, "auto_accepted": True}),
    ]
    assert inbox_titles(probe.owner) == ["【即将到期】王强的请求"]  # no default overdue message: handled


def test_no_model_carries_clock_handlers():
    """Handlers are registered from `<app>/timers.py`; a method on a model would silently never run."""
    from django.apps import apps

    carrying = [
        m._meta.label
        for m in apps.get_models()
        for name in ("clock_due", "clock_remind", "escalation_targets")
        if hasattr(m, name)
    ]
    assert carrying == []


def test_rearming_replaces_the_live_clocks(company, policy):
    probe = probe_for(company, "wangqiang")
    arm(probe, at("2026-03-02 09:00"))
    arm(probe, at("2026-03-02 10:00"))
    live = Clock.objects.filter(subject_id=probe.pk, state=ClockState.ARMED)
    assert live.count() == 3
    assert live.get(kind="respond").due_at == at("2026-03-02 12:00")


def test_no_policy_no_clock(company):
    probe = probe_for(company, "wangqiang")
    assert arm(probe, at("2026-03-02 09:00"), priority="*", limit="minutes") is None
    assert not Clock.objects.exists()


def test_clock_panel_shows_time_left_in_working_hours(company, policy):
    probe = probe_for(company, "wangqiang")
    arm(probe, at("2026-03-02 09:00"))
    with time_machine.travel(at("2026-03-02 09:40"), tick=False):
        assert clock_views(probe)[0].status == "剩余 1 个工作小时 20 分钟"
    with time_machine.travel(at("2026-03-02 12:30"), tick=False):  # due 11:00; the lunch break does not count
        assert clock_views(probe)[0].status == "已超时 1 个工作小时"


def test_a_ladder_that_reaches_nobody_is_refused(company, ladder):
    assert ladder_validate(ladder, []) == ["升级路径至少需要一级，否则超时无人知晓"]
    assert ladder_validate(ladder, [{"level": 1, "target": "person", "person": None}]) == [
        "第 1 级指定人员为空：这一级没有人接收升级"
    ]
    assert ladder_validate(
        ladder, [{"level": 1, "target": "department_head"}, {"level": 3, "target": "general_manager"}]
    ) == ["级别必须从 1 开始连续编号（当前：1, 3）"]


def test_admin_refuses_a_ladder_pointing_at_nobody(company, client_for):
    admin = client_for("admin")
    response = admin.post(
        "/admin/clocks/escalationladder/add/",
        {
            "name": "空路径",
            "code": "empty",
            "description": "",
            "steps-TOTAL_FORMS": "1",
            "steps-INITIAL_FORMS": "0",
            "steps-MIN_NUM_FORMS": "0",
            "steps-MAX_NUM_FORMS": "1000",
            "steps-0-level": "1",
            "steps-0-target": "person",
            "steps-0-person": "",
            "steps-0-after": "0m",
        },
    )
    assert response.status_code == 200
    assert "升级对象为“指定人员”时必须选择一个人" in response.content.decode()
    assert not EscalationLadder.objects.filter(code="empty").exists()


def test_admin_refuses_a_duration_that_is_not_a_number_and_keeps_what_was_typed(company, client_for, ladder):
    """Durations are typed as 数字 + 单位 (issue 23: "2h / 1d" codes): a bad number is refused at its field."""
    admin = client_for("admin")
    response = admin.post(
        "/admin/clocks/clockpolicy/add/",
        {
            "process": "request",
            "priority": "low",
            "kind": "review",
            "duration_0": "两",
            "duration_1": "h",
            "mode": "working",
            "remind_before_0": "",
            "remind_before_1": "m",
            "escalate_after_0": "",
            "escalate_after_1": "h",
            "ladder": "",
            "description": "",
            "is_active": "on",
        },
    )
    assert response.status_code == 200
    page = response.content.decode()
    assert re.search(
        r'<div class="form-row[^"]*field-duration[^"]*">\s*<ul class="errorlist"[^>]*><li>请填写整数，例如 2</li>', page
    )
    assert 'name="duration_0" value="两"' in page
    assert not ClockPolicy.objects.filter(process="request", priority="low", kind="review").exists()


def test_the_workbench_lists_limits_run_out_or_due_within_7_days_not_those_weeks_away(company, policy):
    from xietong.clocks.workbench import my_limits

    lina = company.person("lina")
    soon, later, late = (probe_for(company, "lina") for _ in range(3))
    soon.name, later.name, late.name = "周五前答复", "下月例会纪要", "已超时的答复"
    for probe in (soon, later, late):
        probe.save()
    with time_machine.travel(at("2026-03-02 10:00"), tick=False):
        for probe, due in ((soon, "2026-03-06 17:00"), (later, "2026-04-06 17:00"), (late, "2026-03-02 09:30")):
            clock_arm(subject=probe, process="probe", limit="respond", priority="high", owner=lina, due_at=at(due))
        clock_fire_due()
        section = my_limits(lina)
    assert [e.title for e in section.entries] == ["已超时的答复 · 响应", "周五前答复 · 响应"]
    assert section.entries[0].tone == "late"
