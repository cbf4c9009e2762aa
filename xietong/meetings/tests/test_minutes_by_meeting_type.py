"""How soon the minutes are due depends on the meeting: a kickoff's within 2 hours (002), an online meeting's
within 1 hour (003), a stand-up's the next (working) day (002), the weekly sync's within 1 working day (000),
any other's within 24 hours (004). Each is a policy row of its own, and the reminder says which."""

from xietong.clocks.models import Clock, ClockPolicy
from xietong.meetings.minutes_limits import minutes_priority
from xietong.meetings.models import Meeting
from xietong.meetings.tests.helpers import act, apply, at, fire, noticed, room


def minutes_clock(meeting) -> Clock:
    return Clock.objects.get(subject_id=meeting.pk, subject_type="meetings.meeting", kind="minutes", state="armed")


def notified_without_approval(company, type_code: str, start: str, end: str, *, when: str, **kw) -> Meeting:
    meeting = apply(company, when=when, start=start, end=end, type_code=type_code, **kw).meeting
    return act(company, meeting, "guoxin", "notify", when)


def test_every_meeting_type_limit_is_a_policy_with_the_clause_it_comes_from(company):
    rows = {
        p.priority: (p.duration, p.mode, p.description)
        for p in ClockPolicy.objects.filter(process="meeting", kind="minutes")
    }
    assert rows["kickoff"][:2] == ("2h", "wall")
    assert "会后2小时内" in rows["kickoff"][2]
    assert rows["online"][:2] == ("1h", "wall")
    assert "会后1小时内" in rows["online"][2]
    assert rows["standup"][:2] == ("1d", "working")
    assert "次日" in rows["standup"][2]
    assert rows["weekly-sync"][:2] == ("1d", "working")
    assert rows["*"][:2] == ("24h", "wall")  # 会议结束后24小时内: elapsed hours, not a working day
    labels = {
        str(p.priority_label())
        for p in ClockPolicy.objects.filter(process="meeting", kind="minutes").exclude(priority="*")
    }
    assert labels == {"启动会", "线上会议", "站会", "周例会"}


def test_a_kickoff_s_minutes_due_two_hours_after_it_ends_move_past_national_day_to_the_next_working_period(company):
    # Wednesday 30 September 2026, 16:30–17:30; 国庆 starts the next day: 2 elapsed hours end at 19:30, outside
    # working hours, so the deadline moves to the next working period, Thursday 8 October 09:00; the reminder
    # 30 minutes before would move there too, so there is none.
    meeting = notified_without_approval(
        company, "kickoff", "2026-09-30 16:30", "2026-09-30 17:30", when="2026-09-28 10:00"
    )
    clock = minutes_clock(meeting)
    assert (clock.due_at, clock.mode, clock.owner.username) == (at("2026-10-08 09:00"), "wall", "guoxin")
    fire("2026-09-30 16:30")  # the answers close at the start
    assert fire("2026-10-08 08:59") == 0  # nothing over the holiday
    assert fire("2026-10-08 09:00") >= 1
    assert Clock.objects.get(pk=clock.pk).state == "fired"


def test_an_online_meeting_s_minutes_are_due_within_one_hour(company):
    meeting = noticed(company, mode="online", room=None, online_link="https://meeting.example/123")
    # Tuesday 10 March 10:00–11:30, online only: 1 elapsed hour ends 12:30, in the lunch break (outside
    # working hours) → the afternoon's working period starts at 13:30.
    assert minutes_clock(meeting).due_at == at("2026-03-10 13:30")


def test_an_online_kickoff_follows_the_kickoff_rule_not_the_online_one(company):
    meeting = notified_without_approval(
        company,
        "kickoff",
        "2026-03-10 10:00",
        "2026-03-10 11:30",
        when="2026-03-06 10:00",
        mode="online",
        room=None,
        online_link="https://meeting.example/9",
    )
    assert minutes_priority(meeting) == "kickoff"
    assert minutes_clock(meeting).due_at == at("2026-03-10 13:30")


def test_a_stand_up_s_minutes_are_due_the_next_working_day_across_national_day(company):
    # Wednesday 30 September 09:00–09:15; 1–7 October are 国庆: the next working day is Thursday 8 October.
    meeting = notified_without_approval(
        company, "standup", "2026-09-30 09:00", "2026-09-30 09:15", when="2026-09-29 10:00"
    )
    assert minutes_clock(meeting).due_at == at("2026-10-08 09:15")


def test_a_stand_up_on_friday_before_the_adjusted_saturday_is_due_that_saturday(company):
    # Friday 9 October 09:00–09:15; Saturday 10 October is a 调休 working day.
    meeting = notified_without_approval(
        company, "standup", "2026-10-09 09:00", "2026-10-09 09:15", when="2026-10-08 10:00"
    )
    assert minutes_clock(meeting).due_at == at("2026-10-10 09:15")


def test_other_meetings_keep_the_general_rule_and_an_administrator_may_give_a_type_its_own(company):
    meeting = noticed(company)  # a 跨部门协作会议 in a room, Tuesday 10 March 10:00–11:30
    assert minutes_priority(meeting) == "*"
    assert minutes_clock(meeting).due_at == at("2026-03-11 11:30")
    ClockPolicy.objects.create(
        process="meeting", priority="collaboration", kind="minutes", duration="4h", mode="working"
    )
    # The type's own row from now on: 14:00–15:00 + 4 working hours = 3 on Tuesday + 1 on Wednesday.
    later = noticed(company, start="2026-03-10 14:00", end="2026-03-10 15:00", room=room("第二会议室"))
    assert minutes_priority(later) == "collaboration"
    assert minutes_clock(later).due_at == at("2026-03-11 10:00")
