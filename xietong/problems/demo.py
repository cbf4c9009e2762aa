"""Demo problems for the demo company: one solved and confirmed (in the case library), one being
worked on to its 解决方案, one signed by its department head and waiting for 综合管理部, one waiting for the
department head's signature. Idempotent: a problem whose title exists is left alone."""

from __future__ import annotations

import datetime as dt

from django.db import transaction

from xietong.core import clock
from xietong.core.demo import at_instant
from xietong.org.models import Department, Person, Project
from xietong.problems.models import Problem
from xietong.problems.services import (
    problem_dispatch,
    problem_file,
    problem_plan,
    problem_progress,
    problem_solve,
    problem_transition,
)
from xietong.workcal.demo import working_day_before


def _people(*usernames: str) -> list[Person]:
    found = {p.username: p for p in Person.objects.filter(username__in=usernames)}
    return [found[u] for u in usernames]


@transaction.atomic
def seed_demo_problems() -> dict[str, int]:
    if not Person.objects.filter(username="liufang").exists():
        return {"problems": Problem.objects.count()}
    caojing, liufang, lina, sunli, maxiaoyan, zhaolei, zhuhong, dengli, sunyu, pengbo = _people(
        "caojing", "liufang", "lina", "sunli", "maxiaoyan", "zhaolei", "zhuhong", "dengli", "sunyu", "pengbo"
    )
    departments = {d.code: d for d in Department.objects.all()}
    projects = {p.code: p for p in Project.objects.all()}

    title = "客服工单系统高峰期响应缓慢"
    if not Problem.objects.filter(title=title).exists():
        filed = working_day_before(12, "10:00")
        with at_instant(filed):
            problem = problem_file(
                actor=caojing,
                title=title,
                project=projects["service-response"],
                background="双十一预热期间客服咨询量翻倍，工单系统在 10:00–11:00、14:00–16:00 高峰期明显变慢",
                current_state="高峰期打开一张工单平均需 12 秒，客服反馈频繁卡顿，需要反复刷新",
                impact="客服部全员（约 40 人）；客户平均等待时间由 2 分钟升至 6 分钟，投诉量上升 30%",
                urgency="high",
                expected_date=(filed + dt.timedelta(days=14)).date(),
            )
        with at_instant(filed + dt.timedelta(minutes=30)):
            problem_transition(actor=dengli, problem=problem, name="endorse")
        with at_instant(filed + dt.timedelta(hours=5)):
            problem_dispatch(
                actor=liufang,
                problem=problem,
                lead_department=departments["rd-software"],
                helper_departments=[departments["rd-qa"]],
                basis="工单系统由软件开发部负责开发与运维；测试部配合高峰压测，验证效果",
                deadline=(filed + dt.timedelta(days=10)).date(),
            )
        with at_instant(filed + dt.timedelta(hours=6)):
            problem_plan(
                actor=lina,
                problem=problem,
                measures=[
                    {"measure": "分析高峰期慢查询，补齐工单表索引", "owner": lina, "due_date": filed.date()},
                    {
                        "measure": "工单列表改为分页加载，每页 50 条",
                        "owner": lina,
                        "due_date": (filed + dt.timedelta(days=3)).date(),
                    },
                    {
                        "measure": "测试部安排 500 并发压测验证效果",
                        "owner": sunyu,
                        "due_date": (filed + dt.timedelta(days=4)).date(),
                    },
                ],
                consultation="已与测试部孙宇确认：分页上线后次日安排 500 并发压测",
            )
        with at_instant(working_day_before(11, "10:30")):
            problem_progress(
                actor=lina,
                problem=problem,
                progress="已定位：工单列表按创建时间排序时全表扫描，高峰期数据库 CPU 达 95%",
                risk="加索引需要在业务低峰执行，约 20 分钟",
                next_step="今晚 22:00 执行索引变更，明日高峰观察",
            )
        with at_instant(working_day_before(10, "11:00")):
            problem_progress(
                actor=lina,
                problem=problem,
                progress="索引已上线，高峰期打开工单平均 1.5 秒；列表改为分页加载开发中",
                next_step="分页加载明日上线，测试部安排 500 并发压测",
            )
        with at_instant(working_day_before(9, "16:00")):
            problem_solve(
                actor=lina,
                problem=problem,
                cause="工单列表查询缺少复合索引，且一次加载全部历史工单",
                measures="为工单表增加（状态, 创建时间）复合索引；列表改为分页加载，每页 50 条",
                effect="测试部 500 并发压测：打开工单平均 0.8 秒；上线后连续 2 个高峰期无卡顿反馈",
            )
        with at_instant(working_day_before(8, "10:00")):
            problem_transition(actor=caojing, problem=problem, name="confirm")

    title = "智能手表续航测试数据与用户反馈不一致"
    if not Problem.objects.filter(title=title).exists():
        filed = working_day_before(3, "09:40")
        with at_instant(filed):
            problem = problem_file(
                actor=maxiaoyan,
                title=title,
                project=projects["smartwatch"],
                background="内测用户反馈续航约 2.5 天，实验室测试为 4 天",
                current_state="实验室按标准场景测试 4 天；内测 30 位用户平均 2.5 天，开启心率常测的用户仅 1.8 天",
                impact="影响续航优化方案评审结论与市场部宣传口径",
                urgency="medium",
                expected_date=(filed + dt.timedelta(days=21)).date(),
            )
        with at_instant(filed + dt.timedelta(hours=1)):
            problem_transition(actor=sunyu, problem=problem, name="endorse")
        with at_instant(filed + dt.timedelta(hours=4)):
            problem_dispatch(
                actor=sunli,
                problem=problem,
                lead_department=departments["rd-hardware"],
                helper_departments=[departments["rd-qa"], departments["product"]],
                basis="续航与功耗由硬件研发部负责；测试部提供测试方法，产品部确认用户典型场景",
                deadline=(filed + dt.timedelta(days=14)).date(),
            )
        next_day = working_day_before(1, "18:00")
        with at_instant(working_day_before(2, "10:00")):
            problem_plan(
                actor=zhaolei,
                problem=problem,
                measures=[
                    {
                        "measure": "对比内测机日志，找出实验室场景未覆盖的功耗差异",
                        "owner": zhaolei,
                        "due_date": next_day.date(),
                    },
                    {
                        "measure": "按用户典型场景更新续航测试规范并复测",
                        "owner": maxiaoyan,
                        "due_date": (filed + dt.timedelta(days=10)).date(),
                    },
                ],
                consultation="测试部提供测试方法，产品部确认用户典型场景（已在项目群确认分工）",
            )
        with at_instant(working_day_before(1, "15:00")):
            problem_progress(
                actor=zhaolei,
                problem=problem,
                progress="对比 5 台内测机日志：心率常测与抬腕亮屏是主要差异，实验室场景未覆盖",
                risk="需更新测试规范，可能推迟评审 1 周",
                next_step="与测试部、产品部确定新的典型场景并复测",
            )

    title = "Q4 迭代测试环境频繁不可用"
    if not Problem.objects.filter(title=title).exists():
        problem = problem_file(
            actor=zhuhong,
            title=title,
            project=projects["q4-iteration"],
            background="本周测试环境 3 次不可用，每次约 1 小时",
            current_state="测试环境与开发环境共用数据库，开发执行数据迁移时测试中断",
            impact="测试部 3 人，回归测试进度延误约 1 天",
            urgency="medium",
            expected_date=clock.today() + dt.timedelta(days=10),
        )
        problem_transition(actor=sunyu, problem=problem, name="endorse")

    title = "客服知识库检索结果与产品手册不一致"
    if not Problem.objects.filter(title=title).exists():
        problem_file(
            actor=pengbo,
            title=title,
            project=projects["service-response"],
            background="客服按知识库答复“表带尺寸”类咨询，客户对照产品手册发现数据不同",
            current_state="本月 8 起同类投诉；知识库条目最后更新于半年前，手册已改版两次",
            impact="客服部全员答复口径；相关投诉占本月投诉量的 5%",
            urgency="low",
            expected_date=clock.today() + dt.timedelta(days=20),
        )
    return {"problems": Problem.objects.count()}
