"""Daily progress by 17:00 on working days (a 调休 Saturday included), 【需协助】 flags, the tracking table
and the Friday weekly summary."""

import datetime as dt
import io

import pytest
import time_machine
from django.db import transaction
from openpyxl import load_workbook

from xietong.clocks.models import Clock
from xietong.clocks.services import clock_fire_due
from xietong.core.errors import ApplicationError, Forbidden
from xietong.core.models import AuditEvent
from xietong.notify.models import InboxMessage
from xietong.progress.models import WeeklySummary
from xietong.progress.selectors import tracking_rows
from xietong.progress.services import help_answer, progress_post, weekly_summary_due
from xietong.requests.tests.test_request_flow import act, at, heads_sign, new_request
from xietong.tasks.models import Task
from xietong.tasks.services import breakdown_open, breakdown_publish, task_create, task_transition


def running_task(company, start="2026-10-09 10:00", also=(), **extra):
    """智能手表项目: 王强's task, published and started on Friday 2026-10-09 10:00. `also`: further tasks of the
    same 分工表, built before it is signed and published (after publication a task is added only by a 需求变更);
    one with after_first=True depends on 王强's."""
    request = new_request(company, when="2026-09-28 09:00")
    for username, name in (("lina", "accept"), ("guoxin", "sign"), ("lina", "sign")):
        request = act(company, request, username, name, "2026-09-28 10:00")
    guoxin = company.person("guoxin")
    with time_machine.travel(at("2026-09-28 11:00"), tick=False), transaction.atomic():
        breakdown = breakdown_open(actor=guoxin, request=request)
        task = task_create(
            completion_criteria="交付物经负责人确认",
            actor=guoxin,
            breakdown=breakdown,
            title="后台同步策略优化",
            owner=company.person("wangqiang"),
            helpers=[company.person("heli")],
            start_date=dt.date(2026, 10, 8),
            end_date=dt.date(2026, 10, 16),
            priority="high",
            **extra,
        )
        for more in also:
            more = dict(more)
            first = [task] if more.pop("after_first", False) else []
            task_create(actor=guoxin, breakdown=breakdown, predecessors=first, **more)
        heads_sign(breakdown)
        breakdown_publish(actor=guoxin, breakdown=breakdown)
    with time_machine.travel(at(start), tick=False), transaction.atomic():
        task = task_transition(actor=company.person("wangqiang"), task=task, name="accept")
        task = task_transition(actor=company.person("wangqiang"), task=task, name="start")
    return Task.objects.get(pk=task.pk)


def update_clock(task):
    return Clock.objects.get(subject_type="tasks.task", subject_id=task.pk, kind="update_due", state="armed")


def post(company, task, when, text="完成接口联调", percent=40, **extra):
    with time_machine.travel(at(when), tick=False), transaction.atomic():
        return progress_post(
            actor=company.person("wangqiang"), task=task, text=text, percent=percent, next_step="压测", **extra
        )


def test_missed_updates_are_reminded_at_17_including_the_adjusted_saturday(company):
    task = running_task(company)
    assert update_clock(task).due_at == at("2026-10-09 17:00")
    assert Clock.objects.get(
        subject_id=task.pk, subject_type="tasks.task", kind="remind", limit="update_due", state="armed"
    ).due_at == at("2026-10-09 16:00")
    with time_machine.travel(at("2026-10-09 17:00"), tick=False):
        assert clock_fire_due() >= 2  # the 16:00 reminder and the 17:00 miss

    def missed():
        return InboxMessage.objects.filter(recipient__username="wangqiang", notification__kind="overdue")

    assert [m.notification.title for m in missed()] == ["【未更新进度】XQ-2026-0001-T01 后台同步策略优化"]
    assert missed().get().notification.body == (
        "10月09日 17:00 前未更新任务进度，请补充当日进展与次日计划。\n"
        "依据：《企业沟通与协作流程规范》二（三）「每日17:00前在企业协作平台更新任务进度」；"
        "另见：《企业内部沟通指南与协作工具》二（一）步骤3「成员每日17:00前更新任务进度」"
    )
    # The next one is due on the 调休 Saturday 10/10 at 17:00.
    assert update_clock(task).due_at == at("2026-10-10 17:00")
    with time_machine.travel(at("2026-10-10 17:00"), tick=False):
        clock_fire_due()
    assert missed().count() == 2
    assert update_clock(task).due_at == at("2026-10-12 17:00")  # Sunday is a rest day
    # Monday morning: the project sees the task as 未更新 (nothing on Saturday, the last working day).
    with time_machine.travel(at("2026-10-12 09:00"), tick=False):
        [row] = tracking_rows(Task.objects.filter(pk=task.pk))
    assert row.stale and row.status == "in_progress"
    post(company, task, "2026-10-12 10:00")
    assert update_clock(task).due_at == at("2026-10-13 17:00")  # today's is met: tomorrow's next
    with time_machine.travel(at("2026-10-12 18:00"), tick=False):
        [row] = tracking_rows(Task.objects.filter(pk=task.pk))
    assert not row.stale and row.percent == 40


def test_an_update_before_17_meets_today(company):
    task = running_task(company, start="2026-10-09 09:30")
    post(company, task, "2026-10-09 16:30")
    assert update_clock(task).due_at == at("2026-10-10 17:00")
    with time_machine.travel(at("2026-10-09 17:05"), tick=False):
        clock_fire_due()
    assert not InboxMessage.objects.filter(recipient__username="wangqiang", notification__kind="overdue").exists()


def test_help_flag_notifies_the_named_person_and_stays_until_answered(company, client_for):
    task = running_task(company)
    update = post(
        company, task, "2026-10-09 11:00", text="前端开发遇技术瓶颈", needs_help=True, help_from=company.person("lina")
    )
    message = InboxMessage.objects.get(recipient__username="lina", notification__kind="mention")
    assert message.notification.title == "【需协助】XQ-2026-0001-T01 后台同步策略优化"
    assert message.notification.urgency == "urgent"
    html = client_for("guoxin").get(f"/progress/projects/{task.project_id}/").content.decode()
    assert "【需协助】李娜" in html
    with transaction.atomic():
        help_answer(actor=company.person("lina"), update_id=update.pk, answer="已安排陈静支持")
    update.refresh_from_db()
    assert not update.help_open
    assert "【需协助】李娜" not in client_for("guoxin").get(f"/progress/projects/{task.project_id}/").content.decode()


def test_only_the_owner_or_a_helper_posts_and_a_call_for_help_opens_the_progress_section(company):
    task = running_task(company)
    refused = pytest.raises(Forbidden, match="只有负责人或协助人可以更新任务进度")
    with refused, time_machine.travel(at("2026-10-09 11:00"), tick=False), transaction.atomic():
        progress_post(actor=company.person("guoxin"), task=task, text="代为更新", percent=10)
    with time_machine.travel(at("2026-10-09 11:00"), tick=False), transaction.atomic():
        update = progress_post(actor=company.person("heli"), task=task, text="协助完成接口文档", percent=30)
    assert (update.author.username, update.percent) == ("heli", 30)
    event = AuditEvent.objects.get(action="progress.post", object_id=str(task.pk))
    assert (event.actor_label, event.after["percent"], event.after["text"]) == ("何丽", 30, "协助完成接口文档")
    assert update_clock(task).due_at == at("2026-10-10 17:00")  # today's update is met by the helper's
    asked = post(company, task, "2026-10-09 14:00", needs_help=True, help_from=company.person("lina"))
    assert asked.help_open
    message = InboxMessage.objects.get(recipient__username="lina", notification__kind="mention").notification
    assert (message.title, message.url) == (
        "【需协助】XQ-2026-0001-T01 后台同步策略优化",
        f"/tasks/{task.pk}/#progress",
    )


def test_help_from_someone_who_cannot_see_the_task_is_refused(company):
    task = running_task(company)
    with pytest.raises(ApplicationError) as refused:
        post(company, task, "2026-10-09 11:00", needs_help=True, help_from=company.person("fengjing"))
    assert "冯静 看不到这个任务" in refused.value.fields["help_from"]
    with pytest.raises(ApplicationError) as refused:
        post(company, task, "2026-10-09 11:00", percent=140)
    assert refused.value.fields == {"percent": "完成百分比应在 0–100 之间"}


def test_tracking_table_marks_done_running_and_late(company, client_for):
    task = running_task(
        company,
        also=[
            dict(
                completion_criteria="交付物经负责人确认",
                title="压测与上线",
                owner=company.person("wangqiang"),
                start_date=dt.date(2026, 10, 19),
                end_date=dt.date(2026, 10, 23),
                priority="medium",
                after_first=True,
            )
        ],
    )
    later = Task.objects.get(title="压测与上线")
    with time_machine.travel(at("2026-10-20 10:00"), tick=False):
        rows = {r.task.title: r for r in tracking_rows(Task.objects.filter(pk__in=[task.pk, later.pk]))}
        assert rows["后台同步策略优化"].status == "late" and rows["后台同步策略优化"].reason == "已过计划完成日期 10-16"
        assert rows["压测与上线"].status == "late" and rows["压测与上线"].reason == "前置任务滞后：后台同步策略优化"
        response = client_for("guoxin").get(f"/progress/projects/{task.project_id}/?format=xlsx")
    sheet = load_workbook(io.BytesIO(response.content)).active
    assert [c.value for c in sheet[2]][:9] == [
        "任务编号",
        "任务名称",
        "负责人",
        "部门",
        "计划开始",
        "计划完成",
        "完成百分比",
        "状态",
        "滞后原因",
    ]
    assert sheet.cell(row=3, column=8).value == "滞后"
    assert client_for("fengjing").get(f"/progress/projects/{task.project_id}/").status_code == 404


def test_weekly_summary_on_friday_afternoon_once(company):
    task = running_task(company)
    with time_machine.travel(at("2026-10-09 14:59"), tick=False):
        assert weekly_summary_due() == 0
    with time_machine.travel(at("2026-10-09 15:00"), tick=False):
        assert weekly_summary_due() == 3  # the three active demo projects
        assert weekly_summary_due() == 0
    summary = WeeklySummary.objects.get(project=task.project)
    assert summary.week_start == dt.date(2026, 10, 5)
    assert summary.data["late"] == [] and summary.data["done"] == []
    assert [t["title"] for t in summary.data["next_week"]] == ["后台同步策略优化"]
    assert InboxMessage.objects.filter(
        recipient__username="wangqiang", notification__title="【项目周报】智能手表项目 10-05 周"
    ).exists()
