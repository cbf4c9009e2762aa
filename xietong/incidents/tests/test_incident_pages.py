"""紧急事项 through pages and the API: the header link, the robot link, the live page, permissions, bad input."""

import datetime as dt

import pytest
import time_machine

from xietong.clocks.services import clock_fire_due
from xietong.core.models import AuditEvent
from xietong.incidents.models import ImprovementAction, Incident, IncidentEntry
from xietong.incidents.tests.test_incident_flow import assign, at, report, resolve
from xietong.items.guard import state_writes_allowed
from xietong.notify.models import Notification


def instant(text: str) -> dt.datetime:
    return dt.datetime.fromisoformat(text.replace("Z", "+00:00"))


@pytest.fixture
def incident(company):
    incident = report(company, when="2026-10-01 03:00")
    assign(company, incident, "2026-10-01 03:05")
    return incident


def test_every_page_has_the_report_link(company, client_for):
    for username in ("heyang", "lina", "chenzhiqiang"):
        html = client_for(username).get("/").content.decode()
        assert 'id="report-emergency" href="/incidents/report/"' in html and "上报紧急事项" in html


def test_robot_link_asks_for_login_then_opens_the_prefilled_form(company, client, client_for):
    link = "/incidents/report/?description=官网无法访问&scope=全国用户"
    anonymous = client.get(link)
    assert anonymous.status_code == 302 and anonymous["Location"].startswith("/accounts/login/?next=")
    html = client_for("wangqiang").get(link).content.decode()
    assert "官网无法访问</textarea>" in html and "全国用户</textarea>" in html


def test_report_without_description_shows_the_error_and_saves_nothing(company, client_for):
    page = client_for("wangqiang").post("/incidents/report/", {"description": " ", "scope": "全国用户"})
    assert page.status_code == 200
    assert "请描述发生了什么，例如“官网无法访问，用户反馈量激增”" in page.content.decode()
    assert not Incident.objects.exists() and not Notification.objects.exists()


def test_report_to_a_department_that_does_not_exist(company, client_for):
    page = client_for("wangqiang").post(
        "/incidents/report/", {"description": "官网无法访问", "responsible_department": 999999}
    )
    assert "所选主责部门不存在（可能已被删除），请重新选择" in page.content.decode()
    api = client_for("wangqiang").post(
        "/api/incidents/",
        {"description": "官网无法访问", "responsible_department_id": 999999},
        content_type="application/json",
    )
    assert api.status_code == 400 and api.json()["fields"] == {"responsible_department_id": "部门不存在：#999999"}
    assert not Incident.objects.exists()


def test_report_through_the_form_opens_the_live_page(company, client_for):
    with time_machine.travel(at("2026-10-01 03:00"), tick=False):
        response = client_for("wangqiang").post(
            "/incidents/report/",
            {
                "description": "官网无法访问，用户反馈量激增",
                "scope": "全国用户，约 1000+ 访问/分钟",
                "measures_taken": "重启服务器无效",
            },
        )
        incident = Incident.objects.get()
        assert response.status_code == 302 and response["Location"] == f"/incidents/{incident.pk}/"
        html = client_for("lina").get(response["Location"]).content.decode()
    assert 'id="assign-team"' in html and "全国用户，约 1000+ 访问/分钟" in html
    assert "指定应急小组（10 分钟）：10-01 03:10 · 剩余 10 分钟" in html  # the limit as the policy set it
    assert "依据：《企业内部沟通指南与协作工具》二（二）步骤2「接到上报后10分钟内,在群内明确应急小组分工」" in html


def test_live_page_banner_after_a_missed_status_update(company, client_for, incident):
    with time_machine.travel(at("2026-10-01 03:31"), tick=False):
        clock_fire_due()
        html = client_for("lina").get(f"/incidents/{incident.pk}/").content.decode()
        partial = (
            client_for("lina")
            .get(f"/incidents/{incident.pk}/", headers={"HX-Request": "true", "HX-Target": "live"})
            .content.decode()
        )
    assert "状态更新已超时：应于 03:30 更新处理状态（已超时 1 分钟）" in html
    assert partial.startswith('<div id="live"') and "状态更新已超时" in partial and "<html" not in partial
    assert "排查服务器日志" in partial and "未到位" in partial


def test_update_on_a_resolved_incident_via_page_and_api_saves_nothing(company, client_for, incident):
    resolve(company, incident, "2026-10-01 04:00")
    before = IncidentEntry.objects.count()
    page = client_for("lina").post(f"/incidents/{incident.pk}/updates/", {"kind": "status", "body": "还在观察"})
    assert "不能再更新状态或记录决策" in page.content.decode()
    api = client_for("lina").post(
        f"/api/incidents/{incident.pk}/updates", {"body": "还在观察"}, content_type="application/json"
    )
    assert api.status_code == 409 and "不能再更新状态或记录决策" in api.json()["message"]
    assert IncidentEntry.objects.count() == before


def test_outsider_gets_404_on_every_page_and_endpoint(company, client_for, incident):
    outsider = client_for("fengjing")
    for url in (f"/incidents/{incident.pk}/", f"/api/incidents/{incident.pk}", f"/api/incidents/{incident.pk}/entries"):
        assert outsider.get(url).status_code == 404, url
    for url in (
        f"/incidents/{incident.pk}/team/",
        f"/incidents/{incident.pk}/acknowledge/",
        f"/incidents/{incident.pk}/updates/",
        f"/incidents/{incident.pk}/control/",
        f"/incidents/{incident.pk}/resolve/",
        f"/incidents/{incident.pk}/notice/",
        f"/incidents/{incident.pk}/review/",
        f"/items/incidents.incident/{incident.pk}/comments/",
    ):
        assert outsider.post(url, {"body": "x", "kind": "status"}).status_code == 404, url
    for url in ("team", "acknowledge", "updates", "control", "resolve", "review"):
        response = outsider.post(
            f"/api/incidents/{incident.pk}/{url}", {"members": [], "body": "x"}, content_type="application/json"
        )
        assert response.status_code == 404, url
    assert (
        outsider.put(f"/api/incidents/{incident.pk}/notice", {"text": "x"}, content_type="application/json").status_code
        == 404
    )
    assert incident.number not in outsider.get("/incidents/?scope=all").content.decode()
    assert outsider.get("/api/incidents/").json()["count"] == 0


def test_who_sees_an_incident(company, client_for, incident):
    # Reporter and members, the lead, the department heads above, the division leader, GM, 综合管理部.
    for username in ("wangqiang", "chenjing", "lina", "zhangwei", "wangjianguo", "chenzhiqiang", "sunli"):
        assert client_for(username).get(f"/incidents/{incident.pk}/").status_code == 200, username
    assert client_for("dengli").get(f"/incidents/{incident.pk}/").status_code == 404


def test_the_whole_response_through_the_api(company, client_for):
    wangqiang, lina = client_for("wangqiang"), client_for("lina")
    with time_machine.travel(at("2026-10-01 03:00"), tick=False):
        created = wangqiang.post(
            "/api/incidents/", {"description": "官网无法访问", "scope": "全国用户"}, content_type="application/json"
        )
    assert created.status_code == 201, created.content
    incident = created.json()
    assert instant(incident["next_status_due"]) == at("2026-10-01 03:30")
    pk = incident["id"]
    with time_machine.travel(at("2026-10-01 03:05"), tick=False):
        team = lina.post(
            f"/api/incidents/{pk}/team",
            {"members": [{"person_id": company.person("wangqiang").pk, "duty": "排查服务器日志"}]},
            content_type="application/json",
        )
        assert team.status_code == 200 and team.json()["state"] == "responding"
        assert team.json()["team"][0]["duty"] == "排查服务器日志"
    with time_machine.travel(at("2026-10-01 03:10"), tick=False):
        acked = wangqiang.post(
            f"/api/incidents/{pk}/acknowledge", {"ready_note": "已到位"}, content_type="application/json"
        )
        assert instant(acked.json()["team"][0]["acknowledged_at"]) == at("2026-10-01 03:10")
        posted = wangqiang.post(
            f"/api/incidents/{pk}/updates", {"body": "定位到连接池"}, content_type="application/json"
        )
        assert posted.status_code == 201
        assert instant(lina.get(f"/api/incidents/{pk}").json()["next_status_due"]) == at("2026-10-01 03:40")
    with time_machine.travel(at("2026-10-01 04:20"), tick=False):
        resolved = lina.post(
            f"/api/incidents/{pk}/resolve", {"cause": "连接池溢出", "measures": "扩容"}, content_type="application/json"
        )
        assert resolved.json()["impact_minutes"] == 80 and "连接池溢出" in resolved.json()["customer_notice"]
        published = lina.put(
            f"/api/incidents/{pk}/notice",
            {"text": "尊敬的用户：……", "publish": True, "recipients": ["users@example.com"]},
            content_type="application/json",
        )
        assert instant(published.json()["notice_published_at"]) == at("2026-10-01 04:20")
        again = lina.put(f"/api/incidents/{pk}/notice", {"text": "改"}, content_type="application/json")
        assert again.status_code == 409
    with time_machine.travel(at("2026-10-08 10:00"), tick=False):
        missing = lina.post(f"/api/incidents/{pk}/review", {"summary": "容量评估不足"}, content_type="application/json")
        assert missing.status_code == 400
        assert missing.json()["fields"]["actions"] == "复盘须形成至少一条改进措施（内容、负责人、完成时间）"
        reviewed = lina.post(
            f"/api/incidents/{pk}/review",
            {
                "summary": "容量评估不足",
                "actions": [
                    {"title": "增加容量评估", "owner_id": company.person("chenjing").pk, "due_date": "2026-10-16"}
                ],
            },
            content_type="application/json",
        )
        assert reviewed.status_code == 200 and reviewed.json()[0]["number"] == "GJ-2026-0001"
    action = ImprovementAction.objects.get()
    chenjing = client_for("chenjing")
    assert chenjing.get(f"/incidents/actions/{action.pk}/").status_code == 200
    assert client_for("fengjing").get(f"/incidents/actions/{action.pk}/").status_code == 404
    assert client_for("fengjing").get(f"/api/incidents/actions/{action.pk}").status_code == 404
    # The incident's 改进措施 list links an action only for whom its page opens: 王强 on the team saw
    # GJ-2026-0001 as a link that answered 404.
    linked = {}
    for username in ("lina", "chenjing", "wangqiang", "zhangwei", "liufang", "chenzhiqiang"):
        page = client_for(username).get(f"/incidents/{pk}/")
        if page.status_code != 200:
            continue
        html = page.content.decode()
        assert "GJ-2026-0001" in html, username
        opens = client_for(username).get(f"/incidents/actions/{action.pk}/").status_code == 200
        linked[username] = f'href="/incidents/actions/{action.pk}/"' in html
        assert linked[username] is opens, username
    assert True in linked.values() and False in linked.values(), linked
    with time_machine.travel(at("2026-10-12 10:00"), tick=False):
        done = chenjing.post(f"/incidents/actions/{action.pk}/done/", {"note": "检查单已更新"})
    assert done.status_code == 302 and ImprovementAction.objects.get().state == "done"
    assert AuditEvent.objects.filter(action="improvement.done").count() == 1


def test_the_workbench_lists_an_open_incident_behind_ten_newer_closed_ones(company, client_for):
    from xietong.incidents.workbench import incidents_of

    waiting = report(company, when="2026-10-01 03:00", title="官网无法访问")
    later = [report(company, when=f"2026-10-0{day} 03:00", title=f"已复盘事项{day}") for day in range(2, 8)]
    later += [report(company, when=f"2026-10-{day} 03:00", title=f"已复盘事项{day}") for day in range(12, 16)]
    with state_writes_allowed():  # ten reviewed incidents, without taking each one through its steps
        Incident.objects.filter(pk__in=[i.pk for i in later]).update(state="closed")

    section = incidents_of(company.person("wangqiang"))

    assert [e.title for e in section.entries] == [f"{waiting.number} 官网无法访问"]
    assert section.entries[0].tone == "late"  # the team was not named within 10 minutes


def test_an_improvement_action_through_the_generic_step_routes(company, client_for, incident):
    from django.db import transaction

    from xietong.incidents.services import ActionDraft, incident_review

    resolve(company, incident, "2026-10-01 05:00")
    with time_machine.travel(at("2026-10-09 10:00"), tick=False), transaction.atomic():
        (action,) = incident_review(
            actor=company.person("lina"),
            incident=incident,
            summary="发布前缺少连接池容量评估",
            actions=[ActionDraft("发布检查单增加连接池容量评估", company.person("chenjing"), dt.date(2026, 10, 16))],
        )
    base = f"/api/incidents/actions/{action.pk}"
    chenjing, lina = client_for("chenjing"), client_for("lina")
    assert chenjing.get(f"{base}/actions").json() == [
        {"name": "done", "label": "完成改进措施", "needs_reason": True, "reason_label": "完成情况"}
    ]
    assert lina.get(f"{base}/actions").json() == []  # she sees it (the incident's lead), it is not hers
    assert client_for("fengjing").get(f"{base}/actions").status_code == 404
    refused = lina.post(f"{base}/transitions/done", {"reason": "已完成"}, content_type="application/json")
    assert refused.status_code == 403 and refused.json()["message"] == "只有负责人可以完成改进措施"
    empty = chenjing.post(f"{base}/transitions/done", {"reason": " "}, content_type="application/json")
    assert empty.status_code == 400 and empty.json()["fields"] == {"note": "请填写完成情况"}
    with time_machine.travel(at("2026-10-14 10:00"), tick=False):
        done = chenjing.post(
            f"{base}/transitions/done", {"reason": "检查单 V3 已发布"}, content_type="application/json"
        )
    assert done.status_code == 200 and done.json()["state"] == "done" and done.json()["done_note"] == "检查单 V3 已发布"
    assert instant(done.json()["done_at"]) == at("2026-10-14 10:00")
    assert "【改进措施已完成】GJ-2026-0001 发布检查单增加连接池容量评估" in [
        n.title for n in Notification.objects.filter(inbox__recipient__username="lina")
    ]


def test_the_flashes_name_the_limits_the_policy_sets(company, client_for):
    from django.contrib.messages import get_messages

    from xietong.clocks.models import ClockPolicy

    ClockPolicy.objects.filter(process="emergency", kind="team_ready").update(duration="20m")
    ClockPolicy.objects.filter(process="emergency", kind="review").update(duration="2d")
    incident = report(company, when="2026-10-01 03:00")
    lina = client_for("lina")
    with time_machine.travel(at("2026-10-01 03:05"), tick=False):
        team = lina.post(
            f"/incidents/{incident.pk}/team/", {"member_1": company.person("wangqiang").pk, "duty_1": "排查服务器日志"}
        )
    assert team.status_code == 302
    assert [str(m) for m in get_messages(team.wsgi_request)] == [
        "应急小组分工已发布，成员须在 10月1日 03:25 前（20 分钟内）到位"
    ]
    with time_machine.travel(at("2026-10-01 05:00"), tick=False):
        resolved = lina.post(f"/incidents/{incident.pk}/resolve/", {"cause": "连接池溢出", "measures": "扩容"})
    assert resolved.status_code == 302
    # Two working days in the responsible department's calendar: 10/8 and 10/9 (国庆 does not count).
    assert [str(m) for m in get_messages(resolved.wsgi_request)][-1] == (
        "已宣布问题已解决；用户告知函已起草，请在 10月9日 18:00 前（2 个工作日内）完成复盘"
    )
