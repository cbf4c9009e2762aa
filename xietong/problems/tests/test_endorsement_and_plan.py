"""问题提报 goes through the filing department's head before 综合管理部 dispatches it (004 三（一）步骤2
责任人「发起部门负责人→综合管理部」), and the lead department records its 解决方案 before it works (步骤3
「制定解决方案（需与配合部门协商），明确具体措施、责任人、时间节点」). Instants are Asia/Shanghai; 2026 国庆 is
10/1–10/7 and a working day is 09:00–12:00, 13:30–18:00."""

import datetime as dt

import pytest
import time_machine
from django.db import transaction

from xietong.clocks.models import Clock
from xietong.core.errors import ApplicationError, Forbidden, InvalidState
from xietong.core.models import AuditEvent
from xietong.notify.models import Notification
from xietong.problems.models import Problem
from xietong.problems.services import problem_plan, problem_resubmit, problem_solve, problem_transition
from xietong.problems.tests.test_problem_flow import at, dispatch, file_problem, inbox, live, plan, report

TITLE = "WT-2026-0001 客服工单系统高峰期响应缓慢"


def act(company, problem, who, name, when, reason=""):
    with time_machine.travel(at(when), tick=False), transaction.atomic():
        return problem_transition(
            actor=company.person(who), problem=Problem.objects.get(pk=problem.pk), name=name, reason=reason
        )


def test_a_filed_problem_waits_for_the_department_head_before_the_coordinating_office(company):
    problem = file_problem(company, endorse=None)
    assert problem.state == "endorsing" and problem.endorser.username == "dengli"
    assert inbox("dengli") == [f"【待审核】{TITLE}"]
    assert inbox("liufang") == [] and inbox("sunli") == []
    # The documents set no limit for the head's signature: no clock runs until it is signed.
    assert not Clock.objects.filter(subject_type="problems.problem", subject_id=problem.pk).exists()
    with pytest.raises(InvalidState):
        dispatch(company, problem)
    for someone in ("caojing", "liufang"):  # the filer, a coordinator
        with pytest.raises(Forbidden) as refused:
            act(company, problem, someone, "endorse", "2026-10-08 09:00")
        assert str(refused.value) == "只有提报部门负责人可以审核签署"

    problem = act(company, problem, "dengli", "endorse", "2026-10-08 09:00")
    assert problem.state == "filed" and problem.endorsed_at == at("2026-10-08 09:00")
    # 综合管理部's one working day counts from the signature: 09:00 + 7.5 working hours.
    assert live(problem, "dispatch").due_at == at("2026-10-08 18:00")
    body = Notification.objects.get(title=f"【待分派】{TITLE}").body
    assert body == (
        "曹静（客户服务部）提报问题，经部门负责人 邓丽 审核签署，紧急程度：中。"
        "请在 10月8日 18:00 前（1 个工作日内）审核并分派主责部门。"
    )
    event = AuditEvent.objects.get(action="problem.endorse", object_id=str(problem.pk))
    assert event.actor.username == "dengli" and event.before == {"state": "endorsing"}
    assert event.after == {"state": "filed"}


def test_the_head_returns_it_with_a_reason_and_the_filer_resubmits_it_revised(company):
    problem = file_problem(company, endorse=None)
    with pytest.raises(ApplicationError) as refused:
        act(company, problem, "dengli", "return_filing", "2026-10-08 09:30")
    assert refused.value.fields == {"reason": "请填写退回原因"}
    problem = act(
        company, problem, "dengli", "return_filing", "2026-10-08 09:30", reason="请补充高峰时段的工单耗时数据"
    )
    assert problem.state == "returned" and problem.return_note == "请补充高峰时段的工单耗时数据"
    assert f"【问题提报被退回】{TITLE}" in inbox("caojing")
    revised = dict(
        title="请确认",
        background="双十一预热期间客服咨询量翻倍",
        current_state="待定",
        impact="客服部全员；客户平均等待时间由 2 分钟升至 6 分钟",
        urgency="high",
        expected_date=dt.date(2026, 10, 30),
    )
    with pytest.raises(ApplicationError) as refused, time_machine.travel(at("2026-10-08 10:00"), tick=False):
        problem_resubmit(actor=company.person("caojing"), problem=problem, **revised)
    assert refused.value.fields == {
        "title": "主题“请确认”过于模糊，不能发出：请写明项目、阶段与核心目标，例如“智能手表项目-硬件方案评审”",
        "current_state": "现状不能只写“待定”：请直接写明关键信息",
    }
    revised.update(title="客服工单系统高峰期响应缓慢", current_state="10:00–11:00 打开工单平均 12 秒，14:00 后 9 秒")
    with pytest.raises(Forbidden), time_machine.travel(at("2026-10-08 10:00"), tick=False):
        problem_resubmit(actor=company.person("dengli"), problem=problem, **revised)
    with time_machine.travel(at("2026-10-08 10:00"), tick=False), transaction.atomic():
        problem = problem_resubmit(actor=company.person("caojing"), problem=problem, **revised)
    assert (problem.state, problem.urgency, problem.return_note) == ("endorsing", "high", "")
    assert inbox("dengli") == [f"【待审核】{TITLE}", f"【待审核】{TITLE}"]
    event = AuditEvent.objects.get(action="problem.resubmit")
    assert event.before["current_state"] == "高峰期打开工单平均需 12 秒，客服反馈频繁卡顿"
    assert event.after["current_state"] == "10:00–11:00 打开工单平均 12 秒，14:00 后 9 秒"
    problem = act(company, problem, "dengli", "endorse", "2026-10-08 10:30")
    assert problem.state == "filed"


def test_a_head_filing_their_own_problem_signs_it_by_filing(company):
    problem = file_problem(company, actor="dengli", endorse=None, when="2026-10-09 10:00")
    assert problem.state == "filed" and problem.endorser.username == "dengli"
    assert problem.endorsed_at == at("2026-10-09 10:00")
    event = AuditEvent.objects.get(action="problem.endorse", object_id=str(problem.pk))
    assert event.actor.username == "dengli" and event.after == {"state": "filed", "implicit": "self"}
    assert live(problem, "dispatch").due_at == at("2026-10-10 10:00")  # 7.5 h: 6.5 on 10/9, 1 on 调休 10/10
    body = Notification.objects.get(title=f"【待分派】{TITLE}").body
    assert body.startswith("邓丽（客户服务部）提报问题，由部门负责人本人提报，紧急程度：中。")


def test_withdrawn_while_waiting_for_the_head_tells_no_coordinator(company):
    problem = file_problem(company, endorse=None)
    problem = act(company, problem, "caojing", "withdraw", "2026-10-08 09:10", reason="已自行解决")
    assert problem.state == "withdrawn"
    assert inbox("liufang") == []


def test_no_progress_or_solution_before_a_plan_is_recorded(company):
    problem = dispatch(company, file_problem(company))
    with pytest.raises(ApplicationError) as refused, time_machine.travel(at("2026-10-08 15:00"), tick=False):
        from xietong.problems.services import problem_progress

        problem_progress(actor=company.person("lina"), problem=problem, progress="已定位到工单列表查询缺少索引")
    assert refused.value.message == "请先制定解决方案（明确具体措施、责任人、计划完成时间），再反馈进度"
    assert refused.value.fields == {"plan": refused.value.message}
    with pytest.raises(ApplicationError) as refused, time_machine.travel(at("2026-10-08 15:00"), tick=False):
        problem_solve(actor=company.person("lina"), problem=problem, measures="加索引", effect="恢复正常")
    assert refused.value.message == "请先制定解决方案（明确具体措施、责任人、计划完成时间），再提交解决报告"
    problem.refresh_from_db()
    assert problem.state == "dispatched" and not problem.updates.exists() and not problem.reports.exists()


def test_the_plan_names_each_measure_its_owner_and_date_and_the_consultation(company):
    problem = dispatch(company, file_problem(company))
    lina = company.person("lina")
    with pytest.raises(ApplicationError) as refused, time_machine.travel(at("2026-10-08 15:00"), tick=False):
        problem_plan(
            actor=lina,
            problem=problem,
            measures=[
                {"measure": "待定", "owner": lina, "due_date": dt.date(2026, 10, 12)},
                {"measure": "安排 500 并发压测", "owner": None, "due_date": dt.date(2026, 10, 7)},
                {"measure": "", "owner": lina, "due_date": None},
            ],
            consultation="",
        )
    assert refused.value.fields == {
        "measure_1": "具体措施不能只写“待定”：请直接写明关键信息",
        "owner_2": "请为第 2 项指定责任人",
        "due_date_2": "计划完成时间 2026-10-07 已经过去",
        "measure_3": "请填写第 3 项的具体措施",
        "due_date_3": "请填写第 3 项的计划完成时间（年/月/日）",
        "consultation": "有配合部门（测试部）时，请写明与配合部门的协商情况",
    }
    with pytest.raises(ApplicationError) as refused, time_machine.travel(at("2026-10-08 15:00"), tick=False):
        problem_plan(actor=lina, problem=problem, measures=[], consultation="已协商")
    assert refused.value.fields == {"measure_1": "请至少填写一项具体措施，并写明责任人与计划完成时间"}
    with pytest.raises(Forbidden), time_machine.travel(at("2026-10-08 15:00"), tick=False):
        problem_plan(
            actor=company.person("caojing"),
            problem=problem,
            measures=[{"measure": "加索引", "owner": lina, "due_date": dt.date(2026, 10, 12)}],
        )
    recorded = plan(company, problem, "2026-10-08 15:00")
    assert [(m.position, m.measure, m.owner.username, m.due_date) for m in recorded.measures.all()] == [
        (1, "为工单表补齐复合索引", "lina", dt.date(2026, 10, 12)),
        (2, "安排 500 并发压测", "sunyu", dt.date(2026, 10, 14)),
    ]
    message = Notification.objects.get(title=f"【解决方案】{TITLE}")
    assert message.body == (
        "1. 为工单表补齐复合索引（责任人 李娜，2026-10-12 前完成）；2. 安排 500 并发压测（责任人 孙宇，2026-10-14 前完成）"
    )
    assert f"【解决方案】{TITLE}" in inbox("sunyu") and f"【解决方案】{TITLE}" in inbox("caojing")
    assert f"【解决方案】{TITLE}" not in inbox("lina")
    event = AuditEvent.objects.get(action="problem.plan")
    assert event.after["measures"][1] == {
        "measure": "安排 500 并发压测",
        "owner": company.person("sunyu").pk,
        "due_date": "2026-10-14",
    }
    update = report(company, problem, "2026-10-09 15:00")
    assert update.progress == "已定位到工单列表查询缺少索引"
    assert Problem.objects.get(pk=problem.pk).state == "in_progress"


def test_pages_sign_return_and_plan(company, client_for):
    problem = file_problem(company, endorse=None)
    head = client_for("dengli")
    html = head.get(f"/problems/{problem.pk}/").content.decode()
    assert 'data-action="endorse"' in html and 'data-action="return_filing"' in html
    assert 'data-action="endorse"' not in client_for("caojing").get(f"/problems/{problem.pk}/").content.decode()
    response = head.post(f"/problems/{problem.pk}/do/endorse/", {"version": problem.version})
    assert response.status_code == 302
    assert Problem.objects.get(pk=problem.pk).state == "filed"

    problem = dispatch(company, problem)
    lina = client_for("lina")
    html = lina.get(f"/problems/{problem.pk}/").content.decode()
    assert 'id="plan-form"' in html and 'id="progress-submit"' not in html
    refused = lina.post(f"/problems/{problem.pk}/progress/", {"progress": "已定位", "version": problem.version})
    assert refused.status_code == 200
    assert "请先制定解决方案（明确具体措施、责任人、计划完成时间），再反馈进度" in refused.content.decode()
    bad = lina.post(
        f"/problems/{problem.pk}/plan/",
        {
            "measure_1": "详见附件",
            "owner_1": company.person("lina").pk,
            "due_date_1": "2099-10-12",
            "consultation": "与测试部确认压测",
        },
    )
    html = bad.content.decode()
    assert bad.status_code == 200 and "具体措施不能只写“详见附件”：请直接写明关键信息" in html
    assert "与测试部确认压测" in html  # what was typed stays
    ok = lina.post(
        f"/problems/{problem.pk}/plan/",
        {
            "measure_1": "为工单表补齐复合索引",
            "owner_1": company.person("lina").pk,
            "due_date_1": "2099-10-12",
            "consultation": "与测试部确认压测",
        },
    )
    assert ok.status_code == 302
    html = lina.get(f"/problems/{problem.pk}/").content.decode()
    assert 'id="progress-submit"' in html and "为工单表补齐复合索引" in html


def test_api_plan_before_progress(company, client_for):
    problem = dispatch(company, file_problem(company))
    api = client_for("lina")
    refused = api.post(f"/api/problems/{problem.pk}/progress", {"progress": "已定位"}, content_type="application/json")
    assert refused.status_code == 400
    assert refused.json()["fields"] == {"plan": "请先制定解决方案（明确具体措施、责任人、计划完成时间），再反馈进度"}
    created = api.post(
        f"/api/problems/{problem.pk}/plan",
        {
            "measures": [
                {"measure": "为工单表补齐复合索引", "owner_id": company.person("lina").pk, "due_date": "2099-10-12"}
            ],
            "consultation": "与测试部确认压测",
        },
        content_type="application/json",
    )
    assert created.status_code == 201
    assert created.json()["measures"] == [
        {
            "position": 1,
            "measure": "为工单表补齐复合索引",
            "owner_id": company.person("lina").pk,
            "due_date": "2099-10-12",
        }
    ]
    assert [p["id"] for p in api.get(f"/api/problems/{problem.pk}/plans").json()] == [created.json()["id"]]
    assert (
        api.post(
            f"/api/problems/{problem.pk}/progress", {"progress": "已定位"}, content_type="application/json"
        ).status_code
        == 201
    )


def test_the_filer_resubmits_through_the_page_with_what_was_typed_kept(company, client_for):
    problem = file_problem(company, endorse=None)
    problem = act(company, problem, "dengli", "return_filing", "2026-10-08 09:30", reason="请补充高峰时段数据")
    client = client_for("caojing")
    html = client.get(f"/problems/{problem.pk}/").content.decode()
    assert 'id="resubmit"' in html and "请补充高峰时段数据" in html
    form = {
        "title": "客服工单系统高峰期响应缓慢",
        "urgency": "medium",
        "expected_date": (dt.date.today() + dt.timedelta(days=30)).isoformat(),
        "background": "双十一预热期间客服咨询量翻倍",
        "current_state": "待定",
        "impact": "客服部全员",
        "version": problem.version,
    }
    refused = client.post(f"/problems/{problem.pk}/resubmit/", form)
    html = refused.content.decode()
    assert refused.status_code == 200 and "现状不能只写“待定”：请直接写明关键信息" in html
    assert "双十一预热期间客服咨询量翻倍" in html
    ok = client.post(f"/problems/{problem.pk}/resubmit/", {**form, "current_state": "10:00–11:00 打开工单 12 秒"})
    assert ok.status_code == 302
    assert Problem.objects.get(pk=problem.pk).state == "endorsing"
    # Someone else posting it is refused, the page again with the reason.
    assert client_for("liufang").post(f"/problems/{problem.pk}/resubmit/", form).status_code in (200, 403)
