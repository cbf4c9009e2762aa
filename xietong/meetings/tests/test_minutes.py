"""会议纪要: due one working day after the meeting ends (reminder, then escalation up the organiser's
chain); the chair signs; distribution; each 决议事项 becomes a tracked item with its own clock whose
overdue warning goes to the owner's division leader."""

import datetime as dt

import pytest
import time_machine
from django.db import transaction

from xietong.clocks.models import Clock, Escalation
from xietong.core.errors import ApplicationError, Forbidden, InvalidState
from xietong.meetings.minutes import ActionLine, action_item_transition, minutes_save, minutes_transition
from xietong.meetings.models import ActionItem, Meeting, Minutes
from xietong.meetings.selectors import meeting_action_rows
from xietong.meetings.tests.helpers import at, fire, inbox, noticed
from xietong.notify.models import InboxMessage

D = dt.date


def write(company, meeting, when: str, lines: list[tuple[str, str, dt.date]], actor: str = "guoxin", **kw):
    with time_machine.travel(at(when), tick=False), transaction.atomic():
        return minutes_save(
            actor=company.person(actor),
            meeting=Meeting.objects.get(pk=meeting.pk),
            discussion=kw.get("discussion", "1. 赵磊介绍低功耗芯片方案；2. 孙宇报告功耗基线。"),
            decisions=kw.get("decisions", "采用方案 B，量产前完成两轮功耗验证。"),
            action_items=[ActionLine(title, company.person(owner), due) for title, owner, due in lines],
            departments=kw.get("departments", [company.department("rd-qa")]),
        )


def sign(company, meeting, username: str, name: str, when: str, reason: str = ""):
    with time_machine.travel(at(when), tick=False), transaction.atomic():
        return minutes_transition(
            actor=company.person(username), meeting=Meeting.objects.get(pk=meeting.pk), name=name, reason=reason
        )


def test_minutes_overdue_remind_then_escalate_to_the_organisers_head_and_up(company):
    meeting = noticed(company)  # Tuesday 10 March 10:00–11:30, organiser 郭鑫 (产品部)
    minutes = Clock.objects.get(subject_id=meeting.pk, subject_type="meetings.meeting", kind="minutes")
    assert (minutes.due_at, minutes.owner.username) == (at("2026-03-11 11:30"), "guoxin")
    fire("2026-03-10 10:00")  # the answers close at the start (not what this test is about)
    assert fire("2026-03-11 09:30") == 1  # 2 working hours before: remind the organiser
    assert inbox("guoxin", "【即将到期】") == ["【即将到期】HY-2026-0001 智能手表项目-硬件方案评审会"]
    assert fire("2026-03-11 11:30") == 2  # due, and the first escalation
    assert inbox("hujun", "【升级·第1级】") == [
        "【升级·第1级】HY-2026-0001 智能手表项目-硬件方案评审会"
    ]  # 产品部负责人
    assert fire("2026-03-12 11:29") == 0
    assert fire("2026-03-12 11:30") == 1
    assert inbox("wangjianguo", "【升级·第2级】")  # 分管领导
    assert fire("2026-03-13 11:30") == 1
    assert inbox("chenzhiqiang", "【升级·第3级】")  # 总经理
    assert list(
        Escalation.objects.filter(subject_id=meeting.pk).order_by("level").values_list("target__username", flat=True)
    ) == ["hujun", "wangjianguo", "chenzhiqiang"]


def test_minutes_due_across_a_weekend(company):
    meeting = noticed(company, start="2026-03-13 16:00", end="2026-03-13 17:00")  # Friday
    # 会议结束后24小时内 (elapsed): Saturday 17:00, not a working day → Monday's first working period.
    assert Clock.objects.get(subject_id=meeting.pk, kind="minutes").due_at == at("2026-03-16 09:00")


def test_signed_minutes_are_distributed_and_action_items_become_tracked_items(company):
    meeting = noticed(company)
    with pytest.raises(InvalidState, match="会议尚未开始"):
        write(company, meeting, "2026-03-09 17:00", [])
    write(
        company,
        meeting,
        "2026-03-10 14:00",
        [
            ("完成方案 B 的功耗验证", "wangqiang", D(2026, 3, 20)),
            ("输出量产可行性评估", "zhaolei", D(2026, 3, 27)),
        ],
    )
    items = list(ActionItem.objects.order_by("position"))
    assert [(i.number, i.state, i.owner.username) for i in items] == [
        ("HY-2026-0001-A01", "draft", "wangqiang"),
        ("HY-2026-0001-A02", "draft", "zhaolei"),
    ]
    assert not Clock.objects.filter(subject_type="meetings.actionitem").exists()  # not before the chair signs
    with pytest.raises(Forbidden):
        sign(company, meeting, "zhaolei", "submit", "2026-03-10 14:10")
    sign(company, meeting, "guoxin", "submit", "2026-03-10 14:10")
    assert inbox("guoxin", "【待签字确认】") == ["【待签字确认】会议纪要 · HY-2026-0001 智能手表项目-硬件方案评审会"]
    with pytest.raises(ApplicationError) as refused:
        sign(company, meeting, "guoxin", "return", "2026-03-10 14:20")
    assert refused.value.fields == {"reason": "请填写退回意见"}
    sign(company, meeting, "guoxin", "approve", "2026-03-10 15:00")  # 郭鑫 chairs his own meeting

    meeting.refresh_from_db()
    assert meeting.state == "closed"
    assert Clock.objects.get(subject_id=meeting.pk, subject_type="meetings.meeting", kind="minutes").met_at == at(
        "2026-03-10 15:00"
    )
    # Everyone invited and the head of 测试部 (a relevant department) receive the minutes.
    for username in ("lina", "zhaolei", "sunyu", "heyang"):
        assert inbox(username, "【会议纪要】") == ["【会议纪要】智能手表项目-硬件方案评审会"], username
    assert set(meeting.readers.values_list("username", flat=True)) == {"sunyu"}
    body = InboxMessage.objects.filter(recipient__username="lina", notification__title__startswith="【会议纪要】")
    assert "1. 完成方案 B 的功耗验证（王强，3月20日前）" in body.get().notification.body

    # Each action item is tracked: due at 18:00 of its date, reminder a working day before.
    a1 = ActionItem.objects.get(position=1)
    clocks = {c.kind: c for c in Clock.objects.filter(subject_type="meetings.actionitem", subject_id=a1.pk)}
    assert a1.state == "open"
    assert clocks["due"].due_at == at("2026-03-20 18:00") and clocks["due"].owner.username == "wangqiang"
    assert clocks["remind"].due_at == at("2026-03-19 18:00")
    assert clocks["escalate"].due_at == at("2026-03-20 18:00")
    assert inbox("wangqiang", "【决议事项】") == ["【决议事项】HY-2026-0001-A01 完成方案 B 的功耗验证"]

    # 赵磊 finishes on time; 王强 does not: his overdue item is warned to his division leader 王建国.
    with time_machine.travel(at("2026-03-25 10:00"), tick=False), transaction.atomic():
        action_item_transition(
            actor=company.person("zhaolei"), item=ActionItem.objects.get(position=2), name="complete"
        )
    fire("2026-03-19 18:00")
    assert inbox("wangqiang", "【即将到期】") == ["【即将到期】HY-2026-0001-A01 完成方案 B 的功耗验证"]
    fire("2026-03-20 18:00")
    assert inbox("wangqiang", "【已超时】") == ["【已超时】HY-2026-0001-A01 完成方案 B 的功耗验证"]
    assert inbox("wangjianguo", "【升级·第1级】") == ["【升级·第1级】HY-2026-0001-A01 完成方案 B 的功耗验证"]
    fire("2026-03-23 18:00")  # one working day later: the general manager
    assert inbox("chenzhiqiang", "【升级·第2级】") == ["【升级·第2级】HY-2026-0001-A01 完成方案 B 的功耗验证"]

    # The meeting page shows each item's live state.
    with time_machine.travel(at("2026-03-24 10:00"), tick=False):
        rows = {r.item.position: r for r in meeting_action_rows(Meeting.objects.get(pk=meeting.pk))}
    assert (rows[1].tone, rows[1].status) == ("late", "已逾期 1 个工作日 1 小时")
    assert rows[1].escalated_to == ["王建国", "陈志强"]
    assert (rows[2].tone, rows[2].status) == ("ok", "按期完成")


def test_minutes_bad_action_items_are_refused_and_nothing_saved(company):
    meeting = noticed(company)
    with (
        pytest.raises(ApplicationError) as refused,
        time_machine.travel(at("2026-03-10 14:00"), tick=False),
        transaction.atomic(),
    ):
        minutes_save(
            actor=company.person("guoxin"),
            meeting=meeting,
            discussion="讨论",
            decisions="决议",
            action_items=[
                ActionLine("", company.person("wangqiang"), D(2026, 3, 20)),
                ActionLine("整理测试数据", None, D(2026, 3, 20)),
                ActionLine("补充报告", company.person("sunyu"), D(2026, 3, 1)),
            ],
        )
    assert refused.value.fields["action_items"] == (
        "第 1 行：请填写事项内容；第 2 行：请选择负责人（负责人须为系统中的人员）；第 3 行：完成期限 2026-03-01 早于会议日期"
    )
    assert not ActionItem.objects.exists() and not Minutes.objects.exists()


def test_returned_minutes_go_back_to_the_writer(company):
    meeting = noticed(company, chair=None)
    Meeting.objects.filter(pk=meeting.pk).update(chair=company.person("lina"))
    write(company, meeting, "2026-03-10 14:00", [])
    sign(company, meeting, "guoxin", "submit", "2026-03-10 14:10")
    assert inbox("lina", "【待签字确认】")
    sign(company, meeting, "lina", "return", "2026-03-10 15:00", reason="请补充功耗数据")
    assert inbox("guoxin", "【纪要退回修改】") == ["【纪要退回修改】HY-2026-0001 智能手表项目-硬件方案评审会"]
    assert Meeting.objects.get(pk=meeting.pk).minutes.state == "draft"
