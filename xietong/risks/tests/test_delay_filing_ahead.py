"""负责人需提前2天提交《延期申请》 (《企业内部沟通指南与协作工具》二（一）步骤3) is enforced by its policy: an
application later than the end of the working day 2 working days before the planned end is refused, the
reason at the field, its limit and clause from the policy; an administrator may set the policy to 仅标记."""

import datetime as dt

import pytest
import time_machine
from django.db import transaction

from xietong.clocks.models import ClockPolicy
from xietong.core.errors import ApplicationError
from xietong.notify.models import InboxMessage
from xietong.progress.tests.test_progress import running_task
from xietong.requests.tests.test_request_flow import at
from xietong.risks.models import DelayRequest
from xietong.risks.services import delay_request
from xietong.tasks.models import Task

CLAUSE = (
    "依据：《企业内部沟通指南与协作工具》二（一）步骤3「负责人需提前2天提交《延期申请》」；"
    "另见：“2天”按原计划完成日之前的 2 个工作日计：最晚在其前第 2 个工作日下班前提交"
)


def task_ending(company, end: dt.date) -> Task:
    task = running_task(company, start="2026-09-29 10:00")
    Task.objects.filter(pk=task.pk).update(end_date=end)
    return Task.objects.get(pk=task.pk)


def file(company, task, when):
    with time_machine.travel(at(when), tick=False), transaction.atomic():
        return delay_request(
            actor=company.person("wangqiang"),
            task=task,
            new_end_date=dt.date(2026, 10, 30),
            reason="需求变更导致工作量增加",
            new_plan="10/30 前完成同步策略与压测",
        )


def test_the_policy_ships_with_its_clause_and_refuses_late_applications(db):
    policy = ClockPolicy.objects.get(process="delay", priority="*", kind="notice")
    assert (policy.duration, policy.mode, policy.when_late) == ("2d", "working", "refuse")
    assert policy.basis() == CLAUSE


def test_for_a_friday_after_national_day_the_last_moment_is_the_wednesday_before_the_holiday(company):
    # Ends Friday 10/9: the 2 working days before it are 10/8 and 9/30 (国庆 10/1–10/7) → by 9/30 18:00.
    task = task_ending(company, dt.date(2026, 10, 9))
    with pytest.raises(ApplicationError) as refused:
        file(company, task, "2026-10-02 10:00")
    assert refused.value.fields == {
        "new_end_date": "延期申请须在原计划完成日（2026-10-09）前至少 2 个工作日提交，最晚 9月30日 18:00；"
        "现已逾期，不能提交，请与项目经理沟通。" + CLAUSE
    }
    assert not DelayRequest.objects.exists()
    delay = file(company, task, "2026-09-30 17:59")
    assert not delay.late_filing


def test_the_tiaoxiu_saturday_is_one_of_the_two_working_days(company):
    # Ends Monday 10/12: the 调休 Saturday 10/10 counts, so the last moment is Friday 10/9 18:00.
    task = task_ending(company, dt.date(2026, 10, 12))
    with pytest.raises(ApplicationError) as refused:
        file(company, task, "2026-10-10 09:00")
    assert "最晚 10月9日 18:00；" in refused.value.fields["new_end_date"]
    assert not file(company, task, "2026-10-09 18:00").late_filing


def test_set_to_flag_only_a_late_application_is_filed_and_marked(company):
    ClockPolicy.objects.filter(process="delay", kind="notice").update(when_late="flag")
    task = task_ending(company, dt.date(2026, 10, 12))
    delay = file(company, task, "2026-10-10 09:00")
    assert delay.late_filing
    body = InboxMessage.objects.filter(notification__title__startswith="【延期审批】").first().notification.body
    assert body.startswith("原因：需求变更导致工作量增加（未按规定提前 2 个工作日提出）")


def test_the_refusal_is_shown_at_its_field_and_keeps_what_was_typed(company, client_for):
    task = task_ending(company, dt.date(2026, 10, 12))
    with time_machine.travel(at("2026-10-10 09:00"), tick=False):
        page = client_for("wangqiang").post(
            f"/risks/tasks/{task.pk}/delay/",
            {
                "new_end_date": "2026-10-30",
                "reason": "需求变更导致工作量增加",
                "new_plan": "10/30 前完成同步策略与压测",
            },
        )
    assert page.status_code == 200
    html = page.content.decode()
    assert "延期申请须在原计划完成日（2026-10-12）前至少 2 个工作日提交，最晚 10月9日 18:00" in html
    assert "需求变更导致工作量增加" in html and "10/30 前完成同步策略与压测" in html
    assert not DelayRequest.objects.exists()
