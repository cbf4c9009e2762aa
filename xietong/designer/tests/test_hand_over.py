"""离职交接 of designed approvals: when an approver leaves (person_hand_over — what org sync's departures and
the administrator's hand-over page run), their pending approval tasks pass to the successor through the
spine's 移交 step, audited, and the step's clock follows them with its due instant unchanged."""

import time_machine

from xietong.clocks.models import Clock
from xietong.core.models import AuditEvent
from xietong.designer.models import ApprovalTask, DesignedItem
from xietong.designer.tests.support import act, publish, start
from xietong.items.handover import open_items_owned_by, person_hand_over, still_answers_for
from xietong.requests.tests.test_request_flow import at


def tasks(item):
    return [(t.step, t.person.username, t.status) for t in ApprovalTask.objects.filter(item=item).order_by("pk")]


def test_the_managers_pending_approval_and_its_clock_pass_to_the_successor(company):
    item = start(company, publish(company))
    hujun, successor = company.person("hujun"), company.person("wangjianguo")
    assert [i.pk for i in open_items_owned_by(hujun)] == [item.pk]
    assert still_answers_for(hujun).startswith("1 个进行中的事项")
    with time_machine.travel(at("2026-10-10 09:00"), tick=False):
        report = person_hand_over(actor=company.person("admin"), person=hujun, successor=successor)
    assert report.items == {"designer.designeditem": 1}
    assert tasks(item) == [("manager", "hujun", "transferred"), ("manager", "wangjianguo", "open")]
    clock = Clock.objects.get(subject_id=item.pk, kind="manager")
    assert (clock.owner.username, clock.due_at) == ("wangjianguo", at("2026-10-10 15:00"))
    event = AuditEvent.objects.get(object_id=str(item.pk), action="expense.hand_over")
    assert (event.actor.username, event.after["from_name"], event.after["to_name"], event.after["tasks"]) == (
        "admin",
        "胡军",
        "王建国",
        ["manager"],
    )
    assert open_items_owned_by(hujun) == []
    act(company, "wangjianguo", item, "approve", "2026-10-10 10:00")
    assert DesignedItem.objects.get(pk=item.pk).step == "finance"


def test_a_countersigner_who_leaves_hands_over_to_their_head_who_already_signs(company):
    item = start(company, publish(company))
    act(company, "hujun", item, "approve", "2026-10-09 16:00")
    with time_machine.travel(at("2026-10-10 09:00"), tick=False):
        person_hand_over(
            actor=company.person("admin"), person=company.person("heyang"), successor=company.person("fengjing")
        )
    assert tasks(item)[1:3] == [("finance", "fengjing", "open"), ("finance", "heyang", "transferred")]
    act(company, "fengjing", item, "approve", "2026-10-10 10:00")
    item = DesignedItem.objects.get(pk=item.pk)
    assert (item.state, item.step) == ("approved", "")


def test_a_countersigner_handed_to_someone_new_keeps_the_step_waiting_for_both(company):
    item = start(company, publish(company))
    act(company, "hujun", item, "approve", "2026-10-09 16:00")
    with time_machine.travel(at("2026-10-10 09:00"), tick=False):
        person_hand_over(
            actor=company.person("admin"), person=company.person("heyang"), successor=company.person("zhoujie")
        )
    act(company, "fengjing", item, "approve", "2026-10-10 10:00")
    assert DesignedItem.objects.get(pk=item.pk).step == "finance"
    act(company, "zhoujie", item, "approve", "2026-10-10 11:00")
    assert DesignedItem.objects.get(pk=item.pk).state == "approved"
