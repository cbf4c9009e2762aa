"""Change control of the published 协同任务分工表 (issue 20; 《多部门协同作业标准沟通流程》二「《协同任务分工表》(含
各部门负责人签字确认)」, 关键执行要点提示「重要沟通(如需求变更、进度滞后)必须书面同步至所有参与方」「时间节点应预留
1-2天缓冲期」): once every participating head signed and it is published, a task's 完成标准, dates and owner are
not edited directly — the edit is refused at its field, pointing to the 需求变更 — but changed by a 需求变更 that
carries the diff to every participant, re-times the task and moves its dependent task along, keeping the buffer.
Instants after 国庆 2026 (10/8 back at work, the 调休 Saturday 10/10)."""

import datetime as dt

import pytest
import time_machine
from django.db import transaction

from xietong.clocks.models import Clock
from xietong.core.errors import ApplicationError
from xietong.core.models import AuditEvent
from xietong.notify.models import InboxMessage
from xietong.requests.changes import change_request
from xietong.requests.models import ChangeReceipt, Request, RequestVersion
from xietong.requests.participants import participants_text
from xietong.tasks.models import Breakdown, Task, TaskRole
from xietong.tasks.services import breakdown_publish, breakdown_sign, task_update
from xietong.tasks.tests.test_breakdown_rules import (
    CRITERIA,
    accepted_request,
    add_task,
    at,
    kickoff,
    on_breakdown,
)

D = dt.date
NEW_CRITERIA = "输出功耗测试报告（含45℃高温场景），待机续航≥5天"


def published(company):
    """功耗基线测试 (赵磊, 10/9–10/16) and, after it, 量产评估 (谢强, 10/20–10/22: one working day of buffer),
    signed by the three heads and published on Thursday 10/8."""
    request = accepted_request(company)
    kickoff(company, request, start="2026-09-30 14:00", end="2026-09-30 16:00")
    breakdown = Breakdown.objects.get(request=request)
    first = add_task(company, breakdown, "2026-10-08 09:00")
    second = add_task(
        company,
        breakdown,
        "2026-10-08 09:05",
        title="量产评估",
        owner=company.person("xieqiang"),
        start_date=D(2026, 10, 20),
        end_date=D(2026, 10, 22),
        completion_criteria="输出量产可行性评估报告",
        predecessors=[Task.objects.get(pk=first.pk)],
    )
    for username in ("zhaolei", "gaofeng", "xieqiang"):
        on_breakdown(company, breakdown_sign, username, breakdown, "2026-10-08 10:00")
    on_breakdown(company, breakdown_publish, "guoxin", breakdown, "2026-10-08 11:00")
    return Request.objects.get(pk=request.pk), Task.objects.get(pk=first.pk), Task.objects.get(pk=second.pk)


def due(task):
    return Clock.objects.get(subject_type="tasks.task", subject_id=task.pk, kind="due", state="armed").due_at


def change(company, request, tasks, when="2026-10-09 16:00", reason="客户要求增加高温场景测试", part="tasks"):
    with time_machine.travel(at(when), tick=False), transaction.atomic():
        return change_request(
            actor=company.person("guoxin"),
            request=Request.objects.get(pk=request.pk),
            reason=reason,
            data={},
            parts={part: tasks},
        )


def test_after_publication_the_criteria_dates_and_owner_are_refused_at_their_fields(company):
    _request, first, _second = published(company)
    with (
        pytest.raises(ApplicationError) as refused,
        time_machine.travel(at("2026-10-09 10:00"), tick=False),
        transaction.atomic(),
    ):
        task_update(
            actor=company.person("guoxin"),
            task=first,
            expected_version=first.version,
            completion_criteria=NEW_CRITERIA,
            end_date=D(2026, 10, 20),
            owner=company.person("huangmin"),
        )
    words = "不能直接修改：请在需求页面“提出需求变更”，变更将书面发送全部参与方确认"
    assert refused.value.fields == {
        "completion_criteria": f"分工表已发布（各参与部门负责人已签字），完成标准{words}",
        "end_date": f"分工表已发布（各参与部门负责人已签字），结束时间{words}",
        "owner": f"分工表已发布（各参与部门负责人已签字），负责人{words}",
    }
    # What the heads did not sign for stays editable; the same criteria sent back by a form are no change.
    with time_machine.travel(at("2026-10-09 10:05"), tick=False), transaction.atomic():
        task, _conflicts = task_update(
            actor=company.person("guoxin"),
            task=first,
            expected_version=first.version,
            completion_criteria=CRITERIA + "\r\n",
            resources="样机 3 台",
        )
    task = Task.objects.get(pk=first.pk)
    assert (task.completion_criteria, task.end_date, task.owner.username, task.resources) == (
        CRITERIA,
        D(2026, 10, 16),
        "zhaolei",
        "样机 3 台",
    )


def test_the_edit_page_refuses_at_the_field_and_keeps_what_was_typed(company, client_for):
    _request, first, _second = published(company)
    with time_machine.travel(at("2026-10-09 10:00"), tick=True):
        page = client_for("guoxin").post(
            f"/tasks/{first.pk}/edit/",
            {
                "title": first.title,
                "content": first.content,
                "completion_criteria": NEW_CRITERIA,
                "owner": first.owner_id,
                "start_date": "2026-10-09",
                "end_date": "2026-10-16",
                "priority": "high",
                "resources": "",
                "version": first.version,
            },
        )
    assert page.status_code == 200
    html = page.content.decode()
    assert "完成标准不能直接修改：请在需求页面“提出需求变更”" in html and NEW_CRITERIA in html
    assert Task.objects.get(pk=first.pk).completion_criteria == CRITERIA


def test_a_change_request_changes_the_task_re_times_it_and_moves_its_successor_keeping_the_buffer(company):
    request, first, second = published(company)
    assert (due(first), due(second)) == (at("2026-10-16 18:00"), at("2026-10-22 18:00"))
    change(company, request, {first.pk: {"completion_criteria": NEW_CRITERIA, "end_date": D(2026, 10, 20)}})

    v2 = RequestVersion.objects.get(request=request, number=2)
    assert v2.changes == [
        {
            "field": f"task:{first.pk}:completion_criteria",
            "label": "任务“功耗基线测试”完成标准",
            "old": CRITERIA,
            "new": NEW_CRITERIA,
        },
        {
            "field": f"task:{first.pk}:end_date",
            "label": "任务“功耗基线测试”结束时间",
            "old": "2026-10-16",
            "new": "2026-10-20",
        },
    ]
    # The task ends Tuesday 10/20; 量产评估 may start only after one working day of buffer (10/21), so it
    # starts Thursday 10/22 and keeps its 3 working days (10/22, 10/23, Monday 10/26).
    first, second = Task.objects.get(pk=first.pk), Task.objects.get(pk=second.pk)
    assert (first.completion_criteria, first.end_date) == (NEW_CRITERIA, D(2026, 10, 20))
    assert (second.start_date, second.end_date) == (D(2026, 10, 22), D(2026, 10, 26))
    assert (due(first), due(second)) == (at("2026-10-20 18:00"), at("2026-10-26 18:00"))
    assert [r["text"] for r in v2.replanned] == [
        "任务“功耗基线测试” 2026-10-09 ~ 2026-10-16 → 2026-10-09 ~ 2026-10-20（已重新计时）",
        "任务“量产评估” 2026-10-20 ~ 2026-10-22 → 2026-10-22 ~ 2026-10-26（前置任务“功耗基线测试”调整，已顺延并重新计时）",
    ]
    # Each task's history holds its step, with the old values.
    changed = AuditEvent.objects.get(action="task.change", object_id=str(first.pk))
    assert changed.before == {"completion_criteria": CRITERIA, "end_date": "2026-10-16"}
    assert changed.after == {"completion_criteria": NEW_CRITERIA, "end_date": "2026-10-20", "version": 2}
    moved = AuditEvent.objects.get(action="task.replan", object_id=str(second.pk))
    assert moved.after["start_date"] == "2026-10-22" and moved.after["predecessor"] == "功耗基线测试"
    # Sent in writing to every participant, each to confirm 已阅; the successor's owner is told of the move.
    receipts = {r.person.username for r in ChangeReceipt.objects.filter(change=v2)}
    assert receipts == {"hujun", "zhaolei", "gaofeng", "luoqian", "xieqiang"}
    body = (
        InboxMessage.objects.filter(recipient__username="xieqiang", notification__title__startswith="【需求变更】")
        .get()
        .notification.body
    )
    assert (
        f"任务“功耗基线测试”完成标准：{CRITERIA} → {NEW_CRITERIA}\n任务“功耗基线测试”结束时间：2026-10-16 → 2026-10-20"
        in body
    )
    told = InboxMessage.objects.get(recipient__username="xieqiang", notification__title__startswith="【计划顺延】")
    assert (
        told.notification.body == "前置任务“功耗基线测试”按需求变更（V2）调整，本任务顺延为 2026-10-22 ~ 2026-10-26。"
    )


def test_a_new_owner_by_a_change_takes_the_task_and_has_its_acceptance_limit(company):
    request, first, _second = published(company)
    change(company, request, {first.pk: {"owner": company.person("huangmin")}}, reason="赵磊调往新项目")
    first = Task.objects.get(pk=first.pk)
    assert first.owner.username == "huangmin"
    assert set(TaskRole.objects.filter(task=first, role="A").values_list("person__username", flat=True)) == {"huangmin"}
    v2 = RequestVersion.objects.get(request=request, number=2)
    assert v2.changes == [
        {"field": f"task:{first.pk}:owner", "label": "任务“功耗基线测试”负责人", "old": "赵磊", "new": "黄敏"}
    ]
    assert ChangeReceipt.objects.get(change=v2, person__username="huangmin").roles == "任务负责人"
    # Friday 10/9 16:00 + 24 hours (the acceptance limit is wall time) → Saturday 10/10 16:00.
    accept = Clock.objects.get(subject_type="tasks.task", subject_id=first.pk, kind="accept", state="armed")
    assert (accept.owner.username, accept.due_at) == ("huangmin", at("2026-10-10 16:00"))
    assert (
        due(first) == at("2026-10-16 18:00")
        and Clock.objects.get(subject_type="tasks.task", subject_id=first.pk, kind="due", state="armed").owner.username
        == "huangmin"
    )
    assert InboxMessage.objects.filter(
        recipient__username="huangmin", notification__title="【新任务】XQ-2026-0001-T01 功耗基线测试"
    ).exists()


def test_a_change_to_a_task_is_checked_as_a_task_is(company):
    request, first, _second = published(company)
    with pytest.raises(ApplicationError) as refused:
        change(company, request, {first.pk: {"end_date": D(2026, 10, 5), "completion_criteria": " "}})
    assert refused.value.fields == {
        f"task-{first.pk}-completion_criteria": "请填写完成标准，如“输出功耗测试报告，待机续航≥5天”",
        f"task-{first.pk}-end_date": "结束时间 2026-10-05 早于开始时间 2026-10-09",
    }
    assert not RequestVersion.objects.filter(request=request).exists()
    assert Task.objects.get(pk=first.pk).end_date == D(2026, 10, 16)


def test_the_change_form_and_the_api_carry_the_tasks(company, client_for):
    request, first, second = published(company)
    with time_machine.travel(at("2026-10-09 16:00"), tick=True):
        client = client_for("guoxin")
        form = client.get(f"/requests/{request.pk}/change/").content.decode()
        assert "任务“功耗基线测试”完成标准" in form and "任务“量产评估”负责人" in form
        fields = {
            "title": request.title,
            "background": request.background,
            "goal": request.goal,
            "content": request.content,
            "expected_date": f"{request.expected_date}",
            "priority": request.priority,
            "criteria": "\n".join(request.criteria.values_list("text", flat=True)),
            "participants": participants_text(request),
            "reason": "客户要求增加高温场景测试",
            "version": request.version,
        }
        for task in (first, second):
            fields.update(
                {
                    f"task-{task.pk}-completion_criteria": task.completion_criteria,
                    f"task-{task.pk}-start_date": f"{task.start_date}",
                    f"task-{task.pk}-end_date": f"{task.end_date}",
                    f"task-{task.pk}-owner": task.owner_id,
                }
            )
        bad = client.post(f"/requests/{request.pk}/change/", {**fields, f"task-{first.pk}-end_date": "2026-10-05"})
        assert bad.status_code == 200 and "结束时间 2026-10-05 早于开始时间 2026-10-09" in bad.content.decode()
        sent = client.post(f"/requests/{request.pk}/change/", {**fields, f"task-{first.pk}-end_date": "2026-10-20"})
        assert sent.status_code == 302, sent.content.decode()[:3000]
        v2 = RequestVersion.objects.get(request=request, number=2)
        assert [c["label"] for c in v2.changes] == ["任务“功耗基线测试”结束时间"]
        assert Task.objects.get(pk=second.pk).start_date == D(2026, 10, 22)
        answer = client.post(
            f"/api/requests/{request.pk}/changes",
            {"reason": "评估交由黄敏", "tasks": {str(second.pk): {"owner_id": company.person("huangmin").pk}}},
            content_type="application/json",
        )
    assert answer.status_code == 201, answer.content.decode()
    assert answer.json()["changes"] == [
        {"field": f"task:{second.pk}:owner", "label": "任务“量产评估”负责人", "old": "谢强", "new": "黄敏"}
    ]


def test_the_api_refuses_a_task_change_at_its_field(company, client_for):
    request, first, _second = published(company)
    with time_machine.travel(at("2026-10-09 16:00"), tick=True):
        client = client_for("guoxin")
        answer = client.post(
            f"/api/requests/{request.pk}/changes",
            {"reason": "调整", "tasks": {str(first.pk): {"end_date": "2026-10-05", "completion_criteria": None}}},
            content_type="application/json",
        )
        nobody = client.post(
            f"/api/requests/{request.pk}/changes",
            {"reason": "调整", "tasks": {str(first.pk): {"owner_id": 999999}}},
            content_type="application/json",
        )
    assert answer.status_code == 400
    assert answer.json()["fields"] == {f"task-{first.pk}-end_date": "结束时间 2026-10-05 早于开始时间 2026-10-09"}
    assert nobody.status_code == 400 and nobody.json()["fields"] == {f"task-{first.pk}-owner": "没有这位在职人员"}
