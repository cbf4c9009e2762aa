"""Shared steps for the meeting tests: the demo company's rooms, a meeting application, acting at an instant."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import time_machine
from django.db import transaction

from xietong.clocks.services import clock_fire_due
from xietong.meetings.models import Meeting, MeetingType, Room
from xietong.meetings.services import meeting_create, meeting_transition
from xietong.notify.models import InboxMessage

SH = ZoneInfo("Asia/Shanghai")


def at(text: str) -> dt.datetime:
    return dt.datetime.fromisoformat(text).replace(tzinfo=SH)


def room(name: str = "第一会议室", capacity: int = 12) -> Room:
    return Room.objects.get_or_create(name=name, defaults={"location": "A座 3 楼", "capacity": capacity})[0]


def meeting_type(code: str = "collaboration") -> MeetingType:
    return MeetingType.objects.get(code=code)


def apply(
    company,
    *,
    when: str = "2026-03-03 10:00",
    start: str = "2026-03-10 10:00",
    end: str = "2026-03-10 11:30",
    actor: str = "guoxin",
    invite: tuple[str, ...] = ("lina", "zhaolei", "sunyu", "heyang"),
    type_code: str = "collaboration",
    repeat_until: dt.date | None = None,
    **overrides,
):
    """郭鑫 (产品部) applies for a review meeting of the smartwatch project; returns MeetingSaved."""
    data = dict(
        title="智能手表项目-硬件方案评审会",
        project=company.project("smartwatch"),
        meeting_type=meeting_type(type_code),
        start_at=at(start),
        end_at=at(end),
        mode="room",
        room=room(),
        goal="确定续航优化的硬件方案",
        agenda=["硬件方案介绍（20 分钟）", "功耗测试数据（20 分钟）", "讨论与决议（40 分钟）"],
        materials="硬件方案 V2、功耗测试报告",
    )
    data.update(overrides)
    with time_machine.travel(at(when), tick=False), transaction.atomic():
        return meeting_create(
            actor=company.person(actor),
            participants=[company.person(u) for u in invite],
            repeat_until=repeat_until,
            **data,
        )


def act(company, meeting, username: str, name: str, when: str, reason: str = "") -> Meeting:
    with time_machine.travel(at(when), tick=False), transaction.atomic():
        return meeting_transition(
            actor=company.person(username), meeting=Meeting.objects.get(pk=meeting.pk), name=name, reason=reason
        )


def noticed(company, **kwargs) -> Meeting:
    """Applied on Tue 3 March, approved by 王建国 the same day, noticed on Wed 4 March (on time)."""
    meeting = apply(company, **kwargs).meeting
    act(company, meeting, "guoxin", "submit", "2026-03-03 10:05")
    act(company, meeting, "wangjianguo", "approve", "2026-03-03 14:00")
    return act(company, meeting, "guoxin", "notify", "2026-03-04 09:00")


def fire(when: str) -> int:
    with time_machine.travel(at(when), tick=False):
        return clock_fire_due()


def inbox(username: str, prefix: str = "") -> list[str]:
    titles = InboxMessage.objects.filter(recipient__username=username).values_list("notification__title", flat=True)
    return [t for t in titles if t.startswith(prefix)]
