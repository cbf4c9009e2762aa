"""A deliverable's declared steps over JSON: the submitter starts the rework the acceptor asked for; the
deliverable's V-number is not an edit counter; outsiders get 404."""

import time_machine

from xietong.acceptance.tests.test_acceptance import judge, submit
from xietong.requests.models import Request
from xietong.requests.tests.test_request_flow import _published_task, at


def test_the_submitter_starts_the_rework_over_the_api(company, client_for):
    request, _breakdown, _task = _published_task(company)
    request = Request.objects.get(pk=request.pk)
    deliverable = submit(company, request, when="2026-03-05 10:00")
    first, second = request.criteria.order_by("position")
    judge(
        company,
        deliverable,
        "rework",
        {first.pk: (True, ""), second.pk: (False, "缺数据")},
        "2026-03-06 10:00",
        reason="补充",
    )
    lina, guoxin = client_for("lina"), client_for("guoxin")
    assert [a["name"] for a in lina.get(f"/api/deliverables/{deliverable.pk}/actions").json()] == [
        "start_rework",
        "resubmit",
    ]
    assert guoxin.get(f"/api/deliverables/{deliverable.pk}/actions").json() == []
    refused = guoxin.post(
        f"/api/deliverables/{deliverable.pk}/transitions/start_rework", {}, content_type="application/json"
    )
    assert (refused.status_code, refused.json()["message"]) == (403, "只有交付人可以启动整改")
    with time_machine.travel(at("2026-03-06 15:00"), tick=False):
        started = lina.post(
            f"/api/deliverables/{deliverable.pk}/transitions/start_rework", {}, content_type="application/json"
        )
    assert (started.status_code, started.json()["state"], started.json()["version"]) == (200, "reworking", 1)
    assert client_for("fengjing").get(f"/api/deliverables/{deliverable.pk}").status_code == 404
