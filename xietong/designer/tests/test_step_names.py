"""Two designed processes may give a step the same key and different names: 费用报销's 「finance」 is 财务会签,
差旅报销's is 财务审核. Each item's clock panel, its approvers' reminders, the workbench, the policy list and a
restarted process name the step as its own process does — never as the process registered last (issue 21)."""

import time_machine

from xietong.clocks import models as clock_models
from xietong.clocks.models import Clock, ClockPolicy, clock_limit_label
from xietong.clocks.services import clock_fire_due
from xietong.designer import runtime
from xietong.designer.models import DesignedItem
from xietong.designer.tests.support import act, clock_rows, expense, publish, start
from xietong.designer.tests.test_restart import forget_everything_designed
from xietong.notify.models import InboxMessage
from xietong.requests.tests.test_request_flow import at


def travel_document():
    document = expense()
    document.update(key="travel", name="差旅报销", prefix="CL")
    finance = next(s for s in document["steps"] if s["key"] == "finance")
    finance["name"] = "财务审核"
    return document


def at_finance(company):
    """An item of each process at its 财务 step, entered Friday 2026-10-09 16:30 (the 调休 Saturday follows)."""
    spent = start(company, publish(company))
    travelled = start(company, publish(company, travel_document()))
    for item in (spent, travelled):
        act(company, "hujun", item, "approve", "2026-10-09 16:30")
    return DesignedItem.objects.get(pk=spent.pk), DesignedItem.objects.get(pk=travelled.pk)


def finance_clocks(item):
    return Clock.objects.filter(subject_id=item.pk, limit="finance", kind="finance").order_by("pk")


def test_each_item_page_names_the_step_as_its_own_process_does(company, client_for):
    spent, travelled = at_finance(company)
    assert (spent.step, travelled.step) == ("finance", "finance")
    with time_machine.travel(at("2026-10-09 17:00"), tick=False):
        spent_rows = clock_rows(client_for("guoxin").get(spent.get_absolute_url()).content.decode())
        travelled_rows = clock_rows(client_for("guoxin").get(travelled.get_absolute_url()).content.decode())
    basis = " 依据：「财务部应在1个工作日内完成审核」"
    assert [row[0] for row in spent_rows if row[0].startswith("财务")] == ["财务会签" + basis] * 2
    assert [row[0] for row in travelled_rows if row[0].startswith("财务")] == ["财务审核" + basis] * 2


def test_each_approver_is_reminded_of_the_step_by_its_own_name(company):
    spent, travelled = at_finance(company)
    with time_machine.travel(at("2026-10-10 14:30:01"), tick=False):
        clock_fire_due()
    reminded = InboxMessage.objects.filter(notification__title__startswith="【即将到期】").select_related(
        "notification"
    )
    firsts = sorted(
        (m.notification.subject_id, m.recipient.username, m.notification.body.split("\n", 1)[0]) for m in reminded
    )
    spent_line = "财务会签将于 10月10日 16:30 到期（剩余 2 个工作小时），请及时处理。"
    travelled_line = "财务审核将于 10月10日 16:30 到期（剩余 2 个工作小时），请及时处理。"
    assert firsts == sorted(
        [
            (spent.pk, "fengjing", spent_line),
            (spent.pk, "heyang", spent_line),
            (travelled.pk, "fengjing", travelled_line),
            (travelled.pk, "heyang", travelled_line),
        ]
    )


def test_a_restarted_process_tells_the_two_apart_from_the_clocks_policies(company, monkeypatch):
    spent, travelled = at_finance(company)
    forget_everything_designed()  # a worker that has compiled no designed process knows no step name
    monkeypatch.setattr(clock_models, "_more_limits", {})
    monkeypatch.setattr(clock_models, "_step_names", {})
    monkeypatch.setattr(runtime, "_labels_upto", 0)
    assert {clock_limit_label(c) for c in finance_clocks(travelled)} == {"财务审核"}
    assert {clock_limit_label(c) for c in finance_clocks(spent)} == {"财务会签"}


def test_the_policies_are_listed_with_their_own_process_names(company):
    at_finance(company)
    names = {
        str(p) for p in ClockPolicy.objects.filter(process__in=["expense@1", "travel@1"], kind="finance", priority="*")
    }
    assert names == {
        "费用报销（第 1 版） · 所有优先级 · 财务会签：1 个工作日",
        "差旅报销（第 1 版） · 所有优先级 · 财务审核：1 个工作日",
    }


def test_a_step_whose_key_is_a_built_in_limit_code_is_still_named_as_designed(company):
    """A designer may key a step 「review」, which built-in processes call 验收/审核: the approvers' reminder
    names the step as its process does."""
    document = expense()
    next(s for s in document["steps"] if s["key"] == "finance")["key"] = "review"
    item = start(company, publish(company, document))
    act(company, "hujun", item, "approve", "2026-10-09 16:30")
    clocks = Clock.objects.filter(subject_id=item.pk, limit="review", kind="review")
    assert {clock_limit_label(c) for c in clocks} == {"财务会签"}
    with time_machine.travel(at("2026-10-10 14:30:01"), tick=False):
        clock_fire_due()
    reminded = InboxMessage.objects.filter(
        notification__title__startswith="【即将到期】", notification__subject_id=item.pk
    )
    assert (
        sorted(m.notification.body.split("\n", 1)[0] for m in reminded)
        == ["财务会签将于 10月10日 16:30 到期（剩余 2 个工作小时），请及时处理。"] * 2
    )
