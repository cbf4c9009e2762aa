"""A task added to, or cancelled from, a published 协同任务分工表 (issue 20; 《多部门协同作业标准沟通流程》二「《协同
任务分工表》(含各部门负责人签字确认)」, 关键执行要点提示「重要沟通(如需求变更、进度滞后)必须书面同步至所有参与方」):
once every participating head signed, adding or cancelling a task directly is refused, pointing to 提出需求变更; the
需求变更 carries the new task (or the cancellation) in its diff to every participant for 已阅, the new task is
published by its own step (its clocks armed, its owner told), and the affected department's head signs the 分工表
again before 提交交付. Instants after 国庆 2026: the change on Friday 10/9 16:00, the 调休 Saturday 10/10."""

import datetime as dt

import pytest
import time_machine

from xietong.clocks.models import Clock
from xietong.core.errors import ApplicationError, Forbidden, InvalidState
from xietong.core.models import AuditEvent
from xietong.notify.models import InboxMessage
from xietong.requests.models import ChangeReceipt, Request, RequestVersion
from xietong.tasks.models import Breakdown, Task
from xietong.tasks.services import breakdown_sign
from xietong.tasks.tests.test_breakdown_rules import CRITERIA, act, add_task, at, on_breakdown
from xietong.tasks.tests.test_change_control import change, published
from xietong.tasks.tests.test_scope_signatures import deliver, finish_tasks

D = dt.date
REFUSED = "不能直接%(what)s：请在需求页面“提出需求变更”，变更将书面发送全部参与方确认，受影响部门的负责人重新签字"
HOT = {
    "title": "高温功耗复测",
    "completion_criteria": "输出45℃高温场景功耗测试报告",
    "start_date": D(2026, 10, 12),
    "end_date": D(2026, 10, 14),
}


def clocks(task):
    return {
        c.kind: (c.due_at, c.owner.username)
        for c in Clock.objects.filter(subject_type="tasks.task", subject_id=task.pk, state="armed")
    }


def test_adding_a_task_directly_to_a_published_breakdown_is_refused_at_its_name(company, client_for):
    request, _first, _second = published(company)
    breakdown = Breakdown.objects.get(request=request)
    with pytest.raises(ApplicationError) as refused:
        add_task(company, breakdown, "2026-10-09 10:00", title="高温功耗复测")
    words = "分工表已发布（各参与部门负责人已签字），" + REFUSED % {"what": "新增任务"}
    assert refused.value.fields == {"title": words}
    with time_machine.travel(at("2026-10-09 10:00"), tick=True):
        client = client_for("guoxin")
        page = client.post(
            f"/tasks/breakdown/{request.pk}/",
            {
                "title": "高温功耗复测",
                "completion_criteria": "输出45℃高温场景功耗测试报告",
                "owner": company.person("zhaolei").pk,
                "start_date": "2026-10-12",
                "end_date": "2026-10-14",
                "priority": "medium",
            },
        )
        answer = client.post(
            f"/api/tasks/requests/{request.pk}",
            {
                "title": "高温功耗复测",
                "completion_criteria": "输出45℃高温场景功耗测试报告",
                "owner_id": company.person("zhaolei").pk,
                "start_date": "2026-10-12",
                "end_date": "2026-10-14",
            },
            content_type="application/json",
        )
    html = page.content.decode()
    assert page.status_code == 200 and words in html and "输出45℃高温场景功耗测试报告" in html  # kept as typed
    assert answer.status_code == 400 and answer.json()["fields"] == {"title": words}
    assert list(breakdown.tasks.values_list("title", flat=True)) == ["功耗基线测试", "量产评估"]


def test_cancelling_a_task_of_a_published_breakdown_directly_is_refused(company, client_for):
    _request, first, _second = published(company)
    with pytest.raises(Forbidden) as refused:
        act(company, first, "guoxin", "cancel", "2026-10-09 10:00", reason="不再需要")
    assert str(refused.value) == "分工表已发布（各参与部门负责人已签字），" + REFUSED % {"what": "取消任务"}
    with time_machine.travel(at("2026-10-09 10:00"), tick=True):
        answer = client_for("guoxin").post(
            f"/api/tasks/{first.pk}/transitions/cancel", {"reason": "不再需要"}, content_type="application/json"
        )
    assert answer.status_code == 403 and "提出需求变更" in answer.content.decode()
    assert Task.objects.get(pk=first.pk).state == "published"


def test_a_change_adds_a_task_published_with_its_clocks_and_its_department_signs_again(company):
    request, first, second = published(company)
    change(
        company,
        request,
        [{**HOT, "owner": company.person("xieqiang"), "predecessors": [first.pk]}],
        reason="客户要求增加高温场景测试",
        part="new_tasks",
    )
    v2 = RequestVersion.objects.get(request=request, number=2)
    assert v2.changes == [
        {
            "field": "task:new:1",
            "label": "新增任务“高温功耗复测”",
            "old": "—",
            "new": "负责人：谢强（生产部），2026-10-12 ~ 2026-10-14；完成标准：输出45℃高温场景功耗测试报告；"
            "前置任务：功耗基线测试",
        }
    ]
    hot = Task.objects.get(title="高温功耗复测")
    assert (hot.state, hot.number, hot.department.code) == ("published", "XQ-2026-0001-T03", "production")
    assert list(hot.predecessors.values_list("title", flat=True)) == ["功耗基线测试"]
    assert [r["text"] for r in v2.replanned] == [
        "新增任务“高温功耗复测” 2026-10-12 ~ 2026-10-14（已发布并计时，负责人：谢强）"
    ]
    # Published by its own step: 24 hours of wall time to confirm (Friday 16:00 → the 调休 Saturday 10/10 16:00),
    # due at the end of its last day (reminded a working day ahead, escalated when missed); 谢强 is told and is
    # on the change's reading list.
    assert clocks(hot) == {
        "accept": (at("2026-10-10 16:00"), "xieqiang"),
        "due": (at("2026-10-14 18:00"), "xieqiang"),
        "remind": (at("2026-10-13 18:00"), "xieqiang"),
        "escalate": (at("2026-10-14 18:00"), "xieqiang"),
    }
    assert AuditEvent.objects.filter(action="task.publish", object_id=str(hot.pk)).exists()
    assert AuditEvent.objects.get(action="task.create", object_id=str(hot.pk)).after["version"] == 2
    assert InboxMessage.objects.filter(
        recipient__username="xieqiang", notification__title="【新任务】XQ-2026-0001-T03 高温功耗复测"
    ).exists()
    assert ChangeReceipt.objects.get(change=v2, person__username="xieqiang").confirmed_at is None
    assert {r.person.username for r in ChangeReceipt.objects.filter(change=v2)} == {
        "hujun",
        "zhaolei",
        "gaofeng",
        "luoqian",
        "xieqiang",
    }
    # 生产部 signed the 分工表 without it: that signature is void and 谢强 (its head) signs again.
    breakdown = Breakdown.objects.get(request=request)
    assert sorted(breakdown.signatures.values_list("department__code", flat=True)) == ["marketing", "rd-hardware"]
    again = AuditEvent.objects.get(action="breakdown.ask_again")
    assert (again.after["department"], again.after["voided"]) == ("生产部", ["生产部（谢强）"])
    assert InboxMessage.objects.filter(
        recipient__username="xieqiang",
        notification__title="【待签字】XQ-2026-0001 智能手表项目-硬件方案评审 任务分解表",
        notification__body__startswith="生产部的任务经需求变更（V2）新增或取消，原签字已作废",
    ).exists()
    finish_tasks(company, first, second)
    act(company, Task.objects.get(pk=hot.pk), "xieqiang", "accept", "2026-10-12 09:00")
    act(company, Task.objects.get(pk=hot.pk), "xieqiang", "start", "2026-10-12 09:00")
    act(company, Task.objects.get(pk=hot.pk), "xieqiang", "done", "2026-10-12 09:00")
    with pytest.raises(InvalidState) as waiting:
        deliver(company, request)
    assert str(waiting.value) == "分工表尚待重新签字，不能提交交付：生产部（谢强）"
    on_breakdown(company, breakdown_sign, "xieqiang", breakdown, "2026-10-12 10:20")
    with pytest.raises(InvalidState, match=r"^还没有交付成果"):
        deliver(company, request, "2026-10-12 10:30")


def test_a_change_cancels_a_task_stops_its_clocks_and_its_department_signs_again(company):
    request, _first, second = published(company)
    assert set(clocks(second)) == {"accept", "due", "remind", "escalate"}
    change(company, request, [second.pk], reason="量产评估并入下一阶段", part="cancel_tasks")
    v2 = RequestVersion.objects.get(request=request, number=2)
    assert v2.changes == [
        {
            "field": f"task:{second.pk}:cancel",
            "label": "取消任务“量产评估”",
            "old": "待确认（负责人：谢强，2026-10-20 ~ 2026-10-22）",
            "new": "已取消",
        }
    ]
    assert [r["text"] for r in v2.replanned] == ["任务“量产评估”已按需求变更取消（计时已停止）"]
    assert Task.objects.get(pk=second.pk).state == "cancelled" and clocks(second) == {}
    cancelled = AuditEvent.objects.get(action="task.cancel", object_id=str(second.pk))
    assert cancelled.after["reason"] == "按需求变更（V2）取消"
    # 谢强 still reads the change (the task was his) and signs the 分工表 again for 生产部.
    assert ChangeReceipt.objects.filter(change=v2, person__username="xieqiang").exists()
    breakdown = Breakdown.objects.get(request=request)
    assert sorted(breakdown.signatures.values_list("department__code", flat=True)) == ["marketing", "rd-hardware"]


def test_a_new_task_is_checked_as_a_task_is_and_the_change_form_and_api_carry_it(company, client_for):
    request, first, second = published(company)
    with pytest.raises(ApplicationError) as refused:
        change(
            company,
            request,
            [{**HOT, "end_date": D(2026, 10, 5), "completion_criteria": " ", "owner": company.person("zhaolei")}],
            part="new_tasks",
        )
    assert refused.value.fields == {
        "new-task-1-completion_criteria": "请填写完成标准，如“输出功耗测试报告，待机续航≥5天”",
        "new-task-1-end_date": "结束时间 2026-10-05 早于开始时间 2026-10-12",
    }
    assert not RequestVersion.objects.filter(request=request).exists()
    with time_machine.travel(at("2026-10-09 16:00"), tick=True):
        client = client_for("guoxin")
        form = client.get(f"/requests/{request.pk}/change/").content.decode()
        assert "新增任务：任务名称" in form and "取消任务“量产评估”" in form
        bad = client.post(
            f"/api/requests/{request.pk}/changes",
            {"reason": "增加高温测试", "new_tasks": [{**HOT, "owner_id": 999999}]},
            content_type="application/json",
        )
        answer = client.post(
            f"/api/requests/{request.pk}/changes",
            {
                "reason": "增加高温测试，量产评估并入下一阶段",
                "new_tasks": [{**HOT, "owner_id": company.person("zhaolei").pk, "predecessor_ids": [first.pk]}],
                "cancel_tasks": [second.pk],
            },
            content_type="application/json",
        )
    assert bad.status_code == 400 and bad.json()["fields"] == {"new-task-1-owner": "没有这位在职人员"}
    assert answer.status_code == 201, answer.content.decode()
    assert [c["label"] for c in answer.json()["changes"]] == ["新增任务“高温功耗复测”", "取消任务“量产评估”"]
    assert Task.objects.get(title="高温功耗复测").completion_criteria == HOT["completion_criteria"] != CRITERIA
    assert Task.objects.get(pk=second.pk).state == "cancelled"
    # Both departments signed the 分工表 as it was: 研发部 (the new task's) and 生产部 (the cancelled one's) sign again.
    breakdown = Breakdown.objects.get(request=Request.objects.get(pk=request.pk))
    assert list(breakdown.signatures.values_list("department__code", flat=True)) == ["marketing"]
