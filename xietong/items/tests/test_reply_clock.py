"""消息响应 (004): an @mention or a 【需协助】 on an item is answered within the message limit (2 working hours
as shipped), by a comment on the item, which meets the clock; the person sees it on the workbench; an
emergency's messages are exempt (紧急情况除外). Exact instants across 国庆 and the 调休 Saturday."""

from pathlib import Path

import pytest
import time_machine
from django.db import transaction

from xietong.clocks.models import Clock, ClockPolicy
from xietong.clocks.services import clock_fire_due
from xietong.core.errors import ApplicationError
from xietong.incidents.tests.test_incident_flow import report as incident_report
from xietong.items.models import ReplyRequest
from xietong.items.replies import ask_reply
from xietong.items.services import comment_add
from xietong.meetings.tests.helpers import at, inbox
from xietong.requests.tests.test_request_flow import new_request


def say(company, item, who: str, body: str, when: str):
    with time_machine.travel(at(when), tick=False), transaction.atomic():
        return comment_add(actor=company.person(who), subject=item, body=body)


def reply_clock(request_row) -> Clock:
    return Clock.objects.get(subject_type="items.replyrequest", subject_id=request_row.pk, kind="reply")


def test_the_limit_is_a_policy_with_its_clause(company):
    policy = ClockPolicy.objects.get(process="message", kind="reply", priority="*")
    assert (policy.duration, policy.mode, policy.remind_before) == ("2h", "working", "30m")
    assert (policy.source, policy.clause) == ("内部沟通与协调工作机制", "二（一）")
    assert policy.clause_text == "要求工作时间内消息响应不超过2小时(紧急情况除外)"
    documents = Path(__file__).resolve().parents[2] / "clocks" / "seed_documents"
    assert policy.clause_text in next(documents.glob("004_*.txt")).read_text(encoding="utf-8")
    assert str(policy) == "消息响应 · 所有优先级 · 答复：2 个工作小时"


def test_a_mention_on_the_eve_of_national_day_is_due_after_the_holiday_and_a_reply_meets_it(company, client_for):
    request = new_request(company, when="2026-09-30 16:00")
    say(company, request, "guoxin", "@赵磊 续航目标的测试口径请看附件第 3 页", "2026-09-30 17:00")
    asked = ReplyRequest.objects.get()
    assert (asked.person.username, asked.asked_by.username, asked.assist) == ("zhaolei", "guoxin", False)
    clock = reply_clock(asked)
    # 1 working hour left on Wednesday 30 September; 1–7 October are 国庆; the second hour on Thursday 8 October.
    assert (clock.due_at, clock.owner.username) == (at("2026-10-08 10:00"), "zhaolei")
    with time_machine.travel(at("2026-10-08 09:00"), tick=False):
        home = client_for("zhaolei").get("/").content.decode()
    assert "待我答复" in home and f"{request.number} {request.title}" in home and "郭鑫" in home
    with time_machine.travel(at("2026-10-08 09:30"), tick=False):
        clock_fire_due()  # the reminder, 30 minutes before (the request's own clocks fire too)
    remind = Clock.objects.get(subject_type="items.replyrequest", subject_id=asked.pk, kind="remind")
    assert (remind.state, remind.due_at) == ("fired", at("2026-10-08 09:30"))
    assert inbox("zhaolei", "【即将到期】") == [f"【即将到期】{request.number} {request.title}"]
    say(company, request, "zhaolei", "测试口径按 GB/T 标准，已补充到需求说明", "2026-10-08 09:40")
    asked.refresh_from_db()
    assert asked.answered_at == at("2026-10-08 09:40") and asked.answer.body.startswith("测试口径")
    clock.refresh_from_db()
    assert (clock.state, clock.met_at) == ("cancelled", at("2026-10-08 09:40"))
    with time_machine.travel(at("2026-10-08 10:00"), tick=False):
        clock_fire_due()
        home = client_for("zhaolei").get("/").content.decode()
    assert reply_clock(asked).state == "cancelled"
    assert "没有等待您答复的消息。" in home


def test_an_assist_flag_on_friday_evening_is_due_on_the_adjusted_saturday(company):
    request = new_request(company, when="2026-10-09 10:00")
    say(company, request, "guoxin", "【需协助】@赵磊 需要硬件功耗基线数据", "2026-10-09 17:30")
    asked = ReplyRequest.objects.get(person__username="zhaolei")
    assert asked.assist
    # Half an hour on Friday 9 October, an hour and a half on Saturday 10 October (a 调休 working day).
    assert reply_clock(asked).due_at == at("2026-10-10 10:30")
    # A second mention before the answer keeps the first clock.
    say(company, request, "guoxin", "@赵磊 补充：要 V2 版的数据", "2026-10-10 09:00")
    assert ReplyRequest.objects.filter(person__username="zhaolei").count() == 1
    assert reply_clock(asked).due_at == at("2026-10-10 10:30")


def test_an_assist_flag_names_someone_or_is_refused_at_the_field(company):
    request = new_request(company, when="2026-03-02 10:00")
    with pytest.raises(ApplicationError) as refused:
        say(company, request, "guoxin", "【需协助】 需要硬件功耗基线数据", "2026-03-02 11:00")
    assert refused.value.fields == {"body": "标记【需协助】时请 @ 需要协助的人（须能查看此事项）"}
    assert not ReplyRequest.objects.exists()


def test_an_emergency_is_answered_at_once_not_on_the_message_clock(company):
    incident = incident_report(company)
    with time_machine.travel(at("2026-10-01 03:05"), tick=False), transaction.atomic():
        assert (
            ask_reply(
                subject=incident, person=company.person("lina"), asked_by=company.person("wangqiang"), question="?"
            )
            is None
        )
    assert not ReplyRequest.objects.exists()
