"""The .ics of a meeting and the private per-person feed, parsed back with icalendar."""

import datetime as dt

import time_machine
from django.db import transaction
from django.test import Client
from icalendar import Calendar

from xietong.meetings.answers import meeting_respond
from xietong.meetings.ical import calendar_feed_reset
from xietong.meetings.tests.helpers import act, apply, at, noticed


def events(content: bytes) -> list:
    return [c for c in Calendar.from_ical(content).walk() if c.name == "VEVENT"]


def test_meeting_ics_carries_time_place_agenda_people_and_answers(company, client_for):
    meeting = noticed(company)
    with time_machine.travel(at("2026-03-05 09:00"), tick=False), transaction.atomic():
        meeting_respond(actor=company.person("lina"), meeting=meeting, response="accepted")
        meeting_respond(actor=company.person("heyang"), meeting=meeting, response="declined", reason="出差")
    response = client_for("lina").get(f"/meetings/{meeting.pk}/invite.ics")
    assert response.status_code == 200 and response["Content-Type"] == "text/calendar; charset=utf-8"
    assert "HY-2026-0001.ics" in response["Content-Disposition"]
    cal = Calendar.from_ical(response.content)
    assert str(cal["method"]) == "PUBLISH"
    (event,) = events(response.content)
    assert str(event["summary"]) == "智能手表项目-硬件方案评审会"
    assert event["dtstart"].dt == at("2026-03-10 10:00") and event["dtstart"].dt.utcoffset() == dt.timedelta(0)
    assert event["dtend"].dt == at("2026-03-10 11:30")
    assert str(event["location"]) == "第一会议室（A座 3 楼）"
    assert str(event["status"]) == "CONFIRMED"
    assert str(event["uid"]) == f"meeting-{meeting.pk}@127.0.0.1"
    description = str(event["description"])
    assert "1. 硬件方案介绍（20 分钟）" in description and "需提前准备的材料：硬件方案 V2、功耗测试报告" in description
    assert str(event["organizer"]) == "mailto:guoxin@xingchen.example.com"
    assert event["organizer"].params["CN"] == "郭鑫"
    answers = {str(a): a.params["PARTSTAT"] for a in event["attendee"]}
    assert answers["mailto:lina@xingchen.example.com"] == "ACCEPTED"
    assert answers["mailto:heyang@xingchen.example.com"] == "DECLINED"
    assert answers["mailto:zhaolei@xingchen.example.com"] == "NEEDS-ACTION"
    (alarm,) = [c for c in event.walk() if c.name == "VALARM"]
    assert alarm["trigger"].dt == dt.timedelta(minutes=-15)


def read_feed(token: str, when: str = "2026-03-06 10:00"):
    """A calendar app fetching the feed: no session, no cookies."""
    with time_machine.travel(at(when), tick=False):
        return Client().get(f"/meetings/feed/{token}.ics")


def test_personal_feed_needs_no_login_but_a_valid_token(company):
    meeting = noticed(company)
    apply(company, start="2026-03-12 10:00", end="2026-03-12 11:00")  # a draft: not in anyone's calendar yet
    declined = noticed(company, start="2026-03-13 10:00", end="2026-03-13 11:00")
    with time_machine.travel(at("2026-03-05 09:00"), tick=False), transaction.atomic():
        meeting_respond(actor=company.person("lina"), meeting=declined, response="declined", reason="客户拜访")
        # Someone else declining does not take the meeting out of 李娜's calendar.
        meeting_respond(actor=company.person("heyang"), meeting=meeting, response="declined", reason="出差")
    with transaction.atomic():
        token = calendar_feed_reset(person=company.person("lina"))
    response = read_feed(token)
    assert response.status_code == 200 and response["Content-Type"] == "text/calendar; charset=utf-8"
    assert str(Calendar.from_ical(response.content)["x-wr-calname"]) == "协同会议 · 李娜"
    assert [str(e["uid"]) for e in events(response.content)] == [f"meeting-{meeting.pk}@127.0.0.1"]
    # A cancelled meeting stays in the feed, marked cancelled, so subscribed calendars remove it.
    act(company, meeting, "guoxin", "cancel", "2026-03-06 09:00", reason="推迟")
    (event,) = events(read_feed(token).content)
    assert str(event["status"]) == "CANCELLED" and int(event["sequence"]) > 1

    assert read_feed("cal_not-a-real-token").status_code == 404
    assert read_feed("x").status_code == 404
    with transaction.atomic():
        new_token = calendar_feed_reset(person=company.person("lina"))
    assert read_feed(token).status_code == 404  # the old address is retired
    assert read_feed(new_token).status_code == 200


def test_the_calendar_page_shows_the_address_once(company, client_for):
    lina = client_for("lina")
    page = lina.get("/meetings/calendar/").content.decode()
    assert "您还没有订阅地址" in page
    page = lina.post("/meetings/calendar/").content.decode()
    assert "/meetings/feed/cal_" in page and "只显示这一次" in page
    page = lina.get("/meetings/calendar/").content.decode()
    assert "/meetings/feed/cal_" not in page and "已有订阅地址" in page
