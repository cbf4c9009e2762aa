"""The meeting processes are declared and run only by the spine: their states cannot be written any other
way, their time limits are exactly the ones seeded for them, and the API offers each item its steps."""

import datetime as dt

import pytest
import time_machine
from django.db import transaction

from xietong.clocks.defaults import POLICIES
from xietong.items.guard import StateWriteOutsideRunner
from xietong.items.policies import declared_limits
from xietong.meetings.models import ActionItem, Meeting, MeetingType, Minutes
from xietong.meetings.tests.helpers import act, apply, at, noticed
from xietong.meetings.tests.test_minutes import sign, write
from xietong.notify.models import InboxMessage


@pytest.fixture
def signed(company):
    meeting = noticed(company)
    write(company, meeting, "2026-03-10 14:00", [("完成方案 B 的功耗验证", "wangqiang", dt.date(2026, 3, 20))])
    sign(company, meeting, "guoxin", "submit", "2026-03-10 14:10")
    return meeting


@pytest.mark.parametrize(("model", "state"), [(Meeting, "cancelled"), (Minutes, "approved"), (ActionItem, "cancelled")])
def test_no_state_is_written_outside_the_runner(signed, model, state):
    row = model.objects.first()
    row.state = state
    with pytest.raises(StateWriteOutsideRunner), transaction.atomic():
        row.save()
    with pytest.raises(StateWriteOutsideRunner), transaction.atomic():
        model.objects.filter(pk=row.pk).update(state=state)


def test_the_declared_limits_are_the_seeded_defaults():
    columns = ("process", "priority", "kind", "duration", "mode", "remind_before", "escalate_after", "ladder")
    declared = {
        (*(row[c] for c in columns), row["description"])
        for row in declared_limits()
        if row["process"] in ("meeting", "action_item")
    }
    seeded = {row for row in POLICIES if row[0] in ("meeting", "action_item")}
    assert declared == seeded and len(declared) == 8


def test_an_action_item_offers_its_steps_over_the_api(company, client_for, signed):
    sign(company, signed, "guoxin", "approve", "2026-03-10 15:00")
    item = ActionItem.objects.get()
    with time_machine.travel(at("2026-03-12 09:00"), tick=False):
        wangqiang, guoxin = client_for("wangqiang"), client_for("guoxin")
        assert [a["name"] for a in wangqiang.get(f"/api/meetings/action-items/{item.pk}/actions").json()] == [
            "complete"
        ]
        assert [a["name"] for a in guoxin.get(f"/api/meetings/action-items/{item.pk}/actions").json()] == ["cancel"]
        done = wangqiang.post(
            f"/api/meetings/action-items/{item.pk}/transitions/complete",
            {"reason": "已完成两轮验证"},
            content_type="application/json",
        )
    assert done.status_code == 200
    assert (done.json()["state"], done.json()["status"]) == ("done", "按期完成")
    assert ActionItem.objects.get().note == "已完成两轮验证"


def test_an_approval_says_by_when_the_notice_is_due_as_the_meeting_type_now_rules(company):
    def approved_body(start: str, end: str) -> str:
        meeting = apply(company, start=start, end=end).meeting
        act(company, meeting, "guoxin", "submit", "2026-03-03 10:05")
        act(company, meeting, "wangjianguo", "approve", "2026-03-03 14:00")
        message = InboxMessage.objects.get(
            recipient__username="guoxin", notification__subject_id=meeting.pk, notification__title__contains="批准"
        )
        return message.notification.body

    # Tuesday 10 March, noticed 2 working days ahead: by the end of Friday 6 March.
    assert approved_body("2026-03-10 10:00", "2026-03-10 11:30") == "请在 3月6日 18:00 前发送会议通知。"
    # The administrator asks for 3 working days: the message follows the rule, not a fixed text.
    MeetingType.objects.filter(code="collaboration").update(notice_working_days=3)
    assert approved_body("2026-03-11 10:00", "2026-03-11 11:30") == "请在 3月6日 18:00 前发送会议通知。"
    assert approved_body("2026-03-12 10:00", "2026-03-12 11:30") == "请在 3月9日 18:00 前发送会议通知。"
