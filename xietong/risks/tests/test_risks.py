"""Exceptions (24 h, 重大 48 h), delay requests approved across a holiday, disputes escalating on day 3."""

import datetime as dt

import pytest
import time_machine
from django.db import transaction

from xietong.clocks.models import Clock, ClockPolicy, Escalation
from xietong.clocks.services import clock_fire_due
from xietong.core.errors import ApplicationError, Forbidden
from xietong.core.models import AuditEvent
from xietong.notify.models import InboxMessage
from xietong.progress.tests.test_progress import running_task
from xietong.requests.tests.test_request_flow import at
from xietong.risks.models import DelayRequest, ExceptionReport
from xietong.risks.services import (
    delay_decide,
    delay_request,
    dispute_open,
    dispute_settle,
    exception_raise,
    exception_resolve,
)
from xietong.tasks.models import Task
from xietong.tasks.services import task_create


def raise_exception(company, task, when, severity="normal", discovered="2026-10-09 09:30", eta=None):
    with time_machine.travel(at(when), tick=False), transaction.atomic():
        return exception_raise(
            actor=company.person("wangqiang"),
            task=task,
            discovered_at=at(discovered),
            problem="第三方推送SDK不支持后台保活",
            impact="续航目标可能延后一周",
            proposal="与厂商沟通定制版本",
            severity=severity,
            expected_resolution=at(eta) if eta else None,
        )


def resolve_clock(report):
    return Clock.objects.get(subject_type="risks.exceptionreport", subject_id=report.pk, kind="resolve")


def test_normal_exception_must_close_in_one_working_day_or_escalate(company):
    task = running_task(company)
    report = raise_exception(company, task, "2026-10-09 10:00")
    assert report.number == "YC-2026-0001" and not report.late_filing
    assert resolve_clock(report).due_at == at("2026-10-10 10:00")  # 24 h = 1 working day: the 调休 Saturday
    copied = {m.recipient.username for m in InboxMessage.objects.filter(notification__title__startswith="【异常问题")}
    assert copied == {"guoxin", "lina", "hujun"}  # the initiator, the owner's head, the initiator's head
    with time_machine.travel(at("2026-10-10 10:00"), tick=False):
        clock_fire_due()
    escalation = Escalation.objects.get(subject_type="risks.exceptionreport", subject_id=report.pk)
    assert (escalation.level, escalation.target.username) == (1, "hujun")  # 郭鑫's head: 产品部 胡军


def test_major_exception_has_48_hours_and_needs_an_expected_time(company):
    task = running_task(company)
    with pytest.raises(ApplicationError) as refused:
        raise_exception(company, task, "2026-10-09 10:00", severity="major")
    assert refused.value.fields == {"expected_resolution": "重大问题须填写预计解决时间"}
    assert not ExceptionReport.objects.exists()
    report = raise_exception(company, task, "2026-10-09 10:00", severity="major", eta="2026-10-13 18:00")
    # 48 小时 elapsed: Sunday 10/11 10:00 (after the 调休 Saturday, a day off) → Monday's first working period
    assert resolve_clock(report).due_at == at("2026-10-12 09:00")
    with time_machine.travel(at("2026-10-11 12:00"), tick=False), transaction.atomic():
        exception_resolve(
            actor=company.person("guoxin"), report=report, resolution="厂商 10/12 提供定制 SDK，由王强验证"
        )
    report.refresh_from_db()
    assert (report.state, report.decided_by.username) == ("resolved", "guoxin")
    clock = resolve_clock(report)
    assert clock.met_at == at("2026-10-11 12:00") and clock.met_at < clock.limit_due_at
    with time_machine.travel(at("2026-10-20 10:00"), tick=False):
        clock_fire_due()
    assert not Escalation.objects.filter(subject_type="risks.exceptionreport").exists()  # closed in time


def test_a_delay_filed_two_working_days_ahead_is_on_time(company):
    task = running_task(company)
    with time_machine.travel(at("2026-10-14 10:00"), tick=False), transaction.atomic():
        delay = delay_request(
            actor=company.person("wangqiang"),
            task=task,
            new_end_date=dt.date(2026, 10, 20),
            reason="需求变更",
            new_plan="顺延两天",
        )
    assert not delay.late_filing  # Wednesday for a Friday end: Thursday and Friday are left


def test_filing_more_than_a_working_day_after_discovery_is_marked(company):
    task = running_task(company)
    report = raise_exception(company, task, "2026-10-12 11:00", discovered="2026-10-09 10:00")
    assert report.late_filing  # Fri 10:00 → Sat → Mon 11:00: more than one working day


def test_only_the_people_concerned_close_an_exception(company):
    task = running_task(company)
    report = raise_exception(company, task, "2026-10-09 10:00")
    with pytest.raises(Forbidden), transaction.atomic():
        exception_resolve(actor=company.person("heli"), report=report, resolution="我来关")
    with pytest.raises(ApplicationError) as refused, transaction.atomic():
        exception_resolve(actor=company.person("guoxin"), report=report, resolution=" ")
    assert refused.value.fields == {"resolution": "请写明处理结果：谁决定了什么、何时完成"}


# The successor is on the 分工表 when it is published (after publication a task is added only by a 需求变更).
CHAIN = dict(
    completion_criteria="交付物经负责人确认",
    title="续航验证",
    owner_username="maxiaoyan",
    start_date=dt.date(2026, 10, 19),
    end_date=dt.date(2026, 10, 21),
    priority="medium",
    after_first=True,
)


def _chained(company, start):
    chain = {k: v for k, v in CHAIN.items() if k != "owner_username"}
    task = running_task(company, start=start, also=[{**chain, "owner": company.person(CHAIN["owner_username"])}])
    return task, Task.objects.get(title=CHAIN["title"])


def test_delay_across_national_day_moves_the_dates_and_retimes_dependents(company):
    # The administrator set 提前2天提交 to 仅标记: a late application is filed, marked late.
    ClockPolicy.objects.filter(process="delay", kind="notice").update(when_late="flag")
    task, successor = _chained(company, "2026-10-09 09:30")
    wangqiang, guoxin, hujun = (company.person(u) for u in ("wangqiang", "guoxin", "hujun"))
    with time_machine.travel(at("2026-10-15 10:00"), tick=False), transaction.atomic():
        delay = delay_request(
            actor=wangqiang,
            task=task,
            new_end_date=dt.date(2026, 10, 20),
            reason="需求变更导致工作量增加",
            new_plan="10/20 前完成同步策略与压测",
        )
    assert delay.late_filing  # filed Thursday for a Friday end: only 1 working day ahead, 2 are required
    assert Clock.objects.get(subject_type="risks.delayrequest", subject_id=delay.pk, kind="review").due_at == at(
        "2026-10-16 10:00"
    )
    with pytest.raises(Forbidden), transaction.atomic():
        delay_decide(actor=company.person("lina"), delay=delay, approve=True)
    with pytest.raises(ApplicationError) as refused, transaction.atomic():
        delay_decide(actor=guoxin, delay=delay, approve=False)
    assert refused.value.fields == {"note": "驳回时请写明理由"}
    with time_machine.travel(at("2026-10-15 11:00"), tick=False), transaction.atomic():
        delay_decide(actor=guoxin, delay=delay, approve=True)  # project lead
    assert Task.objects.get(pk=task.pk).end_date == dt.date(2026, 10, 16)  # not yet: the head must approve too
    with time_machine.travel(at("2026-10-15 14:00"), tick=False), transaction.atomic():
        delay_decide(actor=hujun, delay=delay, approve=True, note="同意")  # initiating department's head
    delay.refresh_from_db()
    task.refresh_from_db()
    successor.refresh_from_db()
    assert delay.state == DelayRequest.State.APPROVED
    assert task.end_date == dt.date(2026, 10, 20)
    # 10/17–18 is a weekend: 2 working days later. The successor moves by the same 2 working days.
    assert (successor.start_date, successor.end_date) == (dt.date(2026, 10, 21), dt.date(2026, 10, 23))
    due = Clock.objects.get(subject_type="tasks.task", subject_id=task.pk, kind="due", state="armed")
    assert due.due_at == at("2026-10-20 18:00")
    assert Clock.objects.get(
        subject_type="tasks.task", subject_id=successor.pk, kind="due", state="armed"
    ).due_at == at("2026-10-23 18:00")


def test_a_delay_approved_across_national_day(company):
    from xietong.requests.tests.test_request_flow import _published_task, heads_sign
    from xietong.tasks.services import breakdown_publish, task_transition, task_update

    _request, breakdown, task = _published_task(company, publish=False)  # dated, then signed and published
    guoxin, zhaolei = company.person("guoxin"), company.person("zhaolei")
    with time_machine.travel(at("2026-09-21 09:00"), tick=False), transaction.atomic():
        task, _c = task_update(
            actor=guoxin,
            task=task,
            expected_version=task.version,
            start_date=dt.date(2026, 9, 21),
            end_date=dt.date(2026, 9, 30),
        )
        successor = task_create(
            completion_criteria="交付物经负责人确认",
            actor=guoxin,
            breakdown=breakdown,
            title="样机试产",
            owner=company.person("xieqiang"),
            start_date=dt.date(2026, 10, 8),
            end_date=dt.date(2026, 10, 12),
            priority="medium",
            predecessors=[task],
        )
        heads_sign(breakdown)
        breakdown_publish(actor=guoxin, breakdown=breakdown)
        task = Task.objects.get(pk=task.pk)
        for name in ("accept", "start"):
            task = task_transition(actor=zhaolei, task=task, name=name)
    with time_machine.travel(at("2026-09-24 10:00"), tick=False), transaction.atomic():
        delay = delay_request(
            actor=zhaolei,
            task=task,
            new_end_date=dt.date(2026, 10, 9),
            reason="芯片到货推迟",
            new_plan="到货后两天完成评审",
        )
    assert not delay.late_filing  # 9/28, 9/29, 9/30 remain (中秋 9/25–27 is off)
    for approver in ("guoxin", "hujun"):
        with time_machine.travel(at("2026-09-24 11:00"), tick=False), transaction.atomic():
            delay_decide(actor=company.person(approver), delay=delay, approve=True)
    successor.refresh_from_db()
    # The task gains the two working days after 国庆 (10/8, 10/9); its successor moves by two working days too,
    # onto the 调休 Saturday 10/10.
    assert Task.objects.get(pk=task.pk).end_date == dt.date(2026, 10, 9)
    assert (successor.start_date, successor.end_date) == (dt.date(2026, 10, 10), dt.date(2026, 10, 14))
    assert Clock.objects.get(subject_type="tasks.task", subject_id=task.pk, kind="due", state="armed").due_at == at(
        "2026-10-09 18:00"
    )
    told = InboxMessage.objects.get(recipient__username="xieqiang", notification__title__startswith="【计划顺延】")
    assert (
        told.notification.body
        == f"前置任务“{task.title}”延期（{delay.number}），本任务顺延为 2026-10-10 ~ 2026-10-14。"
    )
    # Both moves are the tasks' own declared steps, on their histories with the old values.
    postponed = AuditEvent.objects.get(action="task.postpone", object_id=str(task.pk))
    assert (postponed.before, postponed.after) == (
        {"end_date": "2026-09-30"},
        {"end_date": "2026-10-09", "delay": delay.number},
    )
    moved = AuditEvent.objects.get(action="task.replan", object_id=str(successor.pk))
    assert moved.before == {"start_date": "2026-10-08", "end_date": "2026-10-12"}
    assert moved.after["start_date"] == "2026-10-10" and moved.after["cause"] == f"延期（{delay.number}）"


def test_delay_to_the_past_is_refused(company):
    task = running_task(company)
    with (
        pytest.raises(ApplicationError) as refused,
        time_machine.travel(at("2026-10-14 10:00"), tick=False),
        transaction.atomic(),
    ):
        delay_request(
            actor=company.person("wangqiang"),
            task=task,
            new_end_date=dt.date(2026, 10, 1),
            reason="x",
            new_plan="y",
        )
    assert refused.value.fields == {"new_end_date": "不能延期到已经过去的日期 2026-10-01"}
    assert not DelayRequest.objects.exists()


def test_a_dispute_goes_to_both_division_leaders_on_day_3_then_the_general_manager(company):
    task = running_task(company)
    with time_machine.travel(at("2026-03-02 09:00"), tick=False), transaction.atomic():
        dispute = dispute_open(
            actor=company.person("guoxin"),
            request=task.request,
            department_b=company.department("sales"),
            title="续航指标是否写入销售承诺",
            position_a="未经验证的指标不得对外承诺",
        )
    assert Clock.objects.get(subject_type="risks.dispute", subject_id=dispute.pk, kind="resolve").due_at == at(
        "2026-03-04 18:00"
    )
    with time_machine.travel(at("2026-03-04 17:59"), tick=False):
        clock_fire_due()
    assert not Escalation.objects.filter(subject_type="risks.dispute").exists()
    with time_machine.travel(at("2026-03-04 18:00"), tick=False):
        clock_fire_due()
    level1 = InboxMessage.objects.filter(
        notification__title__contains="续航指标",
        notification__kind="escalation",
        notification__title__startswith="【升级·第1级】",
    )
    assert {m.recipient.username for m in level1} == {"wangjianguo", "lixiuying"}
    with time_machine.travel(at("2026-03-05 18:00"), tick=False):
        clock_fire_due()
    level2 = InboxMessage.objects.filter(
        notification__title__contains="续航指标",
        notification__kind="escalation",
        notification__title__startswith="【升级·第2级】",
    )
    assert [m.recipient.username for m in level2] == ["chenzhiqiang"]
    with pytest.raises(Forbidden), transaction.atomic():
        dispute_settle(actor=company.person("guoxin"), dispute=dispute, resolution="我说了算", decide=True)
    with time_machine.travel(at("2026-03-06 10:00"), tick=False), transaction.atomic():
        dispute_settle(
            actor=company.person("chenzhiqiang"),
            dispute=dispute,
            decide=True,
            resolution="指标经测试部验证后再写入销售承诺",
        )
    informed = {
        m.recipient.username for m in InboxMessage.objects.filter(notification__title__startswith="【分歧已裁决】")
    }
    assert informed == {"guoxin", "hujun", "songtao", "wangjianguo", "lixiuying", "chenzhiqiang"}
    assert not Clock.objects.filter(subject_type="risks.dispute", state="armed").exists()


def test_outsiders_get_404_on_risk_pages(company, client_for):
    task = running_task(company)
    report = raise_exception(company, task, "2026-10-09 10:00")
    outsider = client_for("fengjing")
    assert outsider.get(f"/risks/exceptions/{report.pk}/").status_code == 404
    assert outsider.post(f"/risks/exceptions/{report.pk}/do/resolve/", {"resolution": "x"}).status_code == 404
    assert outsider.post(f"/risks/tasks/{task.pk}/delay/", {}).status_code == 404
    assert client_for("guoxin").get(f"/risks/exceptions/{report.pk}/").status_code == 200
