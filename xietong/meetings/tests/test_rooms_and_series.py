"""Rooms are never double-booked (the holder is named); people may be, with a warning; durations follow
the meeting type; a weekly sync is a series whose future occurrences change together."""

import datetime as dt

import pytest
import time_machine
from django.db import transaction

from xietong.core.errors import ApplicationError
from xietong.meetings.models import Meeting, MeetingSeries
from xietong.meetings.services import series_update
from xietong.meetings.tests.helpers import act, apply, at, inbox, room
from xietong.notify.models import InboxMessage

D = dt.date


def test_room_conflict_is_refused_with_the_conflicting_meeting_named(company):
    first = apply(company).meeting  # 第一会议室, Tue 10 March 10:00–11:30
    act(company, first, "guoxin", "submit", "2026-03-03 10:05")  # an application holds the room
    with pytest.raises(ApplicationError) as refused:
        apply(company, actor="lina", start="2026-03-10 11:00", end="2026-03-10 12:00", title="Q4 迭代需求评审")
    assert refused.value.fields == {
        "room": "会议室“第一会议室”在该时段已被 HY-2026-0001「智能手表项目-硬件方案评审会」（10:00–11:30）占用，请换会议室或调整时间"
    }
    assert Meeting.objects.count() == 1  # nothing half-saved
    # Back to back is fine: the first ends at 11:30.
    assert apply(company, actor="lina", start="2026-03-10 11:30", end="2026-03-10 12:00").meeting.pk


def test_a_room_conflict_names_only_the_number_to_someone_who_may_not_see_that_meeting(company):
    first = apply(company, invite=("lina",)).meeting
    act(company, first, "guoxin", "submit", "2026-03-03 10:05")
    with pytest.raises(ApplicationError) as refused:
        apply(
            company,
            actor="caojing",  # 客服部, no part of the smartwatch project
            project=company.project("service-response"),
            invite=("pengbo",),
            start="2026-03-10 09:00",
            end="2026-03-10 10:30",
        )
    assert refused.value.fields["room"] == (
        "会议室“第一会议室”在该时段已被 HY-2026-0001（产品部，10:00–11:30）占用，请换会议室或调整时间"
    )


def test_drafts_do_not_hold_a_room_but_a_later_submit_is_checked_again(company):
    draft = apply(company).meeting
    other = apply(company, actor="lina", project=company.project("q4-iteration"), invite=("liuyang",)).meeting
    act(company, other, "lina", "submit", "2026-03-03 10:30")
    # 郭鑫 may not see 李娜's Q4 meeting: it is named by number and department only.
    with pytest.raises(ApplicationError, match="已被 HY-2026-0002（软件开发部，10:00–11:30）占用"):
        act(company, draft, "guoxin", "submit", "2026-03-03 11:00")
    assert Meeting.objects.get(pk=draft.pk).state == "draft"


def test_a_participant_booked_twice_is_warned_not_refused(company):
    first = apply(company).meeting
    act(company, first, "guoxin", "submit", "2026-03-03 10:05")
    saved = apply(
        company,
        actor="lina",
        project=company.project("q4-iteration"),
        invite=("liuyang", "zhaolei"),
        room=room("第二会议室", capacity=8),
        start="2026-03-10 11:00",
        end="2026-03-10 11:45",
    )
    # 李娜 organises the second and is invited to the first; 赵磊 is invited to both.
    assert saved.warnings == [
        "李娜 在该时段已有会议 HY-2026-0001「智能手表项目-硬件方案评审会」（10:00–11:30）",
        "赵磊 在该时段已有会议 HY-2026-0001「智能手表项目-硬件方案评审会」（10:00–11:30）",
    ]
    assert Meeting.objects.count() == 2


@pytest.mark.parametrize(
    ("start", "end", "field", "message"),
    [
        (
            "2026-03-10 11:00",
            "2026-03-10 10:00",
            "end_at",
            "结束时间 2026-03-10 10:00 早于或等于开始时间 2026-03-10 11:00",
        ),
        (
            "2026-03-10 10:00",
            "2026-03-10 12:30",
            "end_at",
            "会议时长 2 小时 30 分钟，超过“跨部门协作会议”的上限 2 小时",
        ),
        ("2026-03-02 10:00", "2026-03-02 11:00", "start_at", "开始时间 2026-03-02 10:00 已经过去"),
    ],
)
def test_bad_times_are_refused_with_the_field_named(company, start, end, field, message):
    with pytest.raises(ApplicationError) as refused:
        apply(company, start=start, end=end)
    assert refused.value.fields[field] == message
    assert not Meeting.objects.exists()


def test_weekly_sync_at_most_30_minutes_skips_holidays_and_the_series_is_edited_as_one(company):
    def weekly(end: str, until: dt.date):
        return apply(
            company,
            when="2026-09-10 10:00",
            actor="lina",
            type_code="weekly-sync",
            project=company.project("q4-iteration"),
            title="软件开发部周例会",
            invite=("liuyang", "chenjing", "yangfan"),
            start="2026-09-15 10:00",
            end=end,
            room=room("研发中心小会议室", capacity=6),
            repeat_until=until,
        )

    with pytest.raises(ApplicationError) as refused:
        weekly("2026-09-15 10:31", D(2026, 10, 27))
    assert refused.value.fields["end_at"] == "会议时长 31 分钟，超过“周例会”的上限 30 分钟"
    assert not MeetingSeries.objects.exists() and not Meeting.objects.exists()

    saved = weekly("2026-09-15 10:30", D(2026, 10, 27))
    assert saved.occurrences == 6 and saved.skipped == ["10月6日（国庆节）"]
    days = [m.start_at.astimezone(at("2026-01-01 00:00").tzinfo).date() for m in Meeting.objects.order_by("start_at")]
    assert days == [D(2026, 9, 15), D(2026, 9, 22), D(2026, 9, 29), D(2026, 10, 13), D(2026, 10, 20), D(2026, 10, 27)]

    # One notice covers the series: every occurrence is noticed, each person hears once.
    act(company, saved.meeting, "lina", "notify", "2026-09-10 11:00")
    assert set(Meeting.objects.values_list("state", flat=True)) == {"notified"}
    assert inbox("chenjing", "【会议通知】") == ["【会议通知】软件开发部周例会"]
    body = InboxMessage.objects.get(recipient__username="chenjing").notification.body
    assert "时间：每周二 10:00–10:30，共 6 次（09月15日 至 10月27日）" in body

    # After the first two meetings the sync moves to 10:30 with 杨帆 replaced by 赵磊 (硬件).
    series = MeetingSeries.objects.get()
    first = Meeting.objects.order_by("start_at").first()
    with time_machine.travel(at("2026-09-23 09:00"), tick=False), transaction.atomic():
        changed = series_update(
            actor=company.person("lina"),
            series=series,
            expected_version=series.version,
            start_time=dt.time(10, 30),
            end_time=dt.time(11, 0),
            participants=[company.person(u) for u in ("liuyang", "chenjing", "zhaolei")],
            title="软件开发部周例会（含硬件）",
        )
    assert len(changed) == 4
    first.refresh_from_db()
    assert (first.title, first.start_at) == ("软件开发部周例会", at("2026-09-15 10:00"))  # the past stays
    later = Meeting.objects.order_by("start_at")[2]
    assert (later.title, later.start_at, later.end_at) == (
        "软件开发部周例会（含硬件）",
        at("2026-09-29 10:30"),
        at("2026-09-29 11:00"),
    )
    assert inbox("chenjing", "【会议变更】") == ["【会议变更】软件开发部周例会（含硬件）"]
    assert inbox("zhaolei", "【会议通知】") == ["【会议通知】软件开发部周例会（含硬件）"]
    assert inbox("yangfan", "【无需参会】") == ["【无需参会】软件开发部周例会（含硬件）"]
    assert not later.participations.filter(person__username="yangfan").exists()


def test_decisions_of_a_weekly_sync_are_followed_up_at_the_next_ones(company):
    from xietong.meetings.minutes import ActionLine, minutes_save, minutes_transition
    from xietong.meetings.selectors import series_followups

    saved = apply(
        company,
        when="2026-03-02 09:00",
        actor="lina",
        type_code="weekly-sync",
        project=company.project("q4-iteration"),
        title="软件开发部周例会",
        invite=("liuyang", "chenjing"),
        start="2026-03-04 09:30",
        end="2026-03-04 10:00",
        mode="online",
        room=None,
        online_link="钉钉会议 88 231 0457",
        repeat_until=D(2026, 3, 18),
    )
    act(company, saved.meeting, "lina", "notify", "2026-03-02 09:10")
    first, second, third = Meeting.objects.order_by("start_at")
    with time_machine.travel(at("2026-03-04 10:30"), tick=False), transaction.atomic():
        minutes_save(
            actor=company.person("lina"),
            meeting=first,
            discussion="登录页改版进度",
            decisions="周五前完成登录页改版",
            action_items=[ActionLine("完成登录页改版", company.person("liuyang"), D(2026, 3, 6))],
        )
        minutes_transition(actor=company.person("lina"), meeting=first, name="submit")
        minutes_transition(actor=company.person("lina"), meeting=first, name="approve")
    with time_machine.travel(at("2026-03-11 09:00"), tick=False):
        rows = series_followups(Meeting.objects.get(pk=second.pk))
    assert [(r.item.title, r.item.owner.username, r.tone) for r in rows] == [("完成登录页改版", "liuyang", "late")]
    assert series_followups(Meeting.objects.get(pk=first.pk)) == []
    assert len(series_followups(Meeting.objects.get(pk=third.pk))) == 1  # still open a week later
