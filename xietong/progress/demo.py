"""Demo execution of the demo requests (requests/demo.py): their 协作任务分解表, the owners' answers, the
daily updates by 17:00 and a 【需协助】 flag, written through the real services at realistic past instants.
The clocks that fell due meanwhile fire at their instants, so a missed update has its reminder and a
silent owner's task is accepted by default after one working day. Idempotent: a request that already
has a breakdown is left alone."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from django.db import transaction

from xietong.clocks.demo import replay_clocks
from xietong.core.demo import at_instant
from xietong.org.models import Person
from xietong.progress.services import progress_post
from xietong.requests.demo import BATTERY, PUSH_SETTINGS
from xietong.requests.models import Request
from xietong.tasks.models import Breakdown, Task
from xietong.tasks.process import awaited_signatures
from xietong.tasks.services import breakdown_open, breakdown_publish, breakdown_sign, task_create, task_transition
from xietong.workcal.demo import working_date, working_day_before


@dataclass
class TaskDraft:
    title: str
    owner: str
    start: int  # working days from today
    end: int
    content: str
    after: list[str] = field(default_factory=list)  # titles of predecessors
    helpers: list[str] = field(default_factory=list)


def _person(username: str) -> Person:
    return Person.objects.get(username=username)


def _task(title: str) -> Task:
    return Task.objects.get(title=title)


def _at(when: dt.datetime):
    replay_clocks(when)
    return at_instant(when)


def _transition(username: str, title: str, name: str, when: dt.datetime) -> None:
    with _at(when):
        task = _task(title)
        if name == "accept" and task.state != "published":
            return  # 24 hours passed first (a weekend, say): the task was accepted by default
        task_transition(actor=_person(username), task=task, name=name)


def _post(username: str, title: str, when: dt.datetime, text: str, percent: int, next_step: str = "", **help_):
    with _at(when):
        progress_post(
            actor=_person(username), task=_task(title), text=text, percent=percent, next_step=next_step, **help_
        )


def _publish(author: str, request: Request, when: dt.datetime, drafts: list[TaskDraft]) -> None:
    actor = _person(author)
    dates = {d.title: (working_date(d.start), working_date(d.end)) for d in drafts}  # from today, not `when`
    with _at(when):
        breakdown = breakdown_open(actor=actor, request=request)
        for draft in drafts:
            task_create(
                completion_criteria="交付物经负责人确认",
                actor=actor,
                breakdown=breakdown,
                title=draft.title,
                owner=_person(draft.owner),
                helpers=[_person(u) for u in draft.helpers],
                predecessors=[_task(t) for t in draft.after],
                start_date=dates[draft.title][0],
                end_date=dates[draft.title][1],
                priority=request.priority,
                content=draft.content,
            )
    with _at(when + dt.timedelta(minutes=20)):
        for participation in awaited_signatures(breakdown):  # 各部门负责人签字确认分工表及 RACI
            breakdown_sign(actor=participation.head, breakdown=breakdown)
        breakdown_publish(actor=actor, breakdown=breakdown)


def _battery(request: Request) -> None:
    """Done: baseline, chip choice and the verification report, the last one a little late."""
    _publish(
        "guoxin",
        request,
        working_day_before(10, "15:00"),
        [
            TaskDraft("功耗基线测试", "sunyu", -9, -7, "按典型场景测量现款功耗基线，输出基线数据表"),
            TaskDraft(
                "低功耗芯片选型与方案设计", "huangmin", -6, -4, "对比三款低功耗芯片，给出方案", after=["功耗基线测试"]
            ),
            TaskDraft(
                "续航验证与功耗测试报告",
                "maxiaoyan",
                -3,
                -2,
                "样机续航验证，输出功耗测试报告",
                after=["低功耗芯片选型与方案设计"],
            ),
        ],
    )
    _transition("sunyu", "功耗基线测试", "accept", working_day_before(10, "16:00"))
    _transition("huangmin", "低功耗芯片选型与方案设计", "accept", working_day_before(9, "09:40"))
    _transition("sunyu", "功耗基线测试", "start", working_day_before(9, "09:30"))
    _post("sunyu", "功耗基线测试", working_day_before(9, "16:30"), "完成 3 台样机的待机功耗采集", 40, "采集运动场景")
    _post("sunyu", "功耗基线测试", working_day_before(8, "16:45"), "运动与心率常测场景采集完成", 80, "整理基线数据表")
    _transition("sunyu", "功耗基线测试", "done", working_day_before(7, "15:00"))
    _transition("huangmin", "低功耗芯片选型与方案设计", "start", working_day_before(6, "09:30"))
    _post(
        "huangmin",
        "低功耗芯片选型与方案设计",
        working_day_before(6, "16:30"),
        "三款芯片的功耗与成本对比完成",
        40,
        "与生产部确认供货周期",
    )
    # 黄敏 posts nothing on the 5th working day before today: the 17:00 reminder goes out.
    _post(
        "huangmin",
        "低功耗芯片选型与方案设计",
        working_day_before(4, "14:30"),
        "选定 A 方案：待机功耗下降 52%，供货周期 4 周",
        100,
    )
    _transition("huangmin", "低功耗芯片选型与方案设计", "done", working_day_before(4, "15:00"))
    _transition("maxiaoyan", "续航验证与功耗测试报告", "start", working_day_before(3, "09:30"))
    _post(
        "maxiaoyan",
        "续航验证与功耗测试报告",
        working_day_before(3, "16:50"),
        "样机连续续航测试进行中，已运行 30 小时",
        50,
        "明早出报告初稿",
    )
    _transition("maxiaoyan", "续航验证与功耗测试报告", "done", working_day_before(2, "11:00"))


def _push_settings(request: Request) -> None:
    """Under way: the design is done, the API and the page are being built, the page waits on the API."""
    _publish(
        "lina",
        request,
        working_day_before(3, "16:00"),
        [
            TaskDraft("设置页交互稿", "heli", -2, -2, "按“通知类型 × 渠道”设计设置页交互稿"),
            TaskDraft("推送开关接口", "chenjing", -2, 1, "按类型与渠道保存用户的推送开关"),
            TaskDraft("设置页前端实现", "liuyang", -1, 2, "按交互稿实现设置页", after=["设置页交互稿"]),
            TaskDraft(
                "推送设置回归测试",
                "zhuhong",
                3,
                4,
                "覆盖全部开关组合与老版本升级",
                after=["推送开关接口", "设置页前端实现"],
            ),
        ],
    )
    _transition("heli", "设置页交互稿", "accept", working_day_before(3, "17:00"))
    _transition("heli", "设置页交互稿", "start", working_day_before(2, "09:10"))
    _post("heli", "设置页交互稿", working_day_before(2, "12:00"), "交互稿初稿完成，已与林雪确认", 80, "补充空状态")
    _transition("heli", "设置页交互稿", "done", working_day_before(2, "16:00"))
    _transition("chenjing", "推送开关接口", "accept", working_day_before(2, "09:30"))
    _transition("chenjing", "推送开关接口", "start", working_day_before(2, "10:00"))
    _post("chenjing", "推送开关接口", working_day_before(2, "16:30"), "接口与数据表设计完成", 40, "实现保存与查询")
    _transition("liuyang", "设置页前端实现", "accept", working_day_before(2, "10:00"))
    _transition("liuyang", "设置页前端实现", "start", working_day_before(1, "09:30"))
    _post(
        "liuyang",
        "设置页前端实现",
        working_day_before(1, "16:40"),
        "页面结构与开关组件完成",
        30,
        "接入开关接口",
        needs_help=True,
        help_from=_person("chenjing"),
    )
    _post("chenjing", "推送开关接口", working_day_before(1, "16:50"), "保存接口完成，查询接口开发中", 60, "明天联调")
    # 朱红 has not answered her task: after one working day it counts as accepted, on the record.


@transaction.atomic
def seed_demo_execution() -> dict[str, int]:
    for title, build in ((BATTERY, _battery), (PUSH_SETTINGS, _push_settings)):
        request = Request.objects.filter(title=title).first()
        if request is not None and not Breakdown.objects.filter(request=request).exists():
            build(request)
    return {"tasks": Task.objects.count()}
