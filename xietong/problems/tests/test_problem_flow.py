"""问题提报 as the seed prescribes: 问题提报表 → 部门负责人审核签署 → 综合管理部 1 个工作日内分派 (copying the division leaders) →
主责部门制定解决方案 → 每 2 个工作日反馈进度（紧急问题每日）→ 问题解决报告 → 提报人确认 → 台账 and 案例库.

Every instant is Asia/Shanghai. 2026: 国庆 10/1–10/7, Thursday 10/8 is the first working day after it,
Saturday 10/10 is a 调休 working day. A working day is 7.5 h (09:00–12:00, 13:30–18:00).
"""

import datetime as dt
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.db import transaction

from xietong.clocks.models import Clock, Escalation
from xietong.clocks.services import clock_fire_due
from xietong.core.errors import ApplicationError, Forbidden, InvalidState
from xietong.core.models import AuditEvent
from xietong.notify.models import InboxMessage
from xietong.problems.models import Problem
from xietong.problems.selectors import case_search, ledger_rows
from xietong.problems.services import (
    problem_dispatch,
    problem_file,
    problem_plan,
    problem_progress,
    problem_set_urgency,
    problem_solve,
    problem_transition,
)

SH = ZoneInfo("Asia/Shanghai")


def at(text: str) -> dt.datetime:
    return dt.datetime.fromisoformat(text).replace(tzinfo=SH)


def file_problem(company, *, when="2026-09-30 17:30", urgency="medium", actor="caojing", endorse="dengli", **overrides):
    """File as `actor`; the department head `endorse` signs at the same instant (None: it waits)."""
    data = dict(
        title="客服工单系统高峰期响应缓慢",
        project=company.project("service-response"),
        background="双十一预热期间客服咨询量翻倍",
        current_state="高峰期打开工单平均需 12 秒，客服反馈频繁卡顿",
        impact="客服部全员；客户平均等待时间由 2 分钟升至 6 分钟",
        urgency=urgency,
        expected_date=dt.date(2026, 10, 30),
    )
    data.update(overrides)
    with time_machine.travel(at(when), tick=False), transaction.atomic():
        problem = problem_file(actor=company.person(actor), **data)
        if endorse and problem.state == "endorsing":
            problem = problem_transition(actor=company.person(endorse), problem=problem, name="endorse")
        return problem


def plan(company, problem, when, actor="lina", **kwargs):
    kwargs.setdefault(
        "measures",
        [
            {"measure": "为工单表补齐复合索引", "owner": company.person("lina"), "due_date": dt.date(2026, 10, 12)},
            {"measure": "安排 500 并发压测", "owner": company.person("sunyu"), "due_date": dt.date(2026, 10, 14)},
        ],
    )
    kwargs.setdefault("consultation", "已与测试部孙宇确认压测安排")
    with time_machine.travel(at(when), tick=False), transaction.atomic():
        return problem_plan(actor=company.person(actor), problem=Problem.objects.get(pk=problem.pk), **kwargs)


def dispatch(company, problem, when="2026-10-08 10:00", actor="liufang", **overrides):
    data = dict(
        lead_department=company.department("rd-software"),
        helper_departments=[company.department("rd-qa")],
        basis="工单系统由软件开发部负责开发与运维，测试部配合压测",
        deadline=dt.date(2026, 10, 23),
    )
    data.update(overrides)
    with time_machine.travel(at(when), tick=False), transaction.atomic():
        return problem_dispatch(actor=company.person(actor), problem=Problem.objects.get(pk=problem.pk), **data)


def report(company, problem, when, actor="lina", **kwargs):
    """A progress report; the plan it needs is recorded first at the same instant when there is none."""
    kwargs.setdefault("progress", "已定位到工单列表查询缺少索引")
    if not problem.plans.exists():
        plan(company, problem, when)
    with time_machine.travel(at(when), tick=False), transaction.atomic():
        return problem_progress(actor=company.person(actor), problem=Problem.objects.get(pk=problem.pk), **kwargs)


def fire(when) -> int:
    with time_machine.travel(at(when), tick=False):
        return clock_fire_due()


def live(problem, kind, limit=None):
    return Clock.objects.get(
        subject_type="problems.problem", subject_id=problem.pk, limit=limit or kind, kind=kind, state="armed"
    )


def inbox(username):
    return [m.notification.title for m in InboxMessage.objects.filter(recipient__username=username)]


def test_filed_problem_goes_to_the_coordinating_office_with_a_one_working_day_limit(company):
    problem = file_problem(company)
    assert problem.number == "WT-2026-0001" and problem.state == "filed"
    assert problem.filing_department.code == "service"
    # 30 minutes on 9/30, then 国庆: the remaining 7 working hours end on Thursday 10/8 at 17:30.
    dispatch_clock = live(problem, "dispatch")
    assert dispatch_clock.due_at == at("2026-10-08 17:30")
    assert dispatch_clock.owner.username == "liufang"
    assert live(problem, "remind", "dispatch").due_at == at("2026-10-08 15:30")
    for coordinator in ("liufang", "sunli"):
        assert inbox(coordinator) == ["【待分派】WT-2026-0001 客服工单系统高峰期响应缓慢"]
    assert AuditEvent.objects.filter(action="problem.file", object_id=str(problem.pk)).count() == 1


def test_dispatch_not_done_in_one_working_day_alerts_every_coordinator_and_escalates(company):
    problem = file_problem(company)
    assert fire("2026-10-08 15:29") == 0
    assert fire("2026-10-08 15:30") == 1  # reminder to 刘芳
    assert fire("2026-10-08 17:29:59") == 0
    assert fire("2026-10-08 17:30") == 2  # overdue + first escalation level
    assert "【分派超时】WT-2026-0001 客服工单系统高峰期响应缓慢" in inbox("sunli")
    assert "【分派超时】WT-2026-0001 客服工单系统高峰期响应缓慢" in inbox("liufang")
    # 刘芳 heads 综合管理部 and it has no 分管领导: the ladder climbs to the general manager.
    assert Escalation.objects.get(subject_id=problem.pk).target.username == "chenzhiqiang"


def test_dispatch_within_one_working_day_names_lead_helpers_and_copies_division_leaders(company):
    problem = file_problem(company)
    problem = dispatch(company, problem)
    assert problem.state == "dispatched"
    assert problem.owner.username == "lina"  # head of the lead department by default
    assert [p.username for p in problem.helpers.all()] == ["sunyu"]
    assert [p.username for p in problem.cc.all()] == ["wangjianguo"]
    met = Clock.objects.get(subject_id=problem.pk, subject_type="problems.problem", kind="dispatch")
    assert met.met_at == at("2026-10-08 10:00") and met.met_at <= met.limit_due_at
    # Every 2 working days: 6.5 h on 10/8, 7.5 h on 10/9, 1 h on the 调休 Saturday 10/10.
    cadence = live(problem, "update_due")
    assert cadence.due_at == at("2026-10-10 10:00") and cadence.owner.username == "lina"
    assert cadence.department.code == "rd-software"
    # The 完成时限 is the end of that day's working hours.
    assert live(problem, "due").due_at == at("2026-10-23 18:00")
    assert inbox("lina") == ["【问题分派通知】WT-2026-0001 客服工单系统高峰期响应缓慢"]
    assert inbox("sunyu") == ["【配合处理】WT-2026-0001 客服工单系统高峰期响应缓慢"]
    assert "【已分派·抄送】WT-2026-0001 客服工单系统高峰期响应缓慢" in inbox("wangjianguo")
    assert "【已分派·抄送】WT-2026-0001 客服工单系统高峰期响应缓慢" in inbox("caojing")


def test_urgent_problem_reports_daily(company):
    problem = dispatch(company, file_problem(company, urgency="high"))
    # 1 working day from 10/8 10:00: 6.5 h that day, 1 h on Friday 10/9.
    assert live(problem, "update_due").due_at == at("2026-10-09 10:00")


def test_missed_progress_report_reminds_then_escalates_to_the_owners_head(company):
    problem = dispatch(company, file_problem(company))
    assert fire("2026-10-09 16:59") == 0
    assert fire("2026-10-09 17:00") == 1  # 2 working hours before the due time
    assert "【即将到期】WT-2026-0001 客服工单系统高峰期响应缓慢" in inbox("lina")
    assert fire("2026-10-10 10:00") == 2
    assert "【已超时】WT-2026-0001 客服工单系统高峰期响应缓慢" in inbox("lina")
    # 李娜 heads 软件开发部: her own head is 研发中心's head 张伟.
    escalation = Escalation.objects.get(subject_id=problem.pk, limit="update_due")
    assert escalation.target.username == "zhangwei"
    assert "【升级·第1级】WT-2026-0001 客服工单系统高峰期响应缓慢" in inbox("zhangwei")


def test_each_report_meets_the_cadence_and_starts_the_next(company):
    problem = dispatch(company, file_problem(company))
    update = report(company, problem, "2026-10-09 15:00")
    assert update.due_at == at("2026-10-10 10:00") and update.on_time
    problem.refresh_from_db()
    assert problem.state == "in_progress" and problem.first_progress_at == at("2026-10-09 15:00")
    first = Clock.objects.get(
        subject_id=problem.pk, subject_type="problems.problem", kind="update_due", met_at__isnull=False
    )
    assert first.met_at == at("2026-10-09 15:00")
    # Next: 3 h on 10/9 + 7.5 h on the 调休 Saturday 10/10 + 4.5 h on Monday 10/12 (lunch break skipped).
    assert live(problem, "update_due").due_at == at("2026-10-12 15:00")
    assert "【进度反馈】WT-2026-0001 客服工单系统高峰期响应缓慢" in inbox("caojing")


def test_cadence_switches_to_daily_when_urgency_rises(company):
    problem = dispatch(company, file_problem(company, urgency="medium"))
    assert live(problem, "update_due").due_at == at("2026-10-10 10:00")
    with time_machine.travel(at("2026-10-08 14:00"), tick=False), transaction.atomic():
        problem_set_urgency(
            actor=company.person("caojing"), problem=problem, urgency="high", reason="客户投诉升级到总部"
        )
    # Daily from now: 4 h on 10/8, 3.5 h on 10/9 → 10/9 14:00, sooner than the running 10/10 10:00.
    cadence = live(problem, "update_due")
    assert cadence.due_at == at("2026-10-09 14:00")
    assert live(problem, "remind", "update_due").due_at == at("2026-10-09 10:30")
    assert Clock.objects.filter(subject_id=problem.pk, kind="update_due", state="cancelled").count() == 1
    assert "【紧急程度调整】WT-2026-0001 客服工单系统高峰期响应缓慢" in inbox("lina")
    # After the next report the daily cadence continues: 1 h on 10/9 + 4.5 h … + 2 h on 10/10.
    report(company, problem, "2026-10-09 11:00")
    assert live(problem, "update_due").due_at == at("2026-10-10 11:00")
    event = AuditEvent.objects.get(action="problem.urgency", object_id=str(problem.pk))
    assert event.before == {"urgency": "medium"} and event.after["urgency"] == "high"


def test_rising_urgency_never_postpones_a_report_already_due_sooner(company):
    problem = dispatch(company, file_problem(company, urgency="medium"))
    with time_machine.travel(at("2026-10-09 17:00"), tick=False), transaction.atomic():
        problem_set_urgency(actor=company.person("liufang"), problem=problem, urgency="high")
    # One working day from 10/9 17:00 would be 10/10 16:30; the running clock says 10/10 10:00.
    assert live(problem, "update_due").due_at == at("2026-10-10 10:00")


def test_solution_report_confirmation_ledger_and_case_library(company):
    problem = dispatch(company, file_problem(company))
    report(company, problem, "2026-10-09 15:00")
    with time_machine.travel(at("2026-10-12 16:00"), tick=False), transaction.atomic():
        problem_solve(
            actor=company.person("lina"),
            problem=problem,
            cause="工单列表按创建时间排序时全表扫描",
            measures="为工单表增加复合索引，并将列表查询改为分页加载",
            effect="压测 500 并发下打开工单平均 0.8 秒，连续 2 天无卡顿反馈",
        )
    problem.refresh_from_db()
    assert problem.state == "solved"
    assert not Clock.objects.filter(subject_id=problem.pk, subject_type="problems.problem", state="armed").exists()
    assert "【待确认】WT-2026-0001 客服工单系统高峰期响应缓慢" in inbox("caojing")
    with pytest.raises(Forbidden), time_machine.travel(at("2026-10-12 17:00"), tick=False):
        problem_transition(actor=company.person("lina"), problem=problem, name="confirm")
    with time_machine.travel(at("2026-10-13 09:30"), tick=False), transaction.atomic():
        problem_transition(actor=company.person("caojing"), problem=problem, name="confirm")
    problem.refresh_from_db()
    assert problem.state == "closed" and problem.confirmed_at == at("2026-10-13 09:30")
    assert problem.reports.get().verdict == "confirmed"

    with time_machine.travel(at("2026-10-13 10:00"), tick=False):
        (row,) = ledger_rows(company.person("liufang"))
    assert (row.filed_at, row.dispatched_at) == (at("2026-09-30 17:30"), at("2026-10-08 10:00"))
    assert str(row.dispatch_hours) == "1.5"  # 0.5 h on 9/30 + 1 h on 10/8
    assert str(row.response_hours) == "11.0"  # 6.5 h on 10/8 + 4.5 h on 10/9
    assert str(row.solve_hours) == "27.0"  # 6.5 + 7.5 + 7.5 (调休 10/10) + 5.5 on Monday 10/12
    assert str(row.confirm_hours) == "2.5"  # 2 h on 10/12, 0.5 h on 10/13
    assert str(row.total_hours) == "31.0"  # 0.5 + 4 × 7.5 + 0.5
    assert row.update_count == 1

    liufang = company.person("liufang")
    assert list(case_search(liufang, "复合索引")) == [problem]
    assert list(case_search(liufang, "工单 卡顿")) == [problem]
    assert list(case_search(liufang, "打印机")) == []
    assert list(case_search(company.person("fengjing"), "复合索引")) == []  # not within her reach


def test_returned_solution_goes_back_to_work_with_a_fresh_cadence(company):
    problem = dispatch(company, file_problem(company))
    plan(company, problem, "2026-10-08 16:00")
    with time_machine.travel(at("2026-10-09 10:00"), tick=False), transaction.atomic():
        problem_solve(actor=company.person("lina"), problem=problem, measures="重启服务", effect="暂时恢复")
    with pytest.raises(ApplicationError) as refused, time_machine.travel(at("2026-10-09 11:00"), tick=False):
        problem_transition(actor=company.person("caojing"), problem=problem, name="reject_solution")
    assert refused.value.fields == {"reason": "请填写退回原因（效果未达到的地方）"}
    with time_machine.travel(at("2026-10-09 11:00"), tick=False), transaction.atomic():
        problem_transition(
            actor=company.person("caojing"), problem=problem, name="reject_solution", reason="下午高峰又出现卡顿"
        )
    problem.refresh_from_db()
    assert problem.state == "in_progress" and problem.solved_at is None
    assert problem.reports.get().verdict == "returned"
    assert live(problem, "update_due").due_at == at("2026-10-12 11:00")
    assert "【解决报告被退回】WT-2026-0001 客服工单系统高峰期响应缓慢" in inbox("lina")


def test_only_coordinators_dispatch(company):
    problem = file_problem(company)
    with pytest.raises(Forbidden):
        dispatch(company, problem, actor="dengli")  # 客服部 head sees it, but is not 综合管理部


def test_dispatch_to_a_department_that_does_not_exist_saves_nothing(company):
    problem = file_problem(company)
    from xietong.org.models import Department

    ghost = Department(pk=999_999, name="不存在的部门", code="ghost")
    with pytest.raises(ApplicationError) as refused:
        dispatch(company, problem, lead_department=ghost)
    assert refused.value.fields["lead_department"] == "所选主责部门不存在（可能已被删除），请重新选择"
    problem.refresh_from_db()
    assert problem.state == "filed" and problem.lead_department_id is None and problem.dispatched_at is None
    assert not AuditEvent.objects.filter(action="problem.dispatch").exists()
    assert not Clock.objects.filter(subject_id=problem.pk, kind="update_due").exists()


def test_dispatch_field_errors_are_in_chinese(company):
    problem = file_problem(company)
    with pytest.raises(ApplicationError) as refused:
        dispatch(
            company,
            problem,
            lead_department=company.department("rd-software"),
            owner=company.person("gaofeng"),
            helper_departments=[company.department("rd-software")],
            basis=" ",
            deadline=dt.date(2026, 10, 1),
        )
    assert refused.value.fields == {
        "owner": "高峰 不属于主责部门“软件开发部”",
        "helper_departments": "主责部门不必再列为配合部门",
        "basis": "请填写分派依据",
        "deadline": "完成时限 2026-10-01 已经过去",
    }


def test_filing_needs_every_field_of_the_template(company):
    with pytest.raises(ApplicationError) as refused:
        file_problem(
            company,
            title="",
            background="",
            current_state=" ",
            impact="",
            urgency="urgent",
            expected_date=dt.date(2026, 9, 1),
            project=company.project("smartwatch"),  # 曹静 is not a member
        )
    assert refused.value.fields == {
        "title": "请填写问题主题",
        "project": "您不是该项目的成员，不能在其中提报问题",
        "background": "请填写问题背景",
        "current_state": "请填写现状",
        "impact": "请填写影响范围",
        "urgency": "紧急程度只能是 高、中、低",
        "expected_date": "期望解决时间 2026-09-01 已经过去",
    }
    assert not Problem.objects.exists() and not Clock.objects.exists()


def test_withdraw_only_before_dispatch(company):
    problem = file_problem(company)
    with time_machine.travel(at("2026-10-08 09:10"), tick=False), transaction.atomic():
        problem_transition(actor=company.person("caojing"), problem=problem, name="withdraw", reason="已自行解决")
    problem.refresh_from_db()
    assert problem.state == "withdrawn" and problem.closed_at == at("2026-10-08 09:10")
    assert not Clock.objects.filter(subject_id=problem.pk, subject_type="problems.problem", state="armed").exists()
    with pytest.raises(InvalidState):
        dispatch(company, problem)


def test_major_risk_reaches_the_coordinators_and_division_leaders_at_once(company):
    problem = dispatch(company, file_problem(company))
    with pytest.raises(ApplicationError) as refused:
        report(company, problem, "2026-10-09 09:30", major_risk=True)
    assert refused.value.fields == {"risk": "请填写风险说明"}
    report(company, problem, "2026-10-09 09:30", major_risk=True, risk="数据库需停机迁移，影响全部门 2 小时")
    for username in ("liufang", "sunli", "wangjianguo"):
        assert "【重大风险】WT-2026-0001 客服工单系统高峰期响应缓慢" in inbox(username), username


def test_messages_state_the_limits_the_administrator_set(company):
    from xietong.clocks.models import ClockPolicy
    from xietong.notify.models import Notification

    ClockPolicy.objects.filter(process="problem", kind="dispatch").update(duration="2d")
    ClockPolicy.objects.filter(process="problem", kind="update_due", priority="*").update(duration="3d")
    problem = file_problem(company)
    # 0.5 h on 9/30, 7.5 h on 10/8, 7 h on 10/9.
    filed = Notification.objects.get(title="【待分派】WT-2026-0001 客服工单系统高峰期响应缓慢")
    assert filed.body == (
        "曹静（客户服务部）提报问题，经部门负责人 邓丽 审核签署，紧急程度：中。"
        "请在 10月9日 17:30 前（2 个工作日内）审核并分派主责部门。"
    )
    fire("2026-10-09 17:30")
    late = Notification.objects.get(title="【分派超时】WT-2026-0001 客服工单系统高峰期响应缓慢")
    assert late.body == (
        "问题提报已超过 2 个工作日仍未分派，请综合管理部尽快审核并分派主责部门。\n"
        "依据：《内部沟通与协调工作机制》三（一）步骤2「综合管理部在1个工作日内审核」"
    )
    # 20 minutes on 10/9, 7.5 h on the 调休 Saturday 10/10 and on Monday 10/12, 7 h 10 min on 10/13.
    dispatch(company, problem, when="2026-10-09 17:40")
    notice = Notification.objects.get(title="【问题分派通知】WT-2026-0001 客服工单系统高峰期响应缓慢")
    assert notice.body.endswith("。请制定解决方案，每 3 个工作日反馈一次进度，首次请在 10月13日 17:40 前反馈。")
    assert live(problem, "update_due").due_at == at("2026-10-13 17:40")
