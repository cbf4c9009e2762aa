"""The emergency's newer steps over the API with the page's checks and clocks (《内部沟通与协调工作机制》三（三））:
the 1-hour 紧急事项报告, the 2-hour 应急方案 and the 4-hourly report to the 分管领导, each with its due time in
the answer; the 用户告知函 is sent to the addresses given and where it went recorded. On 国庆 2026: emergency
clocks never wait for working hours."""

import time_machine

from xietong.core.models import AuditEvent
from xietong.incidents.tests.test_incident_flow import assign, at, report, resolve


def post(client, url, body, when, method="post"):
    with time_machine.travel(at(when), tick=False):
        return getattr(client, method)(url, body, content_type="application/json")


def test_the_written_report_the_plan_and_the_leader_reports_over_the_api(company, client_for):
    incident = report(company, when="2026-10-01 03:00", lead=None)  # the 分管领导 王建国 leads
    url = f"/api/incidents/{incident.pk}"
    wangqiang, leader = client_for("wangqiang"), client_for("wangjianguo")
    with time_machine.travel(at("2026-10-01 03:01"), tick=False):
        shown = wangqiang.get(url).json()
    assert (shown["written_report_due"], shown["plan_due"], shown["leader_report_due"]) == (
        "2026-09-30T20:00:00Z",  # 04:00 in Beijing: 1 hour
        "2026-09-30T21:00:00Z",  # 05:00: 2 hours
        "2026-09-30T23:00:00Z",  # 07:00: every 4 hours until controlled
    )

    empty = post(wangqiang, f"{url}/written-report", {"report": " "}, "2026-10-01 03:40")
    assert (empty.status_code, empty.json()["fields"]) == (
        400,
        {"report": "请填写紧急事项报告，例如“问题类型、影响程度、初步应对措施”"},
    )
    filed = post(
        wangqiang, f"{url}/written-report", {"report": "官网 502：会话模块连接泄漏；全国用户受影响"}, "2026-10-01 03:40"
    )
    assert filed.status_code == 200, filed.content
    assert (filed.json()["detailed_report_at"], filed.json()["written_report_due"]) == ("2026-09-30T19:40:00Z", None)

    # Only those who steer the response make the plan.
    assert post(wangqiang, f"{url}/plan", {"plan": "回滚"}, "2026-10-01 04:00").status_code == 403
    planned = post(leader, f"{url}/plan", {"plan": "技术组回滚发布；客服组统一口径"}, "2026-10-01 04:50")
    assert planned.status_code == 200, planned.content
    assert (planned.json()["emergency_plan"], planned.json()["plan_due"]) == ("技术组回滚发布；客服组统一口径", None)

    assign(company, incident, "2026-10-01 05:00", actor="wangjianguo")
    told = post(wangqiang, f"{url}/leader-report", {"body": "已回滚发布，访问恢复 80%"}, "2026-10-01 06:30")
    assert told.status_code == 200, told.content
    assert told.json()["leader_report_due"] == "2026-10-01T02:30:00Z"  # 10:30: four hours on
    assert post(client_for("yuhai"), f"{url}/leader-report", {"body": "x"}, "2026-10-01 06:40").status_code == 404
    assert list(
        AuditEvent.objects.filter(object_id=str(incident.pk), action__startswith="incident.")
        .filter(action__in=["incident.written_report", "incident.plan", "incident.leader_report"])
        .values_list("action", "actor__username")
        .order_by("id")
    ) == [
        ("incident.written_report", "wangqiang"),
        ("incident.plan", "wangjianguo"),
        ("incident.leader_report", "wangqiang"),
    ]


def test_the_customer_notice_is_sent_over_the_api_to_the_addresses_given(company, client_for):
    incident = report(company, when="2026-10-01 03:00", lead=company.person("lina"))
    assign(company, incident, "2026-10-01 03:05")
    resolve(company, incident, "2026-10-01 04:20")
    url = f"/api/incidents/{incident.pk}/notice"
    lina = client_for("lina")
    wrong = post(
        lina, url, {"text": "尊敬的用户：……", "publish": True, "recipients": ["不是邮箱"]}, "2026-10-01 04:30", "put"
    )
    assert (wrong.status_code, wrong.json()["fields"]) == (400, {"recipients": "邮箱地址有误：不是邮箱"})
    sent = post(
        lina,
        url,
        {"text": "尊敬的用户：官网已恢复访问。", "publish": True, "recipients": ["users@example.com"]},
        "2026-10-01 04:30",
        "put",
    )
    assert sent.status_code == 200, sent.content
    assert (sent.json()["notice_published_at"], sent.json()["notice_sent_to"]) == (
        "2026-09-30T20:30:00Z",
        "users@example.com",
    )
