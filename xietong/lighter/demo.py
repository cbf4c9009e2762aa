"""Demo rows for the lighter templates: one customer request with its 同步表, one onboarding. Idempotent."""

from __future__ import annotations

import datetime as dt

from django.db import transaction

from xietong.core.demo import at_instant
from xietong.lighter.models import CustomerRequirement, Onboarding
from xietong.lighter.services import (
    StepDraft,
    customer_add_row,
    customer_create,
    onboarding_create,
    onboarding_step_done,
)
from xietong.org.models import Person
from xietong.workcal.demo import working_day_before

CUSTOMER_TITLE = "华东区经销商-智能手表续航需求对接"


@transaction.atomic
def seed_demo_lighter() -> dict[str, int]:
    people = {
        p.username: p
        for p in Person.objects.filter(
            username__in=["tangwen", "guoxin", "huangmin", "lina", "yangfan", "wangqiang", "zhoujie"]
        )
    }
    if len(people) < 7:
        return {}
    if not CustomerRequirement.objects.filter(title=CUSTOMER_TITLE).exists():
        with at_instant(working_day_before(7, "10:00")):
            requirement = customer_create(
                actor=people["tangwen"],
                title=CUSTOMER_TITLE,
                customer="华东区经销商（上海）",
                description="经销商希望新一代智能手表续航不少于 5 天，并支持企业批量管理",
            )
        rows = [
            (
                7,
                "需求收集",
                "完成客户初步访谈，整理核心需求 3 项",
                ["tangwen"],
                "2 个工作日内输出需求初稿",
                "客户对“续航时长”要求模糊",
                "再次电话确认典型使用场景",
            ),
            (
                5,
                "需求确认",
                "需求初稿已邮件发送客户，等待反馈",
                ["guoxin"],
                "2 个工作日内收集客户反馈并修改",
                "客户反馈可能涉及成本增加",
                "提前准备备选方案",
            ),
            (
                3,
                "方案调整",
                "根据客户反馈调整方案，重点优化续航模块",
                ["huangmin", "guoxin"],
                "2 个工作日内提交方案终稿",
                "研发资源紧张",
                "协调优先级，必要时申请外部支持",
            ),
        ]
        for days, stage, progress, who, next_step, risk, response in rows:
            when = working_day_before(days, "17:00")
            with at_instant(when):
                customer_add_row(
                    actor=people["guoxin"] if days == 3 else people["tangwen"],  # 郭鑫 joins in the second row
                    requirement=requirement,
                    date=when.date(),
                    stage=stage,
                    progress=progress,
                    people=[people[u] for u in who],
                    next_step=next_step,
                    risk=risk,
                    response=response,
                )
    if not Onboarding.objects.filter(newcomer=people["yangfan"]).exists():
        start = working_day_before(3, "09:00")
        with at_instant(start):
            onboarding = onboarding_create(
                actor=people["lina"],
                newcomer=people["yangfan"],
                contact=people["wangqiang"],
                start_date=start.date(),
                duties="负责 App 消息中心模块的开发与维护；参与 Q4 迭代的需求评审与代码评审",
                process_links="发起需求（需求说明书） /requests/new/\n问题提报 /problems/new/\n上报紧急事项 /incidents/report/",
                steps=[
                    StepDraft("领取工牌、办公设备与工位", people["zhoujie"], start.date()),
                    StepDraft("岗位职责与部门制度讲解", people["lina"], (start + dt.timedelta(days=1)).date()),
                    StepDraft(
                        "熟悉协作流程：需求说明书、问题提报、紧急事项上报",
                        people["wangqiang"],
                        (start + dt.timedelta(days=7)).date(),
                    ),
                    StepDraft("完成第一个小任务并复盘", people["wangqiang"], (start + dt.timedelta(days=14)).date()),
                ],
            )
        steps = list(onboarding.steps.order_by("position"))
        with at_instant(start + dt.timedelta(hours=2)):
            onboarding_step_done(actor=people["zhoujie"], step=steps[0], note="工牌与笔记本已领取")
        with at_instant(working_day_before(2, "15:00")):
            onboarding_step_done(actor=people["lina"], step=steps[1])
    return {"customers": CustomerRequirement.objects.count(), "onboardings": Onboarding.objects.count()}
