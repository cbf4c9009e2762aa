"""A time without an offset on POST /api/incidents/ is local time, not a 500 (issue 23)."""

import time_machine

from xietong.incidents.models import Incident
from xietong.requests.tests.test_request_flow import at


def test_a_naive_occurred_at_is_read_in_the_installations_time_zone(company, client_for):
    api = client_for("wangqiang")
    with time_machine.travel(at("2026-10-01 10:30"), tick=False):
        response = api.post(
            "/api/incidents/",
            {"description": "官网无法访问", "occurred_at": "2026-10-01T10:05:00"},
            content_type="application/json",
        )
        assert response.status_code == 201, response.content
        assert Incident.objects.get().occurred_at == at("2026-10-01 10:05")
        later = api.post(
            "/api/incidents/",
            {"description": "官网无法访问", "occurred_at": "2026-10-01T12:00:00"},
            content_type="application/json",
        )
    assert later.status_code == 400 and later.json()["fields"] == {"occurred_at": "发生时间不能晚于现在"}
    assert Incident.objects.count() == 1
