"""Signatures voided by a changed scope (issue 20; 《多部门协同作业标准沟通流程》一「《多部门协同需求申请表》(含各部门
确认签字)」, 二「《协同任务分工表》(含各部门负责人签字确认)」): when a 需求变更 changes a participating department's
duties after its head signed, that department's signatures — on the 申请表 and on the 分工表 — are void (on the
request's history), its head and contact are told, the evaluation window counts again from the change, and the
dependent step (提交交付) waits until they sign again; a department that joins after publication signs the 分工表
too. Instants after 国庆 2026 (the 调休 Saturday 10/10)."""

import pytest
import time_machine
from django.db import transaction

from xietong.clocks.selectors import open_clock
from xietong.core.errors import InvalidState
from xietong.core.models import AuditEvent
from xietong.core.workbench import sections_for
from xietong.notify.models import InboxMessage
from xietong.requests.changes import change_request
from xietong.requests.models import Request
from xietong.requests.participants import participants_parse, participants_text
from xietong.tasks.models import Breakdown, Task
from xietong.tasks.services import breakdown_sign
from xietong.tasks.tests.test_breakdown_rules import act, at, on_breakdown
from xietong.tasks.tests.test_change_control import published


def finish_tasks(company, first, second):
    for task, owner in ((first, "zhaolei"), (second, "xieqiang")):
        for step in ("accept", "start", "done"):
            act(company, Task.objects.get(pk=task.pk), owner, step, "2026-10-12 09:00")


def deliver(company, request, when="2026-10-12 10:00"):
    return act(company, Request.objects.get(pk=request.pk), "zhaolei", "deliver", when)


def test_changed_duties_void_the_departments_signatures_until_its_head_signs_again(company, client_for):
    request, first, second = published(company)
    lines = participants_text(request).replace("提供3月-4月用户调研原始数据", "提供3月-5月用户调研原始数据")
    taking, problem = participants_parse(lines)
    assert problem == ""
    with time_machine.travel(at("2026-10-09 16:00"), tick=False), transaction.atomic():
        change_request(
            actor=company.person("guoxin"),
            request=Request.objects.get(pk=request.pk),
            reason="调研数据范围扩大到5月",
            data={},
            participants=taking,
        )
    # 市场部 signed other duties: its 申请表 signature is void and asked again, 2 working days from the change
    # (Friday 10/9 16:00: 2 h, the 调休 Saturday 10/10, 5.5 h on Monday → 10/12 16:00).
    marketing = request.participations.get(department__code="marketing")
    assert (marketing.state, marketing.confirmed_at, marketing.confirmed_by) == ("awaiting", None, None)
    assert open_clock(marketing, "sign").limit_due_at == at("2026-10-12 16:00")
    void = AuditEvent.objects.get(action="participation.void")
    assert (void.before, void.after["participation"], void.after["duties"]) == (
        {"participation": "confirmed", "confirmed_by": "高峰"},
        "awaiting",
        "提供3月-5月用户调研原始数据",
    )
    told = InboxMessage.objects.get(recipient__username="gaofeng", notification__title__startswith="【重新签字】")
    assert told.notification.body == (
        "需求变更调整了市场部在本需求中的职责：提供3月-4月用户调研原始数据 → 提供3月-5月用户调研原始数据。原签字已作废，"
        "请在 10月12日 16:00 前（2 个工作日内）重新评估并在平台确认签字。"
    )
    assert InboxMessage.objects.filter(recipient__username="luoqian", notification=told.notification).exists()
    # Its 分工表 signature is void too (on the request's history) and 高峰 is asked again.
    breakdown = Breakdown.objects.get(request=request)
    assert sorted(breakdown.signatures.values_list("department__code", flat=True)) == ["production", "rd-hardware"]
    again = AuditEvent.objects.get(action="breakdown.ask_again")
    assert (again.after["department"], again.after["voided"]) == ("市场部", ["市场部（高峰）"])
    assert InboxMessage.objects.filter(
        recipient__username="gaofeng",
        notification__title="【待签字】XQ-2026-0001 智能手表项目-硬件方案评审 任务分解表",
        notification__body__startswith="市场部的职责经需求变更调整，原签字已作废",
    ).exists()
    # It waits in 高峰's workbench; the breakdown page offers her the signature and names who is awaited.
    with time_machine.travel(at("2026-10-12 09:00"), tick=False):
        section = next(s for s in sections_for(company.person("gaofeng")) if s.key == "breakdown-signatures")
    assert [e.url for e in section.entries] == [f"/tasks/breakdown/{request.pk}/"]
    with time_machine.travel(at("2026-10-12 09:00"), tick=True):
        page = client_for("gaofeng").get(f"/tasks/breakdown/{request.pk}/").content.decode()
    assert 'id="sign-breakdown"' in page and "尚待签字：市场部（高峰）" in page
    # Other departments keep their signatures; the dependent step waits for 高峰.
    assert request.participations.get(department__code="production").state == "confirmed"
    finish_tasks(company, first, second)
    with pytest.raises(InvalidState) as refused:
        deliver(company, request)
    assert str(refused.value) == "分工表尚待重新签字，不能提交交付：市场部（高峰）"
    act(company, marketing, "gaofeng", "confirm", "2026-10-12 10:10")
    on_breakdown(company, breakdown_sign, "gaofeng", breakdown, "2026-10-12 10:20")
    with pytest.raises(InvalidState, match=r"^还没有交付成果"):  # signed: what is left is the deliverable itself
        deliver(company, request, "2026-10-12 10:30")


def test_a_department_joining_after_publication_signs_the_breakdown_before_delivery(company):
    request, first, second = published(company)
    lines = participants_text(request) + "\n客户服务部：整理售后投诉中与续航相关的工单"
    taking, problem = participants_parse(lines)
    assert problem == ""
    with time_machine.travel(at("2026-10-09 16:00"), tick=False), transaction.atomic():
        change_request(
            actor=company.person("guoxin"),
            request=Request.objects.get(pk=request.pk),
            reason="客户投诉集中在续航，客服部加入",
            data={},
            participants=taking,
        )
    asked = InboxMessage.objects.filter(recipient__username="dengli", notification__title__startswith="【待签字】")
    assert sorted(asked.values_list("notification__title", flat=True)) == [
        "【待签字】XQ-2026-0001 智能手表项目-硬件方案评审",
        "【待签字】XQ-2026-0001 智能手表项目-硬件方案评审 任务分解表",
    ]
    finish_tasks(company, first, second)
    with pytest.raises(InvalidState) as refused:
        deliver(company, request)
    assert str(refused.value) == "分工表尚待重新签字，不能提交交付：客户服务部（邓丽）"
    on_breakdown(company, breakdown_sign, "dengli", Breakdown.objects.get(request=request), "2026-10-12 10:20")
    with pytest.raises(InvalidState, match=r"^还没有交付成果"):  # signed: what is left is the deliverable itself
        deliver(company, request, "2026-10-12 10:30")
