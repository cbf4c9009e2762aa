"""《内部沟通与协调工作机制》三（三） as written: the 分管领导 leads by default; the reporter files the 紧急事项报告
within 1 hour and the lead the 应急方案 within 2 hours, each a record with its clock and clause; the team reports to
the 分管领导 every 4 hours until the risk is under control (a missed report raises an alarm and the next 4 hours
start); the 10-minute team deadline goes to the 分管领导, not straight to the general manager; the 用户告知函 is
actually sent — mailed through the outbox and posted on the configured channels — and where it went is recorded.

Every instant is Asia/Shanghai, on 国庆 2026 (10-01 … 10-07 holidays): emergency clocks never wait for working hours.
"""

import pytest
import time_machine
from django.core import mail
from django.db import transaction

from xietong.clocks.models import Escalation
from xietong.clocks.selectors import clock_views
from xietong.core.errors import ApplicationError
from xietong.core.models import AuditEvent
from xietong.incidents.models import Incident, IncidentEntry
from xietong.incidents.services import (
    incident_control,
    incident_leader_report,
    incident_notice_save,
    incident_plan,
    incident_written_report,
)
from xietong.incidents.tests.test_incident_flow import assign, at, clock_of, fire, inbox, report, resolve
from xietong.notify.delivery import outbox_deliver_due
from xietong.notify.models import Channel, Delivery, Notification


def fresh(incident):
    return Incident.objects.get(pk=incident.pk)


def step(when, run, **kwargs):
    with time_machine.travel(at(when), tick=False), transaction.atomic():
        return run(**kwargs)


def test_the_division_leader_leads_and_the_written_report_and_plan_run_their_own_clocks(company, client_for):
    incident = report(company, when="2026-10-01 03:00", lead=None)
    # 分管领导牵头: 王建国 (分管研发) leads, not the head of 软件开发部.
    assert incident.lead.username == "wangjianguo"
    written = clock_of(incident, "written_report")
    assert (written.due_at, written.owner.username) == (at("2026-10-01 04:00"), "wangqiang")
    plan = clock_of(incident, "plan")
    assert (plan.due_at, plan.owner.username) == (at("2026-10-01 05:00"), "wangjianguo")
    assert clock_of(incident, "leader_report").due_at == at("2026-10-01 07:00")
    assert "【请提交紧急事项报告】JJ-2026-0001 官网无法访问，用户反馈量激增" in inbox("wangqiang")
    bases = {v.clock.limit: v.basis for v in clock_views(incident)}
    assert (
        bases["written_report"]
        == "依据：《内部沟通与协调工作机制》三（三）步骤1「1小时内提交《紧急事项报告》(含详细说明)」"
    )
    assert bases["plan"] == (
        "依据：《内部沟通与协调工作机制》三（三）步骤2「2小时内制定应急方案,明确各小组职责、资源调配需求,立即执行」"
    )
    assert bases["leader_report"] == "依据：《内部沟通与协调工作机制》三（三）步骤3「每4小时向分管领导汇报进展」"

    with pytest.raises(ApplicationError) as refused, transaction.atomic():
        step(
            "2026-10-01 03:40",
            incident_written_report,
            actor=company.person("wangqiang"),
            incident=incident,
            report=" ",
        )
    assert refused.value.fields == {"report": "请填写紧急事项报告，例如“问题类型、影响程度、初步应对措施”"}
    step(
        "2026-10-01 03:40",
        incident_written_report,
        actor=company.person("wangqiang"),
        incident=incident,
        report="官网 502：会话模块连接泄漏；全国用户受影响；已扩容并准备回滚",
    )
    incident = fresh(incident)
    assert (incident.detailed_report_at, clock_of(incident, "written_report").met_at) == (
        at("2026-10-01 03:40"),
        at("2026-10-01 03:40"),
    )
    assert AuditEvent.objects.filter(action="incident.written_report", actor__username="wangqiang").count() == 1
    assert "【紧急事项报告】JJ-2026-0001 官网无法访问，用户反馈量激增" in inbox("lina")

    step(
        "2026-10-01 04:50",
        incident_plan,
        actor=company.person("wangjianguo"),
        incident=incident,
        plan="技术组回滚发布；客服组统一口径；法务评估赔付",
    )
    incident = fresh(incident)
    assert incident.emergency_plan == "技术组回滚发布；客服组统一口径；法务评估赔付"
    assert clock_of(incident, "plan").met_at == at("2026-10-01 04:50")
    # The page's history names the steps in words, not as audit codes.
    history = client_for("wangjianguo").get(f"/incidents/{incident.pk}/").content.decode()
    assert "提交紧急事项报告" in history and "制定应急方案" in history
    assert "incident.written_report" not in history and "incident.plan" not in history
    # Nothing of the two falls due any more; the not-yet-controlled limit does, at 05:00 sharp.
    fire("2026-10-01 05:00")
    assert not Notification.objects.filter(title__startswith="【应急方案未制定】").exists()
    assert not Notification.objects.filter(title__startswith="【紧急事项报告未提交】").exists()


def test_a_missed_team_deadline_and_plan_go_to_the_division_leader_not_the_general_manager(company):
    incident = report(company, when="2026-10-01 03:00", lead=company.person("lina"))
    fire("2026-10-01 03:10")
    escalation = Escalation.objects.get(subject_id=incident.pk, limit="assign_team")
    assert (escalation.target.username, escalation.at) == ("wangjianguo", at("2026-10-01 03:10"))
    alarm = Notification.objects.get(title="【应急小组未组建】JJ-2026-0001 官网无法访问，用户反馈量激增")
    assert set(alarm.inbox.values_list("recipient__username", flat=True)) == {"lina", "wangjianguo"}
    fire("2026-10-01 04:00")  # the 紧急事项报告 is late: the reporter and the lead hear it
    late = Notification.objects.get(title="【紧急事项报告未提交】JJ-2026-0001 官网无法访问，用户反馈量激增")
    assert set(late.inbox.values_list("recipient__username", flat=True)) == {"wangqiang", "lina"}
    fire("2026-10-01 05:00")
    plan = Escalation.objects.get(subject_id=incident.pk, limit="plan")
    assert plan.target.username == "wangjianguo"
    # Only the 2-hour control limit reaches the general manager (上报至总经理办公会).
    assert list(
        Escalation.objects.filter(subject_id=incident.pk, target__username="chenzhiqiang").values_list(
            "limit", flat=True
        )
    ) == ["control"]


def test_the_team_reports_to_the_division_leader_every_four_hours_until_controlled(company):
    incident = report(company, when="2026-10-01 03:00", lead=company.person("lina"))
    assign(company, incident, "2026-10-01 03:05")
    step(
        "2026-10-01 06:30",
        incident_leader_report,
        actor=company.person("lina"),
        incident=fresh(incident),
        body="已回滚发布，访问恢复 80%",
    )
    told = Notification.objects.get(title="【进展汇报】JJ-2026-0001 官网无法访问，用户反馈量激增")
    assert list(told.inbox.values_list("recipient__username", flat=True)) == ["wangjianguo"]
    assert told.body == "李娜：已回滚发布，访问恢复 80%（下次汇报：10月1日 10:30 前）"
    assert clock_of(incident, "leader_report").due_at == at("2026-10-01 10:30")
    # No report by 10:30: an alarm to the lead and the 分管领导, and the next 4 hours start from 10:30.
    fire("2026-10-01 10:29:59")
    assert not Notification.objects.filter(title__startswith="【向分管领导汇报超时】").exists()
    fire("2026-10-01 10:31")
    missed = Notification.objects.get(title="【向分管领导汇报超时】JJ-2026-0001 官网无法访问，用户反馈量激增")
    assert set(missed.inbox.values_list("recipient__username", flat=True)) == {"lina", "wangjianguo"}
    assert missed.body == (
        "应于 10:30 向王建国汇报进展，已超时。请立即汇报；下次汇报须在 10月1日 14:30 前。\n"
        "依据：《内部沟通与协调工作机制》三（三）步骤3「每4小时向分管领导汇报进展」"
    )
    assert clock_of(incident, "leader_report").due_at == at("2026-10-01 14:30")
    assert (
        IncidentEntry.objects.filter(incident=incident, kind="alert", body__startswith="向分管领导汇报超时").count()
        == 1
    )
    # Under control at 11:00: the reports stop.
    step("2026-10-01 11:00", incident_control, actor=company.person("lina"), incident=fresh(incident), note="已稳定")
    assert clock_of(incident, "leader_report").state == "cancelled"
    fire("2026-10-01 14:31")
    assert Notification.objects.filter(title__startswith="【向分管领导汇报超时】").count() == 1


def test_the_customer_notice_is_mailed_and_posted_and_where_it_went_is_recorded(company):
    Channel.objects.create(
        kind="webhook",
        name="官方公众号",
        url="http://127.0.0.1:9/official-account",
        department=company.department("rd"),
        rate_per_minute=0,
    )
    incident = report(company, when="2026-10-01 03:00", lead=company.person("lina"))
    assign(company, incident, "2026-10-01 03:05")
    resolve(company, incident, "2026-10-01 04:20")
    with pytest.raises(ApplicationError) as refused, transaction.atomic():
        step(
            "2026-10-01 04:30",
            incident_notice_save,
            actor=company.person("lina"),
            incident=fresh(incident),
            text="尊敬的用户：……",
            publish=True,
            recipients=["不是邮箱"],
        )
    assert refused.value.fields == {"recipients": "邮箱地址有误：不是邮箱"}
    assert fresh(incident).notice_published_at is None
    step(
        "2026-10-01 04:30",
        incident_notice_save,
        actor=company.person("lina"),
        incident=fresh(incident),
        text="尊敬的用户：官网已恢复访问，我们深表歉意。",
        publish=True,
        recipients=["users@example.com", "kefu@example.com"],
    )
    incident = fresh(incident)
    assert (incident.notice_published_at, incident.notice_published_by.username) == (at("2026-10-01 04:30"), "lina")
    assert incident.notice_sent_to == "users@example.com\nkefu@example.com"
    event = AuditEvent.objects.get(action="incident.notice_publish")
    assert event.after["addresses"] == ["users@example.com", "kefu@example.com"]
    assert event.after["channels"] == ["通用 Webhook（HMAC 签名） · 官方公众号"]
    sent = Notification.objects.get(title="用户告知函：官网无法访问，用户反馈量激增")
    assert sorted(
        Delivery.objects.filter(notification=sent, channel__isnull=True).values_list("address", flat=True)
    ) == [
        "kefu@example.com",
        "users@example.com",
    ]
    assert Delivery.objects.filter(notification=sent, channel__name="官方公众号").count() == 1
    mail.outbox.clear()
    with time_machine.travel(at("2026-10-01 04:30"), tick=False):
        outbox_deliver_due()
    letters = [m for m in mail.outbox if m.to in (["users@example.com"], ["kefu@example.com"])]
    assert sorted(m.to[0] for m in letters) == ["kefu@example.com", "users@example.com"]
    assert "官网已恢复访问，我们深表歉意。" in letters[0].body
    assert IncidentEntry.objects.filter(
        incident=incident,
        body="用户告知函已发送至：users@example.com、kefu@example.com、通用 Webhook（HMAC 签名） · 官方公众号",
    ).exists()
