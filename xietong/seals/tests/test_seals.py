"""用印申请 on the spine, as the rule reads: 郭鑫 (产品部) applies; 胡军, head of 产品部, approves within 1
working day; 综合管理部 stamps within 1 working day of the approval — counted in working time across 国庆."""

import pytest
import time_machine
from django.db import transaction

from xietong.clocks.models import Clock, ClockPolicy
from xietong.clocks.services import clock_fire_due
from xietong.core.errors import Forbidden
from xietong.core.models import AuditEvent
from xietong.items.runner import run_step
from xietong.notify.models import InboxMessage
from xietong.requests.tests.test_request_flow import at
from xietong.seals.models import SealRequest


def apply(client, **overrides):
    data = {
        "title": "智能手表项目-渠道合作协议用印",
        "project": "",
        "department": "",
        "seal_type": "contract",
        "document": "渠道合作协议（西南区）",
        "copies": "2",
        "purpose": "与西南区渠道商签署年度合作协议",
        "submit": "1",
        **overrides,
    }
    return client.post("/p/seal/new/", data)


def step(company, username, item, name, when, reason=""):
    with time_machine.travel(at(when), tick=False), transaction.atomic():
        return run_step(actor=company.person(username), item=item, step=name, reason=reason)


@pytest.fixture
def applied(company, client_for):
    guoxin = client_for("guoxin")
    project, product = company.project("smartwatch"), company.department("product")
    with time_machine.travel(at("2026-09-30 16:00"), tick=False):
        response = apply(guoxin, project=project.pk, department=product.pk)
    assert response.status_code == 302
    return SealRequest.objects.get()


def test_the_department_head_has_one_working_day_to_approve_across_national_day(company, applied):
    assert (applied.number, applied.state) == ("YY-2026-0001", "submitted")
    approve = Clock.objects.get(subject_id=applied.pk, kind="approve")
    assert (approve.owner.username, approve.due_at) == ("hujun", at("2026-10-08 16:00"))  # 2 h on 9/30, 5½ on 10/8
    message = InboxMessage.objects.get(recipient__username="hujun").notification
    assert message.title == "【待审批·用印】YY-2026-0001 智能手表项目-渠道合作协议用印"
    assert message.body == "郭鑫 申请用印，请在 10月8日 16:00 前（1 个工作日内）审批。"


def test_approval_hands_the_stamp_to_the_coordinating_office_which_closes_it(company, applied):
    step(company, "hujun", applied, "approve", "2026-10-08 10:00")
    stamp = Clock.objects.get(subject_id=applied.pk, kind="stamp")
    assert (stamp.owner.username, stamp.due_at) == ("liufang", at("2026-10-09 10:00"))
    assert {
        m.recipient.username for m in InboxMessage.objects.filter(notification__title__startswith="【待用印】")
    } == {
        "liufang",
        "sunli",
    }
    with pytest.raises(Forbidden):
        step(company, "guoxin", applied, "stamp", "2026-10-08 11:00")
    stamped = step(company, "sunli", applied, "stamp", "2026-10-08 14:00")
    assert stamped.state == "stamped" and stamped.closed_at == at("2026-10-08 14:00")
    assert [e.action for e in AuditEvent.objects.filter(object_type="seals.sealrequest").order_by("id")] == [
        "seal.create",
        "seal.submit",
        "seal.approve",
        "seal.stamp",
    ]


def test_a_rejection_names_its_reason_and_the_applicant_may_submit_again(company, applied):
    step(company, "hujun", applied, "reject", "2026-10-08 09:30", reason="协议未经法务审核")
    assert InboxMessage.objects.get(recipient__username="guoxin").notification.body == "协议未经法务审核"
    resubmitted = step(company, "guoxin", applied, "submit", "2026-10-09 09:00")
    assert resubmitted.state == "submitted"


def test_messages_state_the_limit_the_administrator_set(company, client_for):
    ClockPolicy.objects.filter(process="seal", kind="approve").update(duration="3h")
    with time_machine.travel(at("2026-10-09 09:00"), tick=False):
        apply(
            client_for("guoxin"), project=company.project("smartwatch").pk, department=company.department("product").pk
        )
    body = InboxMessage.objects.get(recipient__username="hujun").notification.body
    assert body == "郭鑫 申请用印，请在 10月9日 12:00 前（3 个工作小时内）审批。"


def test_a_form_with_errors_keeps_what_was_typed_and_outsiders_get_404(company, client_for, applied):
    response = apply(client_for("guoxin"), project=company.project("smartwatch").pk, department="", copies="0")
    page = response.content.decode()
    assert (
        response.status_code == 200
        and "渠道合作协议（西南区）" in page
        and "确保该值大于或等于1。" in page
        and "这个字段是必填项。" in page
    )
    assert client_for("fengjing").get(f"/p/seal/{applied.pk}/").status_code == 404
    assert client_for("hujun").get(f"/p/seal/{applied.pk}/").status_code == 200
    with time_machine.travel(at("2026-10-08 10:00"), tick=False):
        assert clock_fire_due() == 0
