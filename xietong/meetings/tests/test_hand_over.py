"""离职交接 for meetings: when the organiser (who also chairs) leaves, the open meeting, its clocks and the
steps it waits for pass to the successor; an action item's owner passes hers the same way."""

import datetime as dt

import time_machine
from django.db import transaction

from xietong.clocks.models import Clock
from xietong.core.models import AuditEvent
from xietong.items.handover import open_items_owned_by, person_hand_over
from xietong.meetings.models import ActionItem, Meeting
from xietong.meetings.tests.helpers import act, at, noticed
from xietong.meetings.tests.test_minutes import sign, write


def leave(company, who: str, successor: str, when: str):
    with time_machine.travel(at(when), tick=False), transaction.atomic():
        return person_hand_over(
            actor=company.person("admin"), person=company.person(who), successor=company.person(successor)
        )


def test_the_organiser_leaves_and_the_successor_runs_the_meeting(company):
    meeting = noticed(company)  # 郭鑫 organises and chairs; answers due 3/10 10:00, minutes 3/11 11:30
    report = leave(company, "guoxin", "hujun", "2026-03-05 10:00")

    assert report.items == {"meetings.meeting": 1}
    meeting = Meeting.objects.get(pk=meeting.pk)
    assert (meeting.organizer.username, meeting.chair.username, meeting.state) == ("hujun", "hujun", "notified")
    assert open_items_owned_by(company.person("guoxin")) == []
    armed = Clock.objects.filter(subject_type="meetings.meeting", subject_id=meeting.pk, state="armed")
    assert {(c.limit, c.kind, c.owner.username) for c in armed} == {
        ("respond", "respond", "hujun"),
        ("respond", "remind", "hujun"),
        ("minutes", "minutes", "hujun"),
        ("minutes", "remind", "hujun"),
        ("minutes", "escalate", "hujun"),
    }
    event = AuditEvent.objects.get(action="meeting.hand_over")
    assert (event.after["from_name"], event.after["to_name"], event.after["fields"]) == (
        "郭鑫",
        "胡军",
        ["organizer", "chair"],
    )
    # 胡军 now decides about it as its organiser.
    assert (
        act(company, meeting, "hujun", "cancel", "2026-03-05 11:00", reason="方案评审改由新负责人重新安排").state
        == "cancelled"
    )


def test_the_owner_of_an_action_item_leaves_and_its_clock_goes_with_it(company):
    meeting = noticed(company)
    write(company, meeting, "2026-03-10 14:00", [("完成方案 B 的功耗验证", "wangqiang", dt.date(2026, 3, 20))])
    sign(company, meeting, "guoxin", "submit", "2026-03-10 14:10")
    sign(company, meeting, "guoxin", "approve", "2026-03-10 15:00")

    report = leave(company, "wangqiang", "liuyang", "2026-03-12 09:00")

    assert report.items == {"meetings.actionitem": 1}
    item = ActionItem.objects.get()
    assert (item.owner.username, item.state) == ("liuyang", "open")
    due = Clock.objects.get(subject_type="meetings.actionitem", subject_id=item.pk, kind="due")
    assert (due.owner.username, due.due_at) == ("liuyang", at("2026-03-20 18:00"))
