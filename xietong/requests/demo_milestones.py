"""The demo's multi-department request with its key nodes and a 需求变更 (issue 20), written through the real
steps at realistic past instants:

智能手表项目-充电底座量产方案确认: 郭鑫 (产品部) asks 硬件研发部, with 市场部 (对接人 罗倩) and 生产部 taking part;
accepted, signed by both sides and by every participating department's head, under way. Its key nodes are the
document's 第10/12/15个工作日 from the start, plus a dated one for 生产部. Yesterday 郭鑫 brought the expected
date forward by a 需求变更 (V2): 高峰 and 罗倩 have confirmed 已阅, the others have not yet.

Idempotent: left alone when a request with this title exists.
"""

from __future__ import annotations

import datetime as dt

from django.db import transaction

from xietong.clocks.demo import replay_clocks
from xietong.core.demo import at_instant
from xietong.items.runner import run_step
from xietong.org.models import Department, Person, Project
from xietong.requests.changes import change_request
from xietong.requests.milestones import milestone_add
from xietong.requests.models import Request, RequestVersion
from xietong.requests.participants import participants_parse
from xietong.requests.services import request_create
from xietong.workcal.demo import working_date, working_day_before

TITLE = "智能手表项目-充电底座量产方案确认"
DEPARTMENTS = "市场部/罗倩：提供充电底座外观调研数据\n生产部：评估充电底座量产可行性，派1名工程师参与评审会议"


def _step(username: str, item, name: str, when: dt.datetime, **kwargs):
    replay_clocks(when)
    with at_instant(when):
        return run_step(actor=Person.objects.get(username=username), item=item, step=name, **kwargs)


@transaction.atomic
def seed_demo_milestones() -> dict[str, int]:
    if not Person.objects.filter(username="guoxin").exists() or Request.objects.filter(title=TITLE).exists():
        return {"versions": RequestVersion.objects.count()}
    people = {p.username: p for p in Person.objects.all()}
    taking, _problem = participants_parse(DEPARTMENTS)
    submitted = working_day_before(6, "09:30")
    end, report_due = working_date(20), working_date(8)  # counted from today, outside the past instants below
    with at_instant(submitted):
        request = request_create(
            actor=people["guoxin"],
            criteria=["充电底座良率 ≥ 98%", "单台成本不高于 35 元"],
            submit=True,
            participants=taking,
            title=TITLE,
            collaboration_type="project",
            project=Project.objects.get(code="smartwatch"),
            receiving_department=Department.objects.get(code="rd-hardware"),
            receiver=people["zhaolei"],
            background="新一代智能手表改用磁吸充电底座，需在上市前确认量产方案",
            goal="确认充电底座结构与量产方案，按期交付原型并通过联合评审",
            content="1. 硬件研发部完成底座原型设计；2. 市场部提供外观调研数据；3. 生产部评估量产可行性",
            expected_date=end,
            priority="medium",
        )
    _step("zhaolei", request, "acknowledge", working_day_before(6, "10:15"))
    _step("zhaolei", request, "accept", working_day_before(5, "14:00"))
    _step("guoxin", Request.objects.get(pk=request.pk), "sign", working_day_before(5, "14:10"))
    _step("zhaolei", Request.objects.get(pk=request.pk), "sign", working_day_before(5, "14:20"))
    for row in request.participations.filter(state="awaiting").select_related("department__head"):
        if row.head is not None:
            _step(row.head.username, row, "confirm", working_day_before(5, "16:00"))
    _step("guoxin", Request.objects.get(pk=request.pk), "start", working_day_before(4, "09:00"))
    start = working_day_before(4, "09:00").date()
    request = Request.objects.get(pk=request.pk)
    with at_instant(working_day_before(4, "09:30")):
        prototype = milestone_add(
            actor=people["guoxin"],
            request=request,
            title="原型设计稿（V1）",
            owner=people["huangmin"],
            workday=10,
            start_date=start,
        )
        review = milestone_add(
            actor=people["guoxin"],
            request=request,
            title="联合评审原型方案",
            owner=people["zhaolei"],
            workday=12,
            start_date=start,
            after=prototype,
        )
        milestone_add(
            actor=people["guoxin"],
            request=request,
            title="出具验收结论",
            owner=people["guoxin"],
            workday=15,
            start_date=start,
            after=review,
        )
        milestone_add(
            actor=people["guoxin"],
            request=request,
            title="量产可行性评估报告",
            owner=people["xieqiang"],
            due_date=report_due,
            after=prototype,
        )
    changed_at = working_day_before(1, "15:00")
    sooner, earlier_start = working_date(15), working_day_before(5, "09:00").date()  # counted from today
    replay_clocks(changed_at)
    with at_instant(changed_at):
        change_request(
            actor=people["guoxin"],
            request=Request.objects.get(pk=request.pk),
            reason="渠道要求提前备货，上市时间提前一周",
            data={"expected_date": sooner, "priority": "high"},
            milestones={prototype.pk: earlier_start},
        )
    change = RequestVersion.objects.get(request=request, number=2)
    _step("gaofeng", change, "confirm", working_day_before(1, "15:40"))
    _step("luoqian", change, "confirm", working_day_before(1, "16:05"))
    return {"versions": RequestVersion.objects.count()}
