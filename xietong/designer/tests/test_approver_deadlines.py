"""Each approver's own deadline under 会签 (issue 21): 财务 has 1 working day per approver, counted from when
each got the task. The step is entered on Friday 2026-10-09 16:30 (国庆 is over; Saturday 10-10 is a 调休
workday, Sunday 10-11 rests; working hours 9:00–12:00 and 13:30–18:00):
- 冯静 and 何洋 get it then: due Saturday 10-10 16:30;
- 加签 after herself: 周杰 gets it when 冯静 approves (Saturday 10:00) — due Monday 10-12 10:00, Sunday resting;
- 加签 before herself: 周杰 gets it at once (Saturday 09:30, due Monday 09:30); 冯静 keeps her own deadline;
- 转交: the time left goes with the task — 李娜, handed 何洋's task on Saturday 11:00, is due Saturday 16:30."""

import datetime as dt

import time_machine

from xietong.clocks.models import Clock
from xietong.designer.approver_deadlines import approver_due, task_clock
from xietong.designer.models import ApprovalTask
from xietong.designer.tests.support import act, clock_rows, publish, start
from xietong.requests.tests.test_request_flow import at


def finance_item(company):
    item = start(company, publish(company))
    act(company, "hujun", item, "approve", "2026-10-09 16:30")
    return item


def dues(item) -> dict[str, object]:
    clocks = list(Clock.objects.filter(subject_id=item.pk, kind="finance").order_by("-created_at", "-pk"))
    out = {}
    for task in ApprovalTask.objects.filter(item=item, step="finance").select_related("person").order_by("pk"):
        clock = task_clock(clocks, task)
        due = approver_due(clock, task) if clock is not None else None
        out[f"{task.person.username}:{task.status}"] = due
    return out


def test_an_approver_added_after_has_the_whole_limit_from_when_they_are_reached(company, client_for):
    item = finance_item(company)
    assert dues(item) == {"fengjing:open": at("2026-10-10 16:30"), "heyang:open": at("2026-10-10 16:30")}
    act(company, "fengjing", item, "add_sign", "2026-10-10 09:00", to=company.person("zhoujie"), how="after")
    assert dues(item)["zhoujie:waiting"] is None  # not reached yet: no clock of his own
    act(company, "fengjing", item, "approve", "2026-10-10 10:00")
    assert dues(item) == {
        "fengjing:approved": at("2026-10-10 16:30"),
        "heyang:open": at("2026-10-10 16:30"),
        "zhoujie:open": at("2026-10-12 10:00"),  # Saturday 10:00 + 1 working day; Sunday rests
    }
    # The API says the same, per approver.
    tasks = client_for("guoxin").get(f"/api/processes/expense/items/{item.pk}").json()["tasks"]
    assert {
        t["person"]: dt.datetime.fromisoformat(t["due_at"].replace("Z", "+00:00"))
        for t in tasks
        if t["step"] == "finance"
    } == {"冯静": at("2026-10-10 16:30"), "何洋": at("2026-10-10 16:30"), "周杰": at("2026-10-12 10:00")}
    with time_machine.travel(at("2026-10-10 17:00"), tick=False):
        html = client_for("guoxin").get(item.get_absolute_url()).content.decode()
    # The clock panel: each approver's own clock, newest first (issue 21).
    assert [row[1:] for row in clock_rows(html) if row[0].startswith("财务会签")] == [
        ["周杰", "2026-10-12 10:00 按“标准工作日历”计时", "剩余 2 个工作小时"],
        ["何洋", "2026-10-10 16:30 按“标准工作日历”计时", "已超时 30 分钟"],
        ["冯静", "2026-10-10 16:30 按“标准工作日历”计时", "已按时完成"],
    ]


def test_an_approver_added_before_starts_at_once_and_the_adder_keeps_her_deadline(company):
    item = finance_item(company)
    act(company, "fengjing", item, "add_sign", "2026-10-10 09:30", to=company.person("zhoujie"), how="before")
    assert dues(item) == {
        "fengjing:waiting": at("2026-10-10 16:30"),
        "heyang:open": at("2026-10-10 16:30"),
        "zhoujie:open": at("2026-10-12 09:30"),
    }
    act(company, "zhoujie", item, "approve", "2026-10-12 09:00")
    assert dues(item)["fengjing:open"] == at("2026-10-10 16:30")  # back to her: her clock never restarted


def test_a_handed_over_task_keeps_its_deadline(company):
    item = finance_item(company)
    act(company, "heyang", item, "transfer", "2026-10-10 11:00", to=company.person("lina"), reason="出差")
    assert dues(item) == {
        "fengjing:open": at("2026-10-10 16:30"),
        "heyang:transferred": at("2026-10-10 16:30"),
        "lina:open": at("2026-10-10 16:30"),  # continues: 李娜 has what 何洋 had left
    }


def test_automatic_approval_at_the_limit_is_per_approver(company):
    """财务 set to approve automatically at its limit: at Saturday 16:30 何洋's own clock runs out (approved
    for him alone, in the history as such); 周杰's does not (reached at 10:00): his clock fires on Monday
    10:00, and the step is done."""
    from xietong.clocks.models import ClockState
    from xietong.clocks.services import clock_fire_due
    from xietong.core.models import AuditEvent
    from xietong.designer.models import DesignedItem
    from xietong.designer.tests.support import expense

    document = expense()
    next(s for s in document["steps"] if s["key"] == "finance")["limit"]["on_timeout"] = "approve"
    item = start(company, publish(company, document))
    act(company, "hujun", item, "approve", "2026-10-09 16:30")
    act(company, "fengjing", item, "add_sign", "2026-10-10 09:00", to=company.person("zhoujie"), how="after")
    act(company, "fengjing", item, "approve", "2026-10-10 10:00")
    with time_machine.travel(at("2026-10-10 16:30:01"), tick=False):
        clock_fire_due()
    assert list(dues(item)) == ["fengjing:approved", "heyang:approved", "zhoujie:open"]
    assert DesignedItem.objects.get(pk=item.pk).step == "finance"
    armed = Clock.objects.get(subject_id=item.pk, kind="finance", state=ClockState.ARMED)
    assert (armed.owner.username, armed.due_at) == ("zhoujie", at("2026-10-12 10:00"))
    event = AuditEvent.objects.get(object_id=str(item.pk), action="expense.timeout_approve")
    assert (event.after["person"], event.after["timeout"]) == ("何洋", "timeout_approve")
    with time_machine.travel(at("2026-10-12 10:00:01"), tick=False):
        clock_fire_due()
    assert DesignedItem.objects.get(pk=item.pk).state == "approved"
    assert list(dues(item)) == ["fengjing:approved", "heyang:approved", "zhoujie:approved"]
