"""An urgent (紧急) exception is answered within 2 elapsed hours (《企业沟通与协作流程规范》二（三）「紧急事项需2小时内
响应」), the answer names the 解决责任人 who then owns the closing clock, and a new expected time moves that clock
(audited). Friday 2026-10-09 is the last working day before the 调休 Saturday 2026-10-10."""

import pytest
import time_machine
from django.db import transaction

from xietong.clocks.models import Clock
from xietong.clocks.selectors import clock_views
from xietong.clocks.services import clock_fire_due
from xietong.core.errors import ApplicationError, Forbidden
from xietong.core.models import AuditEvent
from xietong.notify.models import InboxMessage
from xietong.progress.tests.test_progress import running_task
from xietong.requests.tests.test_request_flow import at
from xietong.risks.models import ExceptionReport
from xietong.risks.services import exception_respond, exception_update_eta
from xietong.risks.tests.test_risks import raise_exception


def live(report, kind):
    return Clock.objects.get(subject_type="risks.exceptionreport", subject_id=report.pk, kind=kind, state="armed")


def test_an_urgent_exception_is_answered_in_two_hours_by_naming_who_closes_it(company):
    task = running_task(company)
    report = raise_exception(company, task, "2026-10-09 17:30", severity="urgent", discovered="2026-10-09 17:00")
    assert report.get_severity_display() == "紧急"
    respond = live(report, "respond")
    # 2 elapsed hours, not moved into working hours: 19:30 on Friday evening.
    assert (respond.limit_due_at, respond.owner.username) == (at("2026-10-09 19:30"), "guoxin")
    closing = live(report, "resolve")
    assert closing.limit_due_at == at("2026-10-10 17:30")  # 24 h: the 调休 Saturday is a working day
    told = InboxMessage.objects.filter(notification__title="【异常问题·紧急】第三方推送SDK不支持后台保活")
    assert sorted(m.recipient.username for m in told) == ["guoxin", "hujun", "lina"]
    assert "紧急事项须在 10月9日 19:30 前（2 小时内）响应" in told[0].notification.body
    view = next(v for v in clock_views(report) if v.clock.limit == "respond")
    assert view.basis == "依据：《企业沟通与协作流程规范》二（三）「紧急事项需2小时内响应」"

    # The reporter cannot answer their own report; the initiator's side does.
    with pytest.raises(Forbidden), transaction.atomic():
        exception_respond(actor=company.person("wangqiang"), report=report, resolver=company.person("heli"))
    with (
        time_machine.travel(at("2026-10-09 18:10"), tick=False),
        pytest.raises(ApplicationError) as refused,
        transaction.atomic(),
    ):
        exception_respond(actor=company.person("guoxin"), report=report, resolver=None)
    assert refused.value.fields == {"resolver": "请指定问题解决责任人"}
    with time_machine.travel(at("2026-10-09 18:10"), tick=False), transaction.atomic():
        exception_respond(actor=company.person("guoxin"), report=report, resolver=company.person("heli"))
    report = ExceptionReport.objects.get(pk=report.pk)
    assert (report.resolver.username, report.responded_at) == ("heli", at("2026-10-09 18:10"))
    answered = Clock.objects.get(subject_type="risks.exceptionreport", subject_id=report.pk, kind="respond")
    assert answered.met_at == at("2026-10-09 18:10")
    closing = live(report, "resolve")
    assert (closing.owner.username, closing.limit_due_at) == ("heli", at("2026-10-10 17:30"))  # the deadline stays
    named = InboxMessage.objects.filter(notification__title__startswith="【解决责任人】")
    assert sorted(m.recipient.username for m in named) == ["heli", "wangqiang"]
    assert named[0].notification.body == "解决责任人：何丽；预计解决时间：—；须在 10月10日 17:30 前闭环。"

    # The resolver sets a new expected time: the closing clock moves to it, and the change is audited.
    with time_machine.travel(at("2026-10-10 09:00"), tick=False), transaction.atomic():
        exception_update_eta(
            actor=company.person("heli"), report=report, expected_resolution=at("2026-10-12 12:00"), note="等厂商补丁"
        )
    closing = live(report, "resolve")
    assert (closing.owner.username, closing.limit_due_at) == ("heli", at("2026-10-12 12:00"))
    event = AuditEvent.objects.get(action="exception.update_eta")
    assert (event.actor.username, event.after["expected_resolution"]) == ("heli", "2026-10-12T12:00:00+08:00")
    # Nothing falls due on the old deadline any more.
    with time_machine.travel(at("2026-10-10 17:31"), tick=False):
        clock_fire_due()
    assert not InboxMessage.objects.filter(notification__kind="overdue", recipient__username="heli").exists()


def test_an_unanswered_urgent_exception_is_overdue_at_night_not_next_morning(company):
    task = running_task(company)
    report = raise_exception(company, task, "2026-09-30 16:30", severity="urgent", discovered="2026-09-30 16:00")
    # The eve of 国庆: 18:30 the same evening, not 10-08 09:00 after the holiday.
    assert live(report, "respond").limit_due_at == at("2026-09-30 18:30")
    assert live(report, "resolve").limit_due_at == at("2026-10-08 09:00")  # 24 h closing moves past the holiday
    with time_machine.travel(at("2026-09-30 18:31"), tick=False):
        clock_fire_due()
    overdue = InboxMessage.objects.filter(notification__kind="overdue", recipient__username="guoxin")
    assert overdue.exists()
