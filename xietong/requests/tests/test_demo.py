"""The demo company's requests tell a story a new user can follow, written through the real services:
on-time and late answers, a breakdown with daily updates, a passed acceptance and feedback."""

import datetime as dt
from zoneinfo import ZoneInfo

import time_machine

from xietong.clocks.models import Clock
from xietong.core.audit import audit_verify
from xietong.core.demo import seed_demo
from xietong.notify.models import InboxMessage
from xietong.requests.demo import BATTERY, PUSH_SETTINGS, TICKET_RULES
from xietong.requests.models import Request
from xietong.tasks.models import Task

SH = ZoneInfo("Asia/Shanghai")
WEDNESDAY = dt.datetime(2026, 12, 2, 11, 0, tzinfo=SH)


def at(text: str) -> dt.datetime:
    return dt.datetime.fromisoformat(text).replace(tzinfo=SH)


def respond_clock(title: str) -> Clock:
    request = Request.objects.get(title=title)
    return Clock.objects.get(subject_type="requests.request", subject_id=request.pk, kind="respond")


def test_the_demo_requests_on_a_wednesday(db, seeded_demo):
    with time_machine.travel(WEDNESDAY, tick=False):
        seeded_demo()
        seed_demo()  # idempotent: nothing is written twice

    states = dict(Request.objects.values_list("title", "state"))
    assert states == {
        BATTERY: "completed",
        PUSH_SETTINGS: "in_progress",
        TICKET_RULES: "submitted",
        "智能手表项目-量产可行性评估": "change_requested",
        "智能手表项目-上市宣传物料需求": "draft",
        "智能手表项目-充电底座量产方案确认": "in_progress",  # the one with key nodes and a 需求变更
    }
    # Each names its 协作类型 (000 一), which its archive name will carry.
    assert dict(Request.objects.values_list("title", "collaboration_type")) == {
        BATTERY: "project",
        PUSH_SETTINGS: "project",
        TICKET_RULES: "affairs",
        "智能手表项目-量产可行性评估": "affairs",
        "智能手表项目-上市宣传物料需求": "affairs",
        "智能手表项目-充电底座量产方案确认": "project",
    }
    # 续航优化, submitted ten working days before (Wednesday 11-18 09:30), answered 45 minutes later.
    battery = respond_clock(BATTERY)
    assert (battery.limit_due_at, battery.met_at, battery.fired_at) == (
        at("2026-11-18 11:30"),
        at("2026-11-18 10:15"),
        None,
    )
    # 推送设置页, submitted Thursday 11-26 10:00 with 1 working day to answer: the overdue notice went out
    # at Friday 10:00, the acknowledgement came at 11:00.
    push = respond_clock(PUSH_SETTINGS)
    assert (push.limit_due_at, push.fired_at, push.met_at) == (
        at("2026-11-27 10:00"),
        at("2026-11-27 10:00"),
        at("2026-11-27 11:00"),
    )
    # 工单分类规则, submitted 40 minutes ago (10:20), high priority: 2 working hours, lunch skipped.
    assert respond_clock(TICKET_RULES).due_at == at("2026-12-02 13:50")
    assert InboxMessage.objects.filter(
        recipient__username="chenjing", notification__title__startswith="【待接收】"
    ).exists()
    # 朱红 did not answer her task over the weekend: accepted by default, on the record.
    regression = Task.objects.get(title="推送设置回归测试")
    assert (regression.state, regression.auto_accepted) == ("accepted", True)
    assert audit_verify().ok
