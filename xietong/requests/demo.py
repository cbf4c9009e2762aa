"""Demo requests (需求说明书) for the demo company, each at another point of its life, written through the
real services at realistic past instants (so their clocks, audit trail and notifications are real):

- 续航优化方案评审 (high): answered within 2 working hours, agreed and signed ten working days ago; the
  task, acceptance and feedback demos carry it on to completion.
- 消息推送设置页改版 (medium): acknowledged an hour after its 1-working-day limit (the reminder and the
  overdue notice fired at their instants); agreed and signed, its tasks are under way.
- 工单自动分类规则梳理 (high): submitted just now, waiting for 陈静 within 2 working hours.
- 量产可行性评估 (medium): 生产部 asked for changes; waiting on 郭鑫.
- 上市宣传物料需求: a draft 罗倩 has not submitted yet.

Idempotent: a request whose title exists is left alone.
"""

from __future__ import annotations

import datetime as dt

from django.db import transaction

from xietong.clocks.demo import replay_clocks
from xietong.core import clock
from xietong.core.demo import at_instant
from xietong.items.runner import run_step
from xietong.org.models import Department, Person, Project
from xietong.requests.models import Request
from xietong.requests.services import request_create
from xietong.workcal.demo import working_date, working_day_before

BATTERY = "智能手表项目-续航优化方案评审"
PUSH_SETTINGS = "2026年Q4产品迭代-消息推送设置页改版"
TICKET_RULES = "售后服务响应流程优化-工单自动分类规则梳理"
MASS_PRODUCTION = "智能手表项目-量产可行性评估"
LAUNCH_MATERIALS = "智能手表项目-上市宣传物料需求"


def _act(username: str, request: Request, name: str, when: dt.datetime, reason: str = "") -> Request:
    replay_clocks(when)
    with at_instant(when):
        return run_step(actor=Person.objects.get(username=username), item=request, step=name, reason=reason)


def _create(username: str, when: dt.datetime, criteria: list[str], *, submit: bool = True, **data) -> Request:
    with at_instant(when):
        return request_create(actor=Person.objects.get(username=username), criteria=criteria, submit=submit, **data)


@transaction.atomic
def seed_demo_requests() -> dict[str, int]:
    if not Person.objects.filter(username="guoxin").exists():
        return {"requests": Request.objects.count()}
    people = {p.username: p for p in Person.objects.all()}
    departments = {d.code: d for d in Department.objects.all()}
    projects = {p.code: p for p in Project.objects.all()}
    titles = set(Request.objects.values_list("title", flat=True))

    if BATTERY not in titles:
        submitted = working_day_before(10, "09:30")
        request = _create(
            "guoxin",
            submitted,
            ["待机续航 ≥ 5 天（典型场景：心率常测、每天抬腕 150 次）", "功耗测试报告通过硬件评审会评审"],
            title=BATTERY,
            collaboration_type="project",
            project=projects["smartwatch"],
            receiving_department=departments["rd-hardware"],
            receiver=people["zhaolei"],
            background="用户调研显示续航是首要投诉点：内测用户平均续航 2.5 天，竞品为 5 天",
            goal="新一代智能手表待机续航由 2.5 天提升到 5 天以上，评审通过后进入量产方案",
            content="1. 建立功耗基线；2. 评估低功耗芯片方案；3. 完成续航验证并输出功耗测试报告",
            expected_date=working_date(5),
            priority="high",
        )
        _act("zhaolei", request, "acknowledge", submitted + dt.timedelta(minutes=45))
        _act("zhaolei", request, "accept", working_day_before(10, "14:00"))
        _act("guoxin", request, "sign", working_day_before(10, "14:10"))
        _act("zhaolei", request, "sign", working_day_before(10, "14:20"))

    if PUSH_SETTINGS not in titles:
        submitted = working_day_before(4, "10:00")
        request = _create(
            "linxue",
            submitted,
            ["设置项按“通知类型 × 渠道”逐项可开关，默认值与产品文档一致", "改版后设置页打开耗时 ≤ 1 秒（中端机型）"],
            title=PUSH_SETTINGS,
            collaboration_type="project",
            project=projects["q4-iteration"],
            receiving_department=departments["rd-software"],
            receiver=people["lina"],
            background="用户反馈推送过多且无法按类型关闭，App 商店差评中 18% 与推送有关",
            goal="用户可按类型与渠道分别关闭推送，推送相关差评下降一半",
            content="1. 设置页交互改版；2. 前端实现；3. 推送开关接口；4. 回归测试",
            expected_date=working_date(6),
            priority="medium",
        )
        # Nobody answered within 1 working day: the reminder and the overdue notice go out on time.
        _act("lina", request, "acknowledge", working_day_before(3, "11:00"))
        _act("lina", request, "accept", working_day_before(3, "14:00"))
        _act("linxue", request, "sign", working_day_before(3, "14:30"))
        _act("lina", request, "sign", working_day_before(3, "15:00"))

    if MASS_PRODUCTION not in titles:
        request = _create(
            "guoxin",
            working_day_before(2, "16:00"),
            ["给出试产 500 台的产线排期", "评估目标良率 ≥ 98% 的可行性并列出风险"],
            title=MASS_PRODUCTION,
            collaboration_type="affairs",
            project=projects["smartwatch"],
            receiving_department=departments["production"],
            receiver=people["xieqiang"],
            background="续航方案评审通过后，需确认新方案能否按期量产",
            goal="明确试产与量产排期，提前识别产线风险",
            content="评估新低功耗方案的量产可行性：物料、产线改造、良率",
            expected_date=working_date(10),
            priority="medium",
        )
        _act(
            "xieqiang",
            request,
            "request_changes",
            working_day_before(1, "10:30"),
            reason="请补充试产数量的时间要求与目标良率的测试口径，否则无法评估产线排期",
        )

    if LAUNCH_MATERIALS not in titles:
        _create(
            "luoqian",
            working_day_before(1, "15:00"),
            [],
            submit=False,
            title=LAUNCH_MATERIALS,
            collaboration_type="affairs",
            project=projects["smartwatch"],
            receiving_department=departments["product"],
            background="新品计划下季度发布，需要提前准备宣传物料",
            goal="",
            content="",
            expected_date=working_date(15),
            priority="low",
        )

    if TICKET_RULES not in titles:
        _create(
            "dengli",
            clock.now() - dt.timedelta(minutes=40),
            ["覆盖近 3 个月 95% 以上的工单类型", "每条规则注明关键词与示例工单号"],
            title=TICKET_RULES,
            collaboration_type="affairs",
            project=projects["service-response"],
            receiving_department=departments["rd-software"],
            receiver=people["chenjing"],
            background="客户投诉响应时间要从 48 小时缩短到 24 小时，人工分单是主要瓶颈",
            goal="工单自动分类准确率达 95% 以上",
            content="整理现有工单分类与关键词，输出自动分类规则初稿，供工单系统实现",
            expected_date=working_date(8),
            priority="high",
        )
    return {"requests": Request.objects.count()}
