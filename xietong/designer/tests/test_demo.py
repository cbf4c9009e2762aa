"""The demo company has processes made in the designer: the library's 费用报销 and 请假/外出, a claim approved end
to end, one waiting for 财务会签 past its limit, and a leave request waiting for its manager."""

import datetime as dt
from zoneinfo import ZoneInfo

import time_machine

from xietong.clocks.models import Clock
from xietong.core.demo import seed_demo
from xietong.designer.models import ApprovalTask, DesignedItem, ProcessDefinition

SHANGHAI = ZoneInfo("Asia/Shanghai")
WEDNESDAY = dt.datetime(2026, 12, 2, 11, 0, tzinfo=SHANGHAI)


def at(text: str) -> dt.datetime:
    return dt.datetime.fromisoformat(text).replace(tzinfo=SHANGHAI)


def test_the_demo_shows_designed_processes_in_use(db, seeded_demo):
    with time_machine.travel(WEDNESDAY, tick=False):
        seeded_demo()
        seed_demo()  # idempotent
    assert sorted((d.key, d.current.n) for d in ProcessDefinition.objects.all()) == [("expense", 1), ("leave", 1)]
    items = {i.title: i for i in DesignedItem.objects.all()}
    assert len(items) == 3

    done = items["深圳客户拜访差旅报销"]
    assert (done.number, done.state, done.values["total"]) == ("BX-2026-0001", "approved", "2733.50")
    assert list(ApprovalTask.objects.filter(item=done).order_by("pk").values_list("person__name", "status")) == [
        ("胡军", "approved"),
        ("冯静", "approved"),
        ("何洋", "approved"),
        ("刘芳", "sent"),
        ("孙丽", "sent"),
    ]

    # Filed Tuesday 12/1 15:00, approved by 胡军 at 16:30: each of the two 会签 approvers has 1 working day from
    # then, Wednesday 12/2 16:30 — still running at 11:00.
    waiting = items["样机测试物料采购报销"]
    assert (waiting.state, waiting.step) == ("running", "finance")
    finance = Clock.objects.filter(subject_id=waiting.pk, subject_type="designer.designeditem", kind="finance")
    assert sorted((c.owner.name, c.due_at, c.state) for c in finance) == [
        ("何洋", at("2026-12-02 16:30"), "armed"),
        ("冯静", at("2026-12-02 16:30"), "armed"),
    ]

    leave = items["年假 2 天"]
    assert (leave.state, leave.step, leave.values["period"]["days"]) == ("running", "manager", 2)
    assert ApprovalTask.objects.get(item=leave, status="open").person.name == "李娜"
