"""客户需求 and 新人入职 on the process spine: 闭环 over the API as on the page, the state written only by the
runner, and the last step done completing the onboarding as its own event in the same transaction."""

import pytest
import time_machine
from django.db import transaction

from xietong.core.errors import InvalidState
from xietong.core.models import AuditEvent
from xietong.items.guard import StateWriteOutsideRunner
from xietong.lighter.models import CustomerRequirement, Onboarding
from xietong.lighter.services import onboarding_step_done
from xietong.lighter.tests.test_lighter import add_row, at, inbox, onboard, requirement  # noqa: F401


def test_closing_a_customer_request_over_the_api(company, client_for, requirement):  # noqa: F811
    add_row(company, requirement, "2026-05-15 17:00", people=[company.person("tangwen"), company.person("guoxin")])
    url = f"/api/lighter/customers/{requirement.pk}"
    close = {"name": "close", "label": "需求已闭环", "needs_reason": False, "reason_label": "闭环说明"}
    assert client_for("tangwen").get(f"{url}/actions").json() == [close]  # the contact person
    assert client_for("songtao").get(f"{url}/actions").json() == [close]  # 销售部's head
    assert client_for("guoxin").get(f"{url}/actions").json() == []  # a participant writes rows, does not close
    refused = client_for("guoxin").post(f"{url}/transitions/close", {}, "application/json")
    assert (refused.status_code, refused.json()["message"]) == (403, "只有客户对接人或部门负责人可以闭环")
    assert client_for("hanlei").get(f"{url}/actions").status_code == 404
    # The row is a step of its own, with a form of its own: no button, no generic transition without a row.
    refused = client_for("tangwen").post(f"{url}/transitions/row", {}, "application/json")
    assert (refused.status_code, refused.json()["fields"]["people"]) == (400, "请选择参与人")

    with time_machine.travel(at("2026-05-25 10:00"), tick=False):
        closed = client_for("tangwen").post(
            f"{url}/transitions/close", {"reason": "客户已确认方案"}, "application/json"
        )
    assert (closed.status_code, closed.json()["state"]) == (200, "closed")
    requirement.refresh_from_db()
    assert requirement.closed_at == at("2026-05-25 10:00")
    event = AuditEvent.objects.get(action="customer.close")
    assert event.after == {"state": "closed", "reason": "客户已确认方案"}
    assert AuditEvent.objects.get(action="customer.row").after["stage"] == "需求收集"
    with pytest.raises(InvalidState):
        add_row(company, requirement, "2026-05-26 10:00")
    with pytest.raises(StateWriteOutsideRunner), transaction.atomic():
        CustomerRequirement.objects.filter(pk=requirement.pk).update(state="open")


def test_the_last_step_done_completes_the_onboarding_as_its_own_event(company):
    onboarding = onboard(company)
    steps = list(onboarding.steps.order_by("position"))
    with time_machine.travel(at("2026-03-02 17:00"), tick=False), transaction.atomic():
        onboarding_step_done(actor=company.person("zhoujie"), step=steps[0])
    with pytest.raises(InvalidState, match="该事项已于 2026-03-02 17:00 完成"), transaction.atomic():
        onboarding_step_done(actor=company.person("wangqiang"), step=steps[0])
    for step, who, when in (
        (steps[1], "lina", "2026-03-03 11:00"),
        (steps[2], "wangqiang", "2026-03-05 16:00"),
    ):
        with time_machine.travel(at(when), tick=False), transaction.atomic():
            onboarding_step_done(actor=company.person(who), step=step, note="已完成" if who == "lina" else "")
    events = AuditEvent.objects.filter(object_type="lighter.onboarding", object_id=str(onboarding.pk)).order_by("id")
    assert [(e.action, e.actor_label) for e in events] == [
        ("onboarding.create", "李娜"),
        ("onboarding.step_done", "周杰"),
        ("onboarding.step_done", "李娜"),
        ("onboarding.step_done", "王强"),
        ("onboarding.complete", "王强"),
    ]
    assert events[2].after == {"step": steps[1].pk, "title": "岗位职责与部门制度讲解", "reason": "已完成"}
    assert (events[4].before, events[4].after, events[4].at) == (
        {"state": "open"},
        {"state": "completed"},
        at("2026-03-05 16:00"),
    )
    for username in ("lina", "wangqiang", "yangfan"):
        assert inbox(username).count("【入职完成】杨帆") == 1, username
    with pytest.raises(InvalidState, match="当前状态为“已完成”，不能执行“完成入职事项”"), transaction.atomic():
        onboarding_step_done(actor=company.person("wangqiang"), step=steps[2])
    with pytest.raises(StateWriteOutsideRunner), transaction.atomic():
        Onboarding.objects.filter(pk=onboarding.pk).update(state="open")
