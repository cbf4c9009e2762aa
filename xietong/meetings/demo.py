"""Demo meetings for `./run.sh`: a review held last week with signed minutes and tracked decisions (one
overdue), an upcoming noticed meeting, an application waiting for approval, and a weekly sync.

Everything goes through the services, dated relative to today in working days, so the clocks, the audit
trail and the inbox are what they would be. Idempotent: a meeting whose title exists is not made again.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from contextlib import contextmanager
from unittest import mock

from django.apps import apps
from django.db import transaction

from xietong.clocks.models import Clock
from xietong.clocks.services import clock_fire_due
from xietong.core import clock
from xietong.meetings.answers import meeting_respond
from xietong.meetings.minutes import ActionLine, action_item_transition, minutes_save, minutes_transition
from xietong.meetings.models import ActionItem, Meeting, MeetingType, Room
from xietong.meetings.schedule import working_days_before
from xietong.meetings.services import meeting_create, meeting_transition
from xietong.org.models import Person, Project
from xietong.workcal.selectors import default_calendar, engine_for

ROOMS = [
    ("第一会议室", "A座 3 楼 301", 16),
    ("第二会议室", "A座 3 楼 305", 8),
    ("研发中心小会议室", "B座 2 楼 206", 6),
]


@contextmanager
def as_of(instant: dt.datetime) -> Iterator[None]:
    """Run services as if it were `instant` (a meeting "held last week" is recorded last week)."""
    with mock.patch.object(clock, "now", return_value=instant):
        yield


def catch_up_clocks() -> int:
    """Fire the clocks that fell due in the demo's past at the moments they fell due, as a worker that
    never missed a beat would have (reminders and escalations then carry their real dates)."""
    now, fired = clock.now(), 0
    for _ in range(500):
        due = Clock.objects.filter(state="armed", due_at__lte=now).order_by("due_at").values_list("due_at", flat=True)
        instant = due.first()
        if instant is None:
            break
        with as_of(instant):
            fired += clock_fire_due()
    return fired


def seed_demo_meetings() -> dict[str, int]:
    with transaction.atomic():
        for order, (name, location, capacity) in enumerate(ROOMS):
            Room.objects.get_or_create(
                name=name, defaults={"location": location, "capacity": capacity, "sort_order": order * 10}
            )
        if MeetingType.objects.exists() and Person.objects.filter(username="guoxin").exists():
            _seed_meetings()
            catch_up_clocks()
    return {
        "rooms": Room.objects.count(),
        "meetings": Meeting.objects.count(),
        "action_items": ActionItem.objects.count(),
    }


def _seed_meetings() -> None:
    engine = engine_for(default_calendar())
    today = clock.today()
    tz = clock.local().tzinfo

    def day(offset: int) -> dt.date:
        """A working day `offset` working days from today (negative: before)."""
        return working_days_before(engine, today, -offset) if offset <= 0 else engine.add_working_days(today, offset)

    def moment(d: dt.date, hh: int, mm: int = 0) -> dt.datetime:
        return dt.datetime.combine(d, dt.time(hh, mm), tzinfo=tz)

    people = {p.username: p for p in Person.objects.all()}
    types = {t.code: t for t in MeetingType.objects.all()}
    rooms = {r.name: r for r in Room.objects.all()}
    projects = {p.code: p for p in Project.objects.all()}

    def exists(title: str) -> bool:
        return Meeting.objects.filter(title=title).exists()

    # 1. Held five working days ago: minutes signed, three decisions tracked (one already overdue).
    title = "智能手表项目-续航方案评审会"
    if not exists(title):
        held = day(-5)
        with as_of(moment(day(-10), 9, 30)):
            meeting = meeting_create(
                actor=people["guoxin"],
                participants=[people[u] for u in ("lina", "zhaolei", "sunyu", "wangqiang", "luoqian")],
                title=title,
                project=projects["smartwatch"],
                meeting_type=types["review"],
                start_at=moment(held, 10),
                end_at=moment(held, 11, 30),
                mode="room",
                room=rooms["第一会议室"],
                goal="确定续航优化的技术方案与量产前验证计划",
                agenda=[
                    "低功耗芯片方案介绍（赵磊，20 分钟）",
                    "功耗基线测试结果（孙宇，20 分钟）",
                    "讨论与决议（40 分钟）",
                ],
                materials="硬件方案 V2、功耗基线测试报告、用户调研续航反馈汇总",
            ).meeting
            meeting_transition(actor=people["guoxin"], meeting=meeting, name="submit")
        with as_of(moment(day(-9), 10)):
            meeting_transition(actor=people["wangjianguo"], meeting=meeting, name="approve")
        with as_of(moment(day(-8), 9)):
            meeting_transition(actor=people["guoxin"], meeting=meeting, name="notify")
        with as_of(moment(day(-7), 10)):
            for username in ("lina", "zhaolei", "sunyu", "wangqiang"):
                meeting_respond(actor=people[username], meeting=meeting, response="accepted")
            meeting_respond(actor=people["luoqian"], meeting=meeting, response="declined", reason="外出拜访客户")
        with as_of(moment(held, 15)):
            minutes_save(
                actor=people["guoxin"],
                meeting=meeting,
                discussion="1. 赵磊介绍方案 B（低功耗芯片 + 动态调频），预计待机续航 5.5 天；\n"
                "2. 孙宇报告功耗基线：现方案待机 2.1 天，主要耗电在蓝牙同步；\n"
                "3. 王强提出后台同步改为批量上报，可再降 15% 功耗。",
                decisions="采用方案 B；后台同步改为批量上报；量产前完成两轮功耗验证。",
                action_items=[
                    ActionLine("完成方案 B 的功耗验证并出具报告", people["wangqiang"], day(-2)),
                    ActionLine("输出量产可行性评估", people["zhaolei"], day(5)),
                    ActionLine("补充续航专项测试用例", people["sunyu"], day(-1)),
                ],
                departments=[people["sunyu"].department] if people["sunyu"].department else [],
            )
            minutes_transition(actor=people["guoxin"], meeting=meeting, name="submit")
            minutes_transition(actor=people["guoxin"], meeting=meeting, name="approve")
        with as_of(moment(day(-2), 11)):
            item = ActionItem.objects.get(meeting=meeting, owner=people["sunyu"])
            action_item_transition(actor=people["sunyu"], item=item, name="complete", reason="已新增 12 条用例")

    # 2. Noticed for three working days from now; some have answered.
    title = "2026年Q4产品迭代-需求评审会"
    if not exists(title):
        start = day(3)
        with as_of(moment(day(-3), 9)):
            meeting = meeting_create(
                actor=people["lina"],
                participants=[people[u] for u in ("liuyang", "chenjing", "yangfan", "linxue", "zhuhong", "heli")],
                title=title,
                project=projects["q4-iteration"],
                meeting_type=types["collaboration"],
                start_at=moment(start, 14),
                end_at=moment(start, 15, 30),
                mode="hybrid",
                room=rooms["第二会议室"],
                online_link="腾讯会议 512-376-908",
                goal="确认 Q4 迭代范围与优先级",
                agenda=["迭代目标回顾", "需求逐条评审", "排期与分工"],
                materials="Q4 需求清单（林雪）、上季度遗留问题列表",
            ).meeting
            meeting_transition(actor=people["lina"], meeting=meeting, name="submit")
        with as_of(moment(day(-2), 10)):
            meeting_transition(actor=people["wangjianguo"], meeting=meeting, name="approve")
            meeting_transition(actor=people["lina"], meeting=meeting, name="notify")
        with as_of(moment(day(-1), 10)):
            meeting_respond(actor=people["linxue"], meeting=meeting, response="accepted")
            meeting_respond(actor=people["chenjing"], meeting=meeting, response="accepted")
            meeting_respond(actor=people["heli"], meeting=meeting, response="declined", reason="用户访谈已排期")

    # 3. An application waiting for the division leader of 客户服务部.
    title = "售后服务响应流程优化-跨部门协调会"
    if not exists(title):
        start = day(6)
        meeting = meeting_create(
            actor=people["dengli"],
            participants=[people[u] for u in ("caojing", "pengbo", "chenjing", "tangwen", "sunli")],
            title=title,
            project=projects["service-response"],
            meeting_type=types["collaboration"],
            start_at=moment(start, 10),
            end_at=moment(start, 11, 30),
            mode="room",
            room=rooms["第一会议室"],
            goal="明确工单自动分类与 24 小时响应的分工",
            agenda=["投诉数据回顾", "工单分类规则", "跨部门快速响应群组的职责"],
            materials="近三个月投诉统计",
        ).meeting
        meeting_transition(actor=people["dengli"], meeting=meeting, name="submit")

    # 4. The weekly sync of 软件开发部: eight weeks, noticed as one series.
    title = "软件开发部周例会"
    if not exists(title):
        first = day(2)
        meeting = meeting_create(
            actor=people["lina"],
            participants=[people[u] for u in ("wangqiang", "liuyang", "chenjing", "yangfan")],
            repeat_until=first + dt.timedelta(weeks=7),
            title=title,
            project=projects["q4-iteration"],
            meeting_type=types["weekly-sync"],
            start_at=moment(first, 9, 30),
            end_at=moment(first, 10),
            mode="hybrid",
            room=rooms["研发中心小会议室"],
            online_link="钉钉会议 88 231 0457",
            goal="同步本周进展、风险与需协助事项",
            agenda=["上周决议事项跟踪", "各人本周进展（每人 3 分钟）", "风险与需协助事项"],
            materials="",
        ).meeting
        meeting_transition(actor=people["lina"], meeting=meeting, name="notify")

    # 5. The kickoff a request called (启动会), held online six working days ago; its minutes were signed
    # within the kickoff's 2 hours, and the request's page lists it.
    title = "智能手表项目-续航优化启动会"
    caller = (
        apps.get_model("requests", "Request").objects.filter(project=projects.get("smartwatch")).order_by("pk").first()
    )
    if not exists(title) and caller is not None:
        held = day(-6)
        with as_of(moment(day(-7), 16)):
            meeting = meeting_create(
                actor=people["guoxin"],
                participants=[people[u] for u in ("lina", "zhaolei", "sunyu", "wangqiang")],
                called_by=f"requests.request:{caller.pk}",
                title=title,
                project=projects["smartwatch"],
                meeting_type=types["kickoff"],
                start_at=moment(held, 14),
                end_at=moment(held, 15),
                mode="online",
                room=None,
                online_link="腾讯会议 731-204-556",
                goal="同步续航优化的目标、分工及时间节点，保证各方理解一致",
                agenda=["需求逐项说明（郭鑫）", "分工与时间节点", "风险与依赖"],
                materials="需求说明书、用户调研续航反馈汇总",
            ).meeting
            meeting_transition(actor=people["guoxin"], meeting=meeting, name="notify")
        with as_of(moment(held, 16, 10)):
            minutes_save(
                actor=people["guoxin"],
                meeting=meeting,
                discussion="1. 郭鑫逐项说明需求：待机续航由 2 天提升到 5 天；\n"
                "2. 李娜确认软件侧负责后台同步策略，赵磊负责低功耗芯片方案。",
                decisions="各方确认目标一致；3 个工作日内完成任务分解。",
                action_items=[ActionLine("完成任务分解表并发布", people["lina"], day(-3))],
                departments=[],
            )
            minutes_transition(actor=people["guoxin"], meeting=meeting, name="submit")
            minutes_transition(actor=people["guoxin"], meeting=meeting, name="approve")
