"""提交交付 and 关闭 say what still stands in the way: 提交交付 needs every task finished and a deliverable to
accept; closing refuses an open 重大 exception and settles what else is open, so nothing's clock runs on
after the request is closed (issue 23, hidden gates)."""

import pytest
import time_machine
from django.db import transaction

from xietong.acceptance.tests.test_acceptance import judge, submit
from xietong.clocks.models import Clock
from xietong.core.errors import InvalidState
from xietong.requests.models import Request
from xietong.requests.tests.test_request_flow import _published_task, act, at
from xietong.risks.models import ExceptionReport
from xietong.risks.services import exception_raise
from xietong.tasks.models import Task
from xietong.tasks.services import task_transition

RUNNING = ("armed", "paused")


def clocks_running(item):
    running = Clock.objects.filter(subject_type=item._meta.label_lower, subject_id=item.pk, state__in=RUNNING)
    return sorted(set(running.values_list("limit", flat=True)))


def finish(company, task, when):
    zhaolei = company.person("zhaolei")
    with time_machine.travel(at(when), tick=False), transaction.atomic():
        for name in ("accept", "start", "consult", "done"):
            task = task_transition(
                actor=zhaolei,
                task=task,
                name=name,
                reason="请确认散热方案能否满足续航目标" if name == "consult" else "",
            )
    return task


def raise_exception(company, task, severity, title, when):
    with time_machine.travel(at(when), tick=False), transaction.atomic():
        return exception_raise(
            actor=company.person("zhaolei"),
            task=task,
            discovered_at=at(when),
            problem="测试设备不足",
            impact="评审推迟",
            proposal="借用实验室设备",
            severity=severity,
            expected_resolution=at("2026-03-10 18:00") if severity == "major" else None,
            title=title,
        )


def test_deliver_names_the_unfinished_tasks_and_then_the_missing_deliverable(company):
    request, _breakdown, task = _published_task(company)
    with pytest.raises(InvalidState) as refused:
        act(company, request, "lina", "deliver", "2026-03-04 10:00")
    assert str(refused.value) == "还有 1 个任务未完成，不能提交交付：“硬件方案评审”（待确认，负责人：赵磊）"

    finish(company, task, "2026-03-04 11:00")
    with pytest.raises(InvalidState) as refused:
        act(company, request, "lina", "deliver", "2026-03-04 12:00")
    assert str(refused.value) == ("还没有交付成果，不能提交交付：请先在“成果交付”中提交成果，验收人验收的是成果")
    assert Request.objects.get(pk=request.pk).state == "in_progress"


def test_closing_refuses_an_open_major_exception_and_settles_open_tasks_and_exceptions(company):
    request, _breakdown, task = _published_task(company)
    major = raise_exception(company, task, "major", "测试设备不足", "2026-03-04 09:00")
    normal = raise_exception(company, task, "normal", "样机延迟到货", "2026-03-04 09:10")
    deliverable = submit(company, Request.objects.get(pk=request.pk))
    first, second = request.criteria.order_by("position")
    judge(company, deliverable, "pass", {first.pk: (True, ""), second.pk: (True, "")}, "2026-03-06 10:00")
    request = Request.objects.get(pk=request.pk)
    assert request.state == "completed"
    assert Task.objects.get(pk=task.pk).state == "published"  # acceptance passed while the task was never done
    assert (clocks_running(task), clocks_running(normal), clocks_running(major)) == (
        ["accept", "due"],
        ["resolve"],
        ["resolve"],
    )

    with pytest.raises(InvalidState) as refused:
        act(company, request, "guoxin", "close", "2026-03-06 11:00")
    assert str(refused.value) == (
        "还有 1 个重大异常问题未闭环，不能关闭需求：“测试设备不足”（责任部门：硬件研发部）。"
        "请先在异常问题页写明处理结果并闭环"
    )
    assert Request.objects.get(pk=request.pk).state == "completed"

    act(company, major, "guoxin", "resolve", "2026-03-06 11:10", reason="已借到设备，评审 3/9 完成")
    # 未确认结果的事项不得关闭 (003 三 步骤4): the 结果确认表 signed by every key receiver first.
    act(company, Request.objects.get(pk=request.pk), "guoxin", "confirm_results", "2026-03-06 11:12", reason="评审通过")
    act(company, Request.objects.get(pk=request.pk), "lina", "sign_results", "2026-03-06 11:15")
    act(company, Request.objects.get(pk=request.pk), "guoxin", "close", "2026-03-06 11:20")

    assert Request.objects.get(pk=request.pk).state == "closed"
    task = Task.objects.get(pk=task.pk)
    assert task.state == "cancelled"
    normal = ExceptionReport.objects.get(pk=normal.pk)
    assert (normal.state, normal.resolution) == ("resolved", f"需求 {request.number} 已关闭，随需求一并闭环")
    assert clocks_running(task) == [] and clocks_running(normal) == [] and clocks_running(request) == []
    stopped = Clock.objects.filter(subject_type="tasks.task", subject_id=task.pk, limit="due").latest("pk")
    assert (stopped.state, stopped.closed_at) == ("cancelled", at("2026-03-06 11:20"))
