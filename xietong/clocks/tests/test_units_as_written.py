"""Units as written. 工作小时/工作日 count working time; 小时/分钟 count elapsed time, and a deadline that
falls outside working hours moves to the start of the next working period unless the policy says not to
(emergencies). "超时48小时自动升级" counts from the missed deadline; a rung may count from the start or from
the deadline instead. Every instant is Asia/Shanghai; 2026: 国庆 10/1–10/7, 调休 Saturday 10/10 worked,
working hours 09:00–12:00 and 13:30–18:00."""

import pytest

from xietong.clocks.models import Clock, ClockKind, ClockPolicy, EscalationLadder, EscalationStep
from xietong.clocks.tests.test_clocks import arm, at, fire_at, probe_for


def policy(duration="24h", mode="wall", snap=True, **more):
    return ClockPolicy.objects.create(
        process="probe", priority="high", kind="respond", duration=duration, mode=mode, snap=snap, **more
    )


def due(probe, kind=ClockKind.RESPOND, level=0):
    return Clock.objects.get(subject_id=probe.pk, kind=kind, level=level).due_at


@pytest.mark.parametrize(
    ("start", "expected"),
    [
        ("2026-03-02 10:00", "2026-03-03 10:00"),  # Monday → Tuesday, same time: working hours
        ("2026-03-02 17:30", "2026-03-03 17:30"),
        ("2026-03-02 18:00", "2026-03-03 18:00"),  # the end of a working period is still in it
        ("2026-03-02 12:30", "2026-03-03 13:30"),  # lunch break → the afternoon's start
        ("2026-03-06 10:00", "2026-03-09 09:00"),  # Friday → Saturday 10:00, a day off → Monday 09:00
        ("2026-09-30 10:00", "2026-10-08 09:00"),  # → 10/1, 国庆 → the first working morning after it
        ("2026-10-09 11:00", "2026-10-10 11:00"),  # → the 调休 Saturday, a working day: stays
        ("2026-10-09 19:00", "2026-10-12 09:00"),  # → Saturday 19:00, after its hours → Monday 09:00
    ],
)
def test_24_elapsed_hours_move_into_the_next_working_period_only_when_they_end_outside_it(company, start, expected):
    policy()
    probe = probe_for(company, "wangqiang")
    arm(probe, at(start))
    assert due(probe) == at(expected)


def test_24_hours_are_not_one_working_day(company):
    ClockPolicy.objects.create(process="probe", priority="*", kind="respond", duration="1d", mode="working")
    policy()
    day, hours = probe_for(company, "wangqiang"), probe_for(company, "lina")
    # From Friday 17:30: 1 个工作日 is Monday 17:30 (30 minutes on Friday, 7 hours on Monday); 24 小时 end on
    # Saturday 17:30, a day off, and move to Monday's first working period.
    arm(day, at("2026-03-06 17:30"), priority="low")
    arm(hours, at("2026-03-06 17:30"))
    assert (due(day), due(hours)) == (at("2026-03-09 17:30"), at("2026-03-09 09:00"))


def test_an_emergency_limit_is_not_moved_even_on_a_national_day_night(company):
    policy("2h", snap=False)
    probe = probe_for(company, "wangqiang")
    arm(probe, at("2026-10-01 02:00"))
    assert due(probe) == at("2026-10-01 04:00")
    assert fire_at(at("2026-10-01 04:00")) == 1


@pytest.fixture
def one_rung(db):
    ladder = EscalationLadder.objects.create(name="单级", code="one-rung")
    return EscalationStep.objects.create(ladder=ladder, level=1, target="department_head", after="0m")


def test_escalation_48_elapsed_hours_after_the_missed_deadline_lands_on_the_make_up_saturday(company, one_rung):
    # 2 个工作小时 from 17:30 on 9/30: due 10/8 10:30; 48 hours later is the 调休 Saturday 10/10 10:30.
    policy("2h", "working", escalate_after="48h", escalate_mode="wall", ladder=one_rung.ladder)
    probe = probe_for(company, "wangqiang")
    arm(probe, at("2026-09-30 17:30"))
    assert due(probe) == at("2026-10-08 10:30")
    assert due(probe, ClockKind.ESCALATE, 1) == at("2026-10-10 10:30")


def test_48_working_hours_would_be_a_different_instant(company, one_rung):
    policy("2h", "working", escalate_after="48h", escalate_mode="working", ladder=one_rung.ladder)
    probe = probe_for(company, "wangqiang")
    arm(probe, at("2026-09-30 17:30"))
    # 48 working hours after 10/8 10:30: 6 h on 10/8, 7 h 30 min on each of 10/9, 10/10 (调休), 10/12, 10/13
    # and 10/14 (43 h 30 min), then 4 h 30 min on 10/15: 09:00–12:00 and 13:30–15:00.
    assert due(probe, ClockKind.ESCALATE, 1) == at("2026-10-15 15:00")


@pytest.mark.parametrize(
    ("counted_from", "after", "expected"),
    [
        ("start", "4h", "2026-03-02 14:30"),  # 09:00 + 4 working hours (the lunch break skipped)
        ("deadline", "4h", "2026-03-02 16:30"),  # the 11:00 deadline + 4 working hours
        # escalation begins 2 working hours after the deadline (14:30), the rung 4 working hours after that
        ("previous", "4h", "2026-03-03 09:30"),
    ],
)
def test_a_rung_counts_from_the_start_the_deadline_or_when_escalation_begins(
    company, one_rung, counted_from, after, expected
):
    one_rung.counted_from, one_rung.after = counted_from, after
    one_rung.save()
    policy("2h", "working", escalate_after="2h", ladder=one_rung.ladder)
    probe = probe_for(company, "wangqiang")
    arm(probe, at("2026-03-02 09:00"))
    assert due(probe) == at("2026-03-02 11:00")
    assert due(probe, ClockKind.ESCALATE, 1) == at(expected)
