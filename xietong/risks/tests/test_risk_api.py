"""Every step the exception and delay pages offer is doable over the API with the same checks: filing the
《异常问题反馈表》 (紧急: answered within 2 hours), naming the 解决责任人 with a time, a new ETA moving the closing
clock, and the 延期申请 refused when filed less than 2 working days ahead. Friday 2026-10-09, before the 调休
Saturday 10/10."""

import time_machine

from xietong.progress.tests.test_progress import running_task
from xietong.requests.tests.test_request_flow import at


def post(client, url, body, when):
    with time_machine.travel(at(when), tick=False):
        return client.post(url, body, content_type="application/json")


def test_an_urgent_exception_over_the_api_resolver_eta_and_clocks(company, client_for):
    task = running_task(company)
    wangqiang, guoxin, heli = client_for("wangqiang"), client_for("guoxin"), client_for("heli")
    body = {
        "task_id": task.pk,
        "discovered_at": "2026-10-09T17:00:00",
        "problem": "第三方推送SDK不支持后台保活",
        "impact": "续航目标可能延后一周",
        "proposal": "与厂商沟通定制版本",
        "severity": "urgent",
    }
    refused = post(wangqiang, "/api/risks/exceptions/", {**body, "severity": "major"}, "2026-10-09 17:30")
    assert refused.status_code == 400
    assert refused.json()["fields"] == {"expected_resolution": "重大问题须填写预计解决时间"}
    created = post(wangqiang, "/api/risks/exceptions/", body, "2026-10-09 17:30")
    assert created.status_code == 201, created.content
    report = created.json()
    # 2 elapsed hours to answer (19:30 that evening); 24 h to close, the 调休 Saturday counting.
    assert (report["respond_due"], report["resolve_due"]) == ("2026-10-09T11:30:00Z", "2026-10-10T09:30:00Z")
    assert (report["severity"], report["late_filing"], report["resolver_id"]) == ("urgent", False, None)

    url = f"/api/risks/exceptions/{report['id']}"
    # The reporter cannot name the resolver; nobody named is refused at its field; the initiator names 何丽.
    assert (
        post(wangqiang, f"{url}/resolver", {"resolver_id": company.person("heli").pk}, "2026-10-09 18:00").status_code
        == 403
    )
    empty = post(guoxin, f"{url}/resolver", {}, "2026-10-09 18:05")
    assert (empty.status_code, empty.json()["fields"]) == (400, {"resolver": "请指定问题解决责任人"})
    named = post(guoxin, f"{url}/resolver", {"resolver_id": company.person("heli").pk}, "2026-10-09 18:10")
    assert named.status_code == 200, named.content
    answer = named.json()
    assert (answer["resolver_id"], answer["responded_at"], answer["respond_due"]) == (
        company.person("heli").pk,
        "2026-10-09T10:10:00Z",
        None,
    )
    # A new ETA moves the closing clock; one in the past is refused.
    past = post(heli, f"{url}/eta", {"expected_resolution": "2026-10-09T08:00:00"}, "2026-10-10 09:00")
    assert past.status_code == 400 and "expected_resolution" in past.json()["fields"]
    moved = post(
        heli, f"{url}/eta", {"expected_resolution": "2026-10-12T12:00:00", "note": "等厂商补丁"}, "2026-10-10 09:00"
    )
    assert moved.status_code == 200, moved.content
    assert (moved.json()["expected_resolution"], moved.json()["resolve_due"]) == (
        "2026-10-12T04:00:00Z",
        "2026-10-12T04:00:00Z",
    )
    outsider = post(
        client_for("yuhai"), f"{url}/eta", {"expected_resolution": "2026-10-12T12:00:00"}, "2026-10-10 09:05"
    )
    assert outsider.status_code == 404


def test_a_delay_request_over_the_api_is_refused_when_filed_too_late(company, client_for):
    task = running_task(company)  # ends Friday 10/16: to be filed by Wednesday 10/14 18:00
    wangqiang = client_for("wangqiang")
    body = {
        "task_id": task.pk,
        "reason": "需求变更导致工作量增加",
        "new_plan": "分两批交付",
        "new_end_date": "2026-10-23",
    }
    late = post(wangqiang, "/api/risks/delays/", body, "2026-10-15 09:00")
    assert late.status_code == 400
    assert list(late.json()["fields"]) == ["new_end_date"]
    filed = post(wangqiang, "/api/risks/delays/", body, "2026-10-13 10:00")
    assert filed.status_code == 201, filed.content
    assert (filed.json()["new_end_date"], filed.json()["late_filing"], filed.json()["state"]) == (
        "2026-10-23",
        False,
        "pending",
    )
