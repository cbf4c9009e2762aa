"""A 延期申请 waits on two approvers; each finds it on their workbench until they have decided — the
initiating department's head too, though the time limit is the project lead's (issue 23, hidden gates)."""

import datetime as dt

import time_machine
from django.db import transaction

from xietong.core.workbench import sections_for
from xietong.progress.tests.test_progress import running_task
from xietong.requests.tests.test_request_flow import at
from xietong.risks.services import delay_decide, delay_request


def delays(person):
    section = next((s for s in sections_for(person) if s.key == "delays"), None)
    return [(e.title, e.meta) for e in section.entries] if section else []


def test_each_approver_sees_the_delay_until_they_decide(company):
    task = running_task(company)
    guoxin, hujun = company.person("guoxin"), company.person("hujun")
    with time_machine.travel(at("2026-10-14 10:00"), tick=False), transaction.atomic():
        delay = delay_request(
            actor=company.person("wangqiang"),
            task=task,
            new_end_date=dt.date(2026, 10, 20),
            reason="需求变更",
            new_plan="顺延两天",
        )
    waiting = [(delay.title, "王强 申请延至 10-20")]
    assert (delays(guoxin), delays(hujun), delays(company.person("lina"))) == (waiting, waiting, [])

    with time_machine.travel(at("2026-10-14 11:00"), tick=False), transaction.atomic():
        delay_decide(actor=guoxin, delay=delay, approve=True)  # the project lead
    assert (delays(guoxin), delays(hujun)) == ([], waiting)  # the head is still awaited

    with time_machine.travel(at("2026-10-14 14:00"), tick=False), transaction.atomic():
        delay_decide(actor=hujun, delay=delay, approve=True)
    assert delays(hujun) == []


def test_a_granted_delay_is_sent_in_writing_to_every_related_party(company):
    from xietong.notify.models import InboxMessage

    task = running_task(company)
    with time_machine.travel(at("2026-10-14 10:00"), tick=False), transaction.atomic():
        delay = delay_request(
            actor=company.person("wangqiang"),
            task=task,
            new_end_date=dt.date(2026, 10, 20),
            reason="需求变更",
            new_plan="顺延两天",
        )
    with time_machine.travel(at("2026-10-14 11:00"), tick=False), transaction.atomic():
        delay_decide(actor=company.person("guoxin"), delay=delay, approve=True)
    with time_machine.travel(at("2026-10-14 14:00"), tick=False), transaction.atomic():
        delay_decide(actor=company.person("hujun"), delay=delay, approve=True)
    told = InboxMessage.objects.filter(notification__title=f"【延期】{delay.title}").select_related("notification")
    # The owner, the helper, the requester's side and the receiving department's head; not 胡军, who granted it.
    assert sorted(m.recipient.username for m in told) == ["guoxin", "heli", "lina", "wangqiang"]
    assert told[0].notification.body == (
        "计划完成日由 2026-10-16 调整为 2026-10-20。原因：需求变更；调整后的计划：顺延两天"
    )
