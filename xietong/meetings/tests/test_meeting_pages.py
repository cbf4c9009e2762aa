"""Meetings through pages and the API: who sees what (invitees yes, outsiders 404 everywhere), forms
and JSON in Chinese, bad input refused with nothing half-saved."""

import datetime as dt

import pytest
import time_machine
from django.db import transaction

from xietong.meetings.models import ActionItem, Meeting
from xietong.meetings.tests.helpers import apply, at, meeting_type, noticed, room
from xietong.meetings.tests.test_minutes import sign, write

D = dt.date


@pytest.fixture
def closed(company):
    """A noticed meeting whose minutes 郭鑫 (chair) signed, with one action item for 王强."""
    meeting = noticed(company)
    write(company, meeting, "2026-03-10 14:00", [("完成方案 B 的功耗验证", "wangqiang", D(2026, 3, 20))])
    sign(company, meeting, "guoxin", "submit", "2026-03-10 14:10")
    sign(company, meeting, "guoxin", "approve", "2026-03-10 15:00")
    return Meeting.objects.get(pk=meeting.pk), ActionItem.objects.get()


def test_outsider_gets_404_on_every_page_and_endpoint(company, client_for, closed):
    meeting, item = closed
    weekly = apply(
        company,
        actor="lina",
        type_code="weekly-sync",
        project=company.project("q4-iteration"),
        invite=("liuyang",),
        start="2026-03-10 14:00",
        end="2026-03-10 14:30",
        repeat_until=D(2026, 3, 24),
    ).meeting
    outsider = client_for("fengjing")  # 财务部负责人: 何洋 (invited) is hers, but the meeting is not
    gets = [
        f"/meetings/{meeting.pk}/",
        f"/meetings/{meeting.pk}/edit/",
        f"/meetings/{meeting.pk}/invite.ics",
        f"/meetings/{meeting.pk}/minutes/",
        f"/meetings/series/{weekly.series_id}/",
        f"/meetings/actions/{item.pk}/",
        f"/api/meetings/{meeting.pk}",
        f"/api/meetings/{meeting.pk}/actions",
        f"/api/meetings/{meeting.pk}/action-items",
        f"/api/meetings/action-items/{item.pk}",
    ]
    for url in gets:
        assert outsider.get(url).status_code == 404, url
    posts = [
        f"/meetings/{meeting.pk}/do/cancel/",
        f"/meetings/{meeting.pk}/respond/",
        f"/meetings/{meeting.pk}/minutes/",
        f"/meetings/{meeting.pk}/minutes/do/approve/",
        f"/meetings/series/{weekly.series_id}/",
        f"/meetings/actions/{item.pk}/do/complete/",
        f"/items/meetings.meeting/{meeting.pk}/comments/",
        f"/items/meetings.meeting/{meeting.pk}/attachments/",
        f"/items/meetings.actionitem/{item.pk}/comments/",
        f"/api/meetings/{meeting.pk}/transitions/cancel",
        f"/api/meetings/{meeting.pk}/respond",
        f"/api/meetings/action-items/{item.pk}/transitions/complete",
    ]
    for url in posts:
        response = (
            outsider.post(url, {"reason": "x", "response": "accepted"}, content_type="application/json")
            if url.startswith("/api/")
            else outsider.post(url, {"reason": "x", "body": "x", "response": "accepted"})
        )
        assert response.status_code == 404, url
    assert meeting.number not in outsider.get("/meetings/?scope=all").content.decode()
    assert item.number not in outsider.get("/meetings/actions/?scope=all").content.decode()
    assert outsider.get("/api/meetings/").json()["count"] == 0
    assert outsider.get("/api/meetings/action-items/?scope=all").json()["count"] == 0


def test_who_sees_a_meeting(company, client_for, closed):
    meeting, item = closed
    # An invitee from outside the project, a project member, the organiser's head and division leader, the GM,
    # and the head of 测试部 who received the minutes.
    for username in ("heyang", "wangqiang", "guoxin", "hujun", "wangjianguo", "chenzhiqiang", "liufang", "sunyu"):
        assert client_for(username).get(f"/meetings/{meeting.pk}/").status_code == 200, username
        assert client_for(username).get(f"/meetings/actions/{item.pk}/").status_code == 200, username
    assert client_for("heyang").get(f"/api/meetings/{meeting.pk}").json()["number"] == "HY-2026-0001"
    # 客服部's head has nothing to do with it.
    assert client_for("dengli").get(f"/meetings/{meeting.pk}/").status_code == 404


def test_meeting_page_shows_notice_answers_minutes_and_live_action_items(company, client_for, closed):
    meeting, _item = closed
    with time_machine.travel(at("2026-03-24 10:00"), tick=False):
        from xietong.clocks.services import clock_fire_due

        clock_fire_due()
        html = client_for("guoxin").get(f"/meetings/{meeting.pk}/").content.decode()
    for text in (
        "纪要已确认",
        "2026年3月10日 星期二 10:00–11:30",
        "已于 2026-03-04 09:00 发出",
        "第一会议室（A座 3 楼）",
        "硬件方案介绍（20 分钟）",
        "已签字确认并分发",
        "HY-2026-0001-A01",
        "已逾期 1 个工作日 1 小时",
        "已预警至 王建国、陈志强",
        "待确认",
    ):
        assert text in html, text


def _form(company, **overrides):
    data = {
        "title": "智能手表项目-硬件方案评审会",
        "project": company.project("smartwatch").pk,
        "meeting_type": meeting_type().pk,
        "date": "2026-03-10",
        "start_time": "10:00",
        "end_time": "11:30",
        "mode": "room",
        "room": room().pk,
        "chair": company.person("guoxin").pk,
        "participants": [company.person("lina").pk, company.person("zhaolei").pk],
        "goal": "确定续航优化的硬件方案",
        "agenda": "方案介绍\n讨论与决议",
        "materials": "硬件方案 V2",
    }
    data.update(overrides)
    return data


def test_application_form_in_chinese_and_nothing_saved_on_bad_input(company, client_for):
    guoxin = client_for("guoxin")
    with time_machine.travel(at("2026-03-03 10:00"), tick=False):
        html = guoxin.post("/meetings/new/", _form(company, end_time="09:00")).content.decode()
        assert "结束时间 2026-03-10 09:00 早于或等于开始时间 2026-03-10 10:00" in html
        html = guoxin.post("/meetings/new/", _form(company, participants=[999999])).content.decode()
        assert "选择一个有效的选项" in html  # a participant who does not exist
        html = guoxin.post("/meetings/new/", _form(company, mode="online", room="")).content.decode()
        assert "请填写线上会议链接或会议号" in html
        assert not Meeting.objects.exists()
        response = guoxin.post("/meetings/new/", _form(company))
    meeting = Meeting.objects.get()
    assert response.status_code == 302 and response["Location"] == f"/meetings/{meeting.pk}/"
    assert meeting.start_at == at("2026-03-10 10:00") and meeting.agenda == ["方案介绍", "讨论与决议"]
    assert set(meeting.participations.values_list("person__username", flat=True)) == {"guoxin", "lina", "zhaolei"}


def test_api_create_refuses_unknown_participants_and_bad_times_then_runs_the_flow(company, client_for):
    guoxin = client_for("guoxin")
    payload = {
        "title": "智能手表项目-硬件方案评审会",
        "project_id": company.project("smartwatch").pk,
        "meeting_type_id": meeting_type().pk,
        "start_at": "2026-03-10T10:00:00+08:00",
        "end_at": "2026-03-10T11:30:00+08:00",
        "room_id": room().pk,
        "participant_ids": [company.person("lina").pk, 999999],
        "goal": "确定方案",
        "agenda": ["方案介绍"],
    }
    with time_machine.travel(at("2026-03-03 10:00"), tick=False):
        response = guoxin.post("/api/meetings/", payload, content_type="application/json")
        assert response.status_code == 400
        assert response.json()["fields"] == {"participant_ids": "以下人员不存在：#999999"}
        payload["participant_ids"] = [company.person("lina").pk]
        payload["end_at"] = "2026-03-10T09:00:00"  # naive: read as Asia/Shanghai
        response = guoxin.post("/api/meetings/", payload, content_type="application/json")
        assert response.status_code == 400
        assert response.json()["fields"]["end_at"] == "结束时间 2026-03-10 09:00 早于或等于开始时间 2026-03-10 10:00"
        assert not Meeting.objects.exists()
        payload["end_at"] = "2026-03-10T11:30:00"
        created = guoxin.post("/api/meetings/", payload, content_type="application/json")
        assert created.status_code == 201
        meeting_id = created.json()["id"]
        actions = [a["name"] for a in guoxin.get(f"/api/meetings/{meeting_id}/actions").json()]
        assert actions == ["submit", "cancel"]
        submitted = guoxin.post(f"/api/meetings/{meeting_id}/transitions/submit", {}, content_type="application/json")
    assert (
        submitted.json()["state"] == "submitted" and submitted.json()["approver_id"] == company.person("wangjianguo").pk
    )


def test_answering_through_the_page(company, client_for):
    meeting = noticed(company)
    heyang = client_for("heyang")
    with time_machine.travel(at("2026-03-05 09:00"), tick=False):
        page = heyang.post(f"/meetings/{meeting.pk}/respond/", {"response": "declined", "reason": ""}).content.decode()
        assert '<p class="field-error" role="alert" id="rsvp-reason-error">请假请填写原因</p>' in page
        heyang.post(f"/meetings/{meeting.pk}/respond/", {"response": "declined", "reason": "月末结账"})
        page = heyang.get(f"/meetings/{meeting.pk}/").content.decode()
    assert "月末结账" in page and meeting.participations.get(person__username="heyang").response == "declined"


def test_a_refused_leave_reason_comes_back_as_typed_with_the_error_at_its_box(company, client_for):
    meeting = noticed(company)
    heyang = client_for("heyang")
    too_long = "月末结账" * 76  # 304 characters
    with time_machine.travel(at("2026-03-05 09:00"), tick=False):
        refused = heyang.post(f"/meetings/{meeting.pk}/respond/", {"response": "declined", "reason": too_long})
    page = refused.content.decode()
    box = page.split('id="rsvp"', 1)[1].split("</section>", 1)[0]
    assert refused.status_code == 400
    assert f">&#10;{too_long}</textarea>" in box
    assert '<p class="field-error" role="alert" id="rsvp-reason-error">原因不能超过 300 字，现有 304 字</p>' in box
    assert 'required maxlength="300"' in box
    assert meeting.participations.get(person__username="heyang").response == "pending"


def test_a_leave_reason_of_only_daiding_is_refused_like_every_reason(company, client_for):
    meeting = noticed(company)
    heyang = client_for("heyang")
    with time_machine.travel(at("2026-03-05 09:00"), tick=False):
        refused = heyang.post(f"/meetings/{meeting.pk}/respond/", {"response": "declined", "reason": "待定。"})
    assert refused.status_code == 400
    box = refused.content.decode().split('id="rsvp"', 1)[1].split("</section>", 1)[0]
    assert ">&#10;待定。</textarea>" in box
    assert 'id="rsvp-reason-error">请假原因不能只写“待定”：请写明不能参加的原因</p>' in box
    assert meeting.participations.get(person__username="heyang").response == "pending"


def test_lists_and_the_workbench_show_what_waits_on_each_person(company, client_for):
    meeting = apply(company).meeting
    with time_machine.travel(at("2026-03-03 10:05"), tick=False):
        from xietong.meetings.services import meeting_transition

        with transaction.atomic():
            meeting_transition(actor=company.person("guoxin"), meeting=meeting, name="submit")
        wangjianguo = client_for("wangjianguo")
        assert "待您审批" in wangjianguo.get("/").content.decode()
        assert meeting.number in wangjianguo.get("/meetings/?scope=todo").content.decode()
        assert meeting.number not in client_for("lina").get("/meetings/?scope=todo").content.decode()
        assert meeting.number in client_for("guoxin").get("/meetings/?scope=mine").content.decode()
        partial = client_for("guoxin").get("/meetings/?scope=mine", headers={"HX-Request": "true"})
        assert partial.content.decode().startswith('<div id="meeting-table">')
    late = noticed(company, start="2026-03-05 14:00", end="2026-03-05 15:00")  # noticed 4 March: late
    html = client_for("guoxin").get("/meetings/?scope=all&late_notice=1").content.decode()
    assert late.number in html and meeting.number not in html and "迟发通知" in html
    assert client_for("guoxin").get("/api/meetings/?scope=all&late_notice=true").json()["count"] == 1
