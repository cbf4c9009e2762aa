"""A meeting links to what called it: the request's page offers its 启动会 (复盘会、总结会) and lists the
meetings it called; the meeting names its caller; a caller one may not see, or a type it does not call, is
refused at its field. 项目月度会 repeat at each month's end (its last working day, a 调休 Saturday included)."""

import datetime as dt

import pytest
import time_machine

from xietong.core.errors import ApplicationError
from xietong.meetings.models import Meeting, MeetingSeries
from xietong.meetings.tests.helpers import apply, at, meeting_type, room
from xietong.requests.tests.test_request_flow import new_request


def _form(company, **overrides):
    data = {
        "title": "智能手表项目-续航优化启动会",
        "project": company.project("smartwatch").pk,
        "meeting_type": meeting_type("kickoff").pk,
        "date": "2026-03-10",
        "start_time": "10:00",
        "end_time": "11:00",
        "mode": "room",
        "room": room().pk,
        "chair": company.person("guoxin").pk,
        "participants": [company.person("lina").pk, company.person("zhaolei").pk],
        "goal": "同步任务目标、分工及时间节点",
        "agenda": "需求说明\n分工与时间节点",
    }
    data.update(overrides)
    return data


def test_a_request_calls_its_kickoff_and_lists_it(company, client_for):
    request = new_request(company, when="2026-03-02 10:00")
    key = f"requests.request:{request.pk}"
    guoxin = client_for("guoxin")
    with time_machine.travel(at("2026-03-03 10:00"), tick=False):
        page = guoxin.get(f"/requests/{request.pk}/").content.decode()
        link = f"/meetings/new/?for={key}&amp;type=kickoff&amp;project={request.project_id}"
        assert link in page and "召开启动会" in page and "召开复盘会" in page and "召开总结会" in page
        form = guoxin.get(link.replace("&amp;", "&")).content.decode()
        assert f'value="{key}"' in form
        assert f'召集事项：<a href="/requests/{request.pk}/">{request.number} {request.title}</a>' in form
        assert f'value="{request.title}-启动会"' in form
        response = guoxin.post("/meetings/new/", _form(company, called_by=key))
    meeting = Meeting.objects.get()
    assert response.status_code == 302
    assert (meeting.called_by_type, meeting.called_by_id, meeting.meeting_type.code) == (
        "requests.request",
        request.pk,
        "kickoff",
    )
    with time_machine.travel(at("2026-03-03 10:05"), tick=False):
        detail = guoxin.get(f"/meetings/{meeting.pk}/").content.decode()
        assert f'召集事项：<a href="/requests/{request.pk}/">{request.number} {request.title}</a>' in detail
        page = guoxin.get(f"/requests/{request.pk}/").content.decode()
        assert f"{meeting.number} 智能手表项目-续航优化启动会" in page


def test_a_caller_calls_only_its_kinds_of_meeting_and_only_what_one_may_see(company, client_for):
    request = new_request(company, when="2026-03-02 10:00")
    key = f"requests.request:{request.pk}"
    with time_machine.travel(at("2026-03-03 10:00"), tick=False):
        html = client_for("guoxin").post(
            "/meetings/new/", _form(company, called_by=key, meeting_type=meeting_type("coordination").pk)
        )
        assert f"{request.number} 召集的会议应为：启动会、复盘会、总结会" in html.content.decode()
        # 邓丽 may not see the request: it is not named to her, and she cannot call a meeting for it.
        page = client_for("dengli").get(f"/meetings/new/?for={key}&type=kickoff").content.decode()
        assert request.number not in page and 'value="requests.request' not in page
    with pytest.raises(ApplicationError) as refused:
        apply(company, actor="dengli", invite=("guoxin",), called_by=key, type_code="kickoff")
    assert refused.value.fields["called_by"] == "召集会议的事项不存在或您无权查看"
    assert not Meeting.objects.exists()


def test_a_monthly_meeting_is_held_on_each_month_s_last_working_day(company):
    saved = apply(
        company,
        when="2026-01-05 10:00",
        start="2026-01-30 15:00",
        end="2026-01-30 16:30",
        type_code="monthly",
        repeat_until=dt.date(2026, 4, 30),
        frequency="month_end",
    )
    days = [m.start_at for m in Meeting.objects.order_by("start_at")]
    # 31 January is a Sunday; 28 February a 调休 Saturday (a working day); 30 April before 劳动节.
    assert days == [at("2026-01-30 15:00"), at("2026-02-28 15:00"), at("2026-03-31 15:00"), at("2026-04-30 15:00")]
    assert saved.occurrences == 4
    assert MeetingSeries.objects.get().frequency == "month_end"
