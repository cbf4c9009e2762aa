"""Risks on the process spine: messages state the limit an administrator set, a major exception's expected
time is kept up to date with everyone copied, and no state of theirs changes outside a declared step."""

import datetime as dt

import pytest
import time_machine
from django.db import transaction

from xietong.clocks.models import ClockPolicy
from xietong.core.errors import ApplicationError, Forbidden
from xietong.core.models import AuditEvent
from xietong.items.guard import StateWriteOutsideRunner
from xietong.items.selectors import timeline
from xietong.notify.models import InboxMessage
from xietong.progress.tests.test_progress import running_task
from xietong.requests.tests.test_request_flow import at
from xietong.risks.models import DelayApproval, DelayRequest, ExceptionReport
from xietong.risks.services import delay_decide, delay_request, dispute_open, exception_update_eta
from xietong.risks.tests.test_risks import raise_exception
from xietong.risks.views import LABELS


def test_the_dispute_message_states_the_limit_the_administrator_set(company):
    task = running_task(company)
    ClockPolicy.objects.filter(process="dispute", kind="resolve").update(duration="2d")
    with time_machine.travel(at("2026-03-02 09:00"), tick=False), transaction.atomic():
        dispute_open(
            actor=company.person("guoxin"),
            request=task.request,
            department_b=company.department("sales"),
            title="续航指标是否写入销售承诺",
            position_a="未经验证的指标不得对外承诺",
        )
    told = InboxMessage.objects.filter(notification__title__startswith="【部门分歧】")
    assert {m.recipient.username for m in told} == {"hujun", "songtao"}  # both heads
    assert told[0].notification.body == "请两部门负责人协商，2 个工作日内未达成一致将上报各自分管领导。"


def test_a_major_exceptions_expected_time_is_updated_and_the_initiator_told(company):
    task = running_task(company)
    report = raise_exception(company, task, "2026-10-09 10:00", severity="major", eta="2026-10-13 18:00")
    with pytest.raises(Forbidden, match="只有提报人、发起方或解决责任人可以更新预计解决时间"), transaction.atomic():
        exception_update_eta(actor=company.person("hujun"), report=report, expected_resolution=at("2026-10-14 18:00"))
    with (
        pytest.raises(ApplicationError) as refused,
        time_machine.travel(at("2026-10-12 10:00"), tick=False),
        transaction.atomic(),
    ):
        exception_update_eta(
            actor=company.person("wangqiang"), report=report, expected_resolution=at("2026-10-12 09:00")
        )
    assert refused.value.fields == {"expected_resolution": "预计解决时间应晚于现在"}
    with time_machine.travel(at("2026-10-12 10:00"), tick=False), transaction.atomic():
        exception_update_eta(
            actor=company.person("wangqiang"),
            report=report,
            expected_resolution=at("2026-10-14 18:00"),
            note="厂商延期一天",
        )
    report = ExceptionReport.objects.get(pk=report.pk)
    assert (report.state, report.expected_resolution) == ("open", at("2026-10-14 18:00"))
    told = InboxMessage.objects.get(notification__title__startswith="【更新预计解决时间】")
    assert (told.recipient.username, told.notification.body) == ("guoxin", "10-14 18:00 厂商延期一天")
    event = AuditEvent.objects.get(action="exception.update_eta")
    assert (event.after["reason"], event.after["expected_resolution"]) == ("厂商延期一天", "2026-10-14T18:00:00+08:00")
    assert event.before == {"expected_resolution": "2026-10-13T10:00:00+00:00"}  # 18:00 in Shanghai, as stored
    entry = next(e for e in timeline(report, LABELS) if e.event.action == "exception.update_eta")
    assert entry.details == [("预计解决时间", "2026-10-13T10:00:00+00:00", "2026-10-14T18:00:00+08:00")]


def test_the_first_of_two_approvals_waits_for_the_second_and_a_refusal_ends_it(company):
    task = running_task(company)
    with time_machine.travel(at("2026-10-14 10:00"), tick=False), transaction.atomic():
        delay = delay_request(
            actor=company.person("wangqiang"),
            task=task,
            new_end_date=dt.date(2026, 10, 20),
            reason="需求变更",
            new_plan="顺延两天",
        )
    with time_machine.travel(at("2026-10-14 11:00"), tick=False), transaction.atomic():
        delay_decide(actor=company.person("guoxin"), delay=delay, approve=True)  # the project lead
    assert DelayRequest.objects.get(pk=delay.pk).state == "pending"
    with pytest.raises(Forbidden, match="您不是这份延期申请的审批人，或已经审批过"), transaction.atomic():
        delay_decide(actor=company.person("guoxin"), delay=delay, approve=True)  # once is enough
    with time_machine.travel(at("2026-10-14 14:00"), tick=False), transaction.atomic():
        delay_decide(actor=company.person("hujun"), delay=delay, approve=False, note="先评估影响")
    delay = DelayRequest.objects.get(pk=delay.pk)
    assert (delay.state, delay.closed_at) == ("refused", at("2026-10-14 14:00"))
    assert list(DelayApproval.objects.order_by("pk").values_list("role", "approved")) == [
        ("project_lead", True),
        ("initiator_head", False),
    ]
    assert [e.action for e in AuditEvent.objects.filter(object_type="risks.delayrequest").order_by("id")] == [
        "delay.request",
        "delay.approve",
        "delay.refuse",
    ]
    told = InboxMessage.objects.get(notification__title__startswith="【延期已驳回】")
    assert told.recipient.username == "wangqiang"


def test_a_state_saved_outside_a_step_is_refused(company):
    task = running_task(company)
    report = raise_exception(company, task, "2026-10-09 10:00")
    report.state = ExceptionReport.State.RESOLVED
    with pytest.raises(StateWriteOutsideRunner), transaction.atomic():
        report.save()
