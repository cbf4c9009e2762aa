"""The demo company shows a kickoff a request called, with its minutes signed within the kickoff's limit."""

import datetime as dt
from zoneinfo import ZoneInfo

import time_machine

from xietong.clocks.models import Clock
from xietong.meetings.models import Meeting

WEDNESDAY = dt.datetime(2026, 12, 2, 11, 0, tzinfo=ZoneInfo("Asia/Shanghai"))


def test_the_demo_kickoff_links_its_request_and_has_its_minutes(db, seeded_demo, client_for):
    with time_machine.travel(WEDNESDAY, tick=False):
        seeded_demo()
    kickoff = Meeting.objects.get(title="智能手表项目-续航优化启动会")
    assert (kickoff.meeting_type.code, kickoff.called_by_type, kickoff.state) == (
        "kickoff",
        "requests.request",
        "closed",
    )
    assert kickoff.minutes.state == "approved"
    clock = Clock.objects.get(subject_type="meetings.meeting", subject_id=kickoff.pk, kind="minutes")
    assert clock.limit_due_at - kickoff.end_at == dt.timedelta(hours=2)
    assert clock.met_at == kickoff.end_at + dt.timedelta(minutes=70)
    with time_machine.travel(WEDNESDAY, tick=False):
        page = client_for("guoxin").get(f"/requests/{kickoff.called_by_id}/").content.decode()
    assert f"{kickoff.number} 智能手表项目-续航优化启动会" in page
