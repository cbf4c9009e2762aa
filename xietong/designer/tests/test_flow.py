"""费用报销 made as data, run on the spine: 郭鑫 (产品部) asks; 胡军 (head of 产品部) approves; above 50,000 the
general manager 陈志强; 财务 冯静 and 何洋 会签; 综合管理部 is copied at the end. Every action, conditions,
versions and the clocks, with exact instants over the 调休 Saturday 2026-10-10."""

import pytest
import time_machine
from django.db import transaction

from xietong.clocks.models import Clock
from xietong.clocks.services import clock_fire_due
from xietong.core.errors import ApplicationError, Forbidden, InvalidState, NotFound
from xietong.core.models import AuditEvent
from xietong.designer.models import ApprovalTask, DesignedItem
from xietong.designer.tests.support import act, expense, publish, start
from xietong.notify.models import InboxMessage
from xietong.requests.tests.test_request_flow import at


def tasks(item):
    return [(t.step, t.person.username, t.status) for t in ApprovalTask.objects.filter(item=item).order_by("pk")]


def fresh(item):
    return DesignedItem.objects.get(pk=item.pk)


@pytest.fixture
def version(company):
    return publish(company)


def test_a_small_claim_goes_to_the_manager_then_both_finance_people_then_is_copied(company, version):
    item = start(company, version)
    assert (item.number, item.state, item.step, item.values["total"]) == (
        "BX-2026-0001",
        "running",
        "manager",
        "1753.50",
    )
    assert tasks(item) == [("manager", "hujun", "open")]
    message = InboxMessage.objects.get(recipient__username="hujun").notification
    assert message.title == "【待审批】BX-2026-0001 10月上海出差报销"
    act(company, "hujun", item, "approve", "2026-10-09 16:00", reason="同意")
    item = fresh(item)
    assert item.step == "finance"  # 总经理 skipped: 1,753.50 is not above 50,000
    act(company, "fengjing", item, "approve", "2026-10-10 10:00")
    assert fresh(item).state == "running"  # 会签: 何洋 still to approve
    act(company, "heyang", item, "approve", "2026-10-10 11:00")
    item = fresh(item)
    assert (item.state, item.step) == ("approved", "")
    assert tasks(item) == [
        ("manager", "hujun", "approved"),
        ("finance", "fengjing", "approved"),
        ("finance", "heyang", "approved"),
        ("notify", "liufang", "sent"),
        ("notify", "sunli", "sent"),
    ]
    assert InboxMessage.objects.filter(recipient__username="sunli", notification__title__startswith="【抄送】").exists()
    actions = list(
        AuditEvent.objects.filter(object_id=str(item.pk), action__startswith="expense.")
        .values_list("action", flat=True)
        .order_by("id")
    )
    assert actions == ["expense.create", "expense.submit", "expense.approve", "expense.approve", "expense.approve"]


def test_above_fifty_thousand_the_general_manager_approves_after_the_manager(company, version):
    item = start(company, version, amounts=(50000, 0.01))
    act(company, "hujun", item, "approve", "2026-10-09 16:00")
    assert tasks(fresh(item))[-1] == ("gm", "chenzhiqiang", "open")


def test_only_the_open_approver_may_approve_and_outsiders_do_not_find_the_item(company, version):
    item = start(company, version)
    with pytest.raises(Forbidden):
        act(company, "liufang", item, "approve", "2026-10-09 16:00")  # sees everything, approves nothing here
    with pytest.raises(NotFound):
        act(company, "fengjing", item, "approve", "2026-10-09 16:00")  # 财务, not yet her step


def test_reject_needs_a_reason_and_ends_the_item(company, version):
    item = start(company, version)
    with pytest.raises(ApplicationError) as refused:
        act(company, "hujun", item, "reject", "2026-10-09 16:00")
    assert refused.value.fields == {"reason": "请填写拒绝原因"}
    act(company, "hujun", item, "reject", "2026-10-09 16:00", reason="招待费超标")
    item = fresh(item)
    assert (item.state, tasks(item)) == ("rejected", [("manager", "hujun", "rejected")])
    assert InboxMessage.objects.get(recipient__username="guoxin").notification.body == "胡军 拒绝：招待费超标"


def test_sent_back_to_the_requester_resubmission_resumes_at_the_step_that_sent_it_back(company, version):
    item = start(company, version)
    act(company, "hujun", item, "approve", "2026-10-09 16:00")
    act(company, "fengjing", item, "send_back", "2026-10-09 17:00", reason="缺发票")
    item = fresh(item)
    assert (item.state, item.resume_step) == ("returned", "finance")
    act(company, "guoxin", item, "submit", "2026-10-10 09:00")
    item = fresh(item)
    assert (item.state, item.step, item.round) == ("running", "finance", 2)
    assert [t for t in tasks(item) if t[2] == "open"] == [
        ("finance", "fengjing", "open"),
        ("finance", "heyang", "open"),
    ]


def test_sent_back_to_an_earlier_step_that_step_decides_again(company, version):
    item = start(company, version)
    act(company, "hujun", item, "approve", "2026-10-09 16:00")
    with pytest.raises(ApplicationError) as refused:
        act(company, "heyang", item, "send_back", "2026-10-09 17:00", reason="x", to="notify")
    assert refused.value.fields == {"to": "只能退回到发起人或之前的步骤"}
    act(company, "heyang", item, "send_back", "2026-10-09 17:00", reason="请部门负责人确认金额", to="manager")
    item = fresh(item)
    assert (item.state, item.step) == ("running", "manager")
    assert tasks(item)[-1] == ("manager", "hujun", "open")
    assert ("finance", "fengjing", "cancelled") in tasks(item)


def test_transfer_hands_the_task_and_its_clock_to_another_person(company, version):
    item = start(company, version)
    act(company, "hujun", item, "transfer", "2026-10-09 16:00", reason="出差中", to=company.person("linxue"))
    assert tasks(fresh(item)) == [("manager", "hujun", "transferred"), ("manager", "linxue", "open")]
    assert Clock.objects.get(subject_id=item.pk, kind="manager").owner.username == "linxue"
    act(company, "linxue", item, "approve", "2026-10-09 17:00")
    assert fresh(item).step == "finance"


def test_add_sign_before_waits_for_the_added_person_after_adds_one_more_approval(company, version):
    item = start(company, version)
    act(company, "hujun", item, "add_sign", "2026-10-09 16:00", to=company.person("linxue"), how="before")
    assert tasks(fresh(item)) == [("manager", "hujun", "waiting"), ("manager", "linxue", "open")]
    with pytest.raises(Forbidden):
        act(company, "hujun", item, "approve", "2026-10-09 16:10")
    act(company, "linxue", item, "approve", "2026-10-09 16:30")
    assert tasks(fresh(item))[0] == ("manager", "hujun", "open")
    act(company, "hujun", item, "add_sign", "2026-10-09 16:40", to=company.person("wangjianguo"), how="after")
    act(company, "hujun", item, "approve", "2026-10-09 16:50")
    assert fresh(item).step == "manager"  # 王建国 added after 胡军 still decides
    act(company, "wangjianguo", item, "approve", "2026-10-09 17:00")
    assert fresh(item).step == "finance"


def test_nobody_hands_or_adds_the_requester_to_approve_their_own_request(company, version):
    """郭鑫 filed the claim: 胡军 can neither 转交 it to him nor 加签 him, before or after himself."""
    item = start(company, version)
    refusal = {"to": "郭鑫 是本事项的发起人，不能审批自己发起的事项"}
    with pytest.raises(ApplicationError) as refused:
        act(company, "hujun", item, "transfer", "2026-10-09 16:00", reason="出差中", to=company.person("guoxin"))
    assert refused.value.fields == refusal
    for how in ("before", "after"):
        with pytest.raises(ApplicationError) as refused:
            act(company, "hujun", item, "add_sign", "2026-10-09 16:00", to=company.person("guoxin"), how=how)
        assert refused.value.fields == refusal
    assert tasks(fresh(item)) == [("manager", "hujun", "open")]


def test_the_requester_withdraws_only_while_no_one_has_acted(company, version):
    item = start(company, version)
    act(company, "guoxin", item, "withdraw", "2026-10-09 15:30")
    assert fresh(item).state == "withdrawn"
    other = start(company, version)
    act(company, "hujun", other, "approve", "2026-10-09 16:00")
    with pytest.raises(Forbidden) as refused:
        act(company, "guoxin", other, "withdraw", "2026-10-09 16:30")
    assert str(refused.value) == "已有人处理，不能撤回"


def test_urging_is_allowed_once_an_hour(company, version):
    item = start(company, version)
    act(company, "guoxin", item, "urge", "2026-10-09 15:30")
    assert (
        InboxMessage.objects.filter(recipient__username="hujun", notification__title__startswith="【催办】").count()
        == 1
    )
    with pytest.raises(InvalidState) as refused:
        act(company, "guoxin", item, "urge", "2026-10-09 16:00")
    assert str(refused.value) == "每小时最多催办一次，请在 10月9日 16:30 后再催办"
    act(company, "guoxin", item, "urge", "2026-10-09 16:30")


def test_one_working_day_per_step_counts_the_adjusted_saturday(company, version):
    # Submitted Friday 2026-10-09 15:00; Saturday 2026-10-10 is a 调休 workday: the manager's day ends there.
    item = start(company, version)
    clock = Clock.objects.get(subject_id=item.pk, kind="manager")
    assert (clock.owner.username, clock.due_at) == ("hujun", at("2026-10-10 15:00"))
    act(company, "hujun", item, "approve", "2026-10-10 16:30")
    finance = Clock.objects.filter(subject_id=item.pk, kind="finance")
    # 会签: each approver's own clock (issue 21); Sunday 10-11 is a rest day
    assert {c.owner.username: c.due_at for c in finance} == {
        "fengjing": at("2026-10-12 16:30"),
        "heyang": at("2026-10-12 16:30"),
    }
    manager = Clock.objects.get(subject_id=item.pk, kind="manager")
    assert manager.met_at == at("2026-10-10 16:30")


def test_auto_approve_at_timeout_is_recorded_as_such(company):
    document = expense()
    document["steps"][0]["limit"]["on_timeout"] = "approve"
    version = publish(company, document)
    item = start(company, version)
    with time_machine.travel(at("2026-10-10 15:00:01"), tick=False):
        clock_fire_due()
    item = fresh(item)
    assert (item.step, tasks(item)[0]) == ("finance", ("manager", "hujun", "approved"))
    assert AuditEvent.objects.filter(object_id=str(item.pk), action="expense.timeout_approve").count() == 1


def test_an_item_started_on_v1_finishes_on_v1_after_v2_is_published(company, version):
    item = start(company, version)
    document = expense()
    document["steps"] = [s for s in document["steps"] if s["key"] != "finance"]
    v2 = publish(company, document, when="2026-10-09 15:30")
    assert (version.n, v2.n) == (1, 2)
    newer = start(company, v2, when="2026-10-09 15:40")
    act(company, "hujun", item, "approve", "2026-10-09 16:00")
    act(company, "hujun", newer, "approve", "2026-10-09 16:00")
    assert fresh(item).step == "finance"  # v1 still has 财务会签
    assert fresh(newer).state == "approved"  # v2 has none
    assert (fresh(item).definition_version.n, fresh(newer).definition_version.n) == (1, 2)


def test_a_value_the_definition_refuses_is_refused_at_its_field(company, version):
    with pytest.raises(ApplicationError) as refused, transaction.atomic():
        from xietong.designer.items import designed_item_create

        designed_item_create(
            definition=version.definition,
            actor=company.person("guoxin"),
            title="报销",
            project=company.project("smartwatch"),
            raw={"reason": "", "kind": "旅游", "lines": [{"date": "2026-10-09", "item": "x", "amount": "-5"}]},
        )
    assert refused.value.fields == {
        "f_reason": "请填写“报销事由”",
        "f_kind": "“旅游”不是“费用类型”的选项",
        "f_lines-0-amount": "“金额”不能小于 0.01",
        # not "“合计”不能小于 0.01" too: the total is computed from what is refused above
    }
    assert not DesignedItem.objects.exists()
