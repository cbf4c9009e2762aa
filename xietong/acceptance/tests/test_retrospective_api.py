"""项目复盘 over the API (002 二（一）步骤4「项目上线后3个工作日内,项目经理组织复盘会……输出《项目复盘报告》」): POST
/api/requests/{id}/go-live and POST /api/retrospectives/{id}/file make the checks the request's page makes, answer
each refusal with its field and a Chinese message, and an outsider gets 404."""

import time_machine

from xietong.acceptance.models import Retrospective
from xietong.acceptance.tests.test_result_confirmation import completed  # noqa: F401
from xietong.org.models import Project
from xietong.requests.tests.test_request_flow import at

LESSONS = "需求变更流程需优化；跨部门沟通频次不足，改为每周三站会同步"


def test_go_live_and_file_the_report_over_the_api(company, completed, client_for):  # noqa: F811
    request = completed
    Project.objects.filter(code="smartwatch").update(lead=company.person("huangmin"))
    lina, huangmin = client_for("lina"), client_for("huangmin")
    url = f"/api/requests/{request.pk}/go-live"
    with time_machine.travel(at("2026-09-30 15:00"), tick=False):
        assert client_for("heyang").post(url, {}, content_type="application/json").status_code == 404
        refused = client_for("gaofeng").post(url, {}, content_type="application/json")
        assert (refused.status_code, refused.json()["message"]) == (403, "上线由需求双方或项目经理记录")
        refused = lina.post(url, {"went_live_at": "2026-09-30T16:00:00"}, content_type="application/json")
        assert (refused.status_code, refused.json()["fields"]) == (400, {"went_live_at": "上线时间不能晚于现在"})
        assert not Retrospective.objects.filter(request=request).exists()

        answer = lina.post(url, {"went_live_at": "2026-09-30T14:30:00"}, content_type="application/json")
        assert answer.status_code == 201
        body = answer.json()
        assert (body["request_id"], body["manager"], body["went_live_at"], body["state"], body["filed_at"]) == (
            request.pk,
            "黄敏",
            "2026-09-30T14:30:00+08:00",
            "due",
            None,
        )
        again = lina.post(url, {}, content_type="application/json")
        assert (again.status_code, again.json()["message"]) == (409, "这份需求已记录上线")

    item = body["id"]
    clocks = huangmin.get(f"/api/retrospectives/{item}/clocks").json()
    assert [(c["limit"], c["due_at"], c["clause"]) for c in clocks if c["limit"] == "retrospective"][:1] == [
        ("retrospective", "2026-10-10T06:30:00Z", "二（一）步骤4")  # 10/10 14:30, the 调休 Saturday
    ]
    file_url = f"/api/retrospectives/{item}/file"
    assert client_for("heyang").post(file_url, {"report": LESSONS}, content_type="application/json").status_code == 404
    assert client_for("heyang").get(f"/api/retrospectives/{item}").status_code == 404
    with time_machine.travel(at("2026-10-09 10:00"), tick=False):
        refused = client_for("guoxin").post(file_url, {"report": LESSONS}, content_type="application/json")
        assert (refused.status_code, refused.json()["message"]) == (403, "只有项目经理 黄敏 可以提交复盘报告")
        refused = huangmin.post(file_url, {"report": " "}, content_type="application/json")
        assert (refused.status_code, refused.json()["fields"]) == (
            400,
            {"report": "请写明复盘总结的经验教训，如“需求变更流程需优化”"},
        )
        answer = huangmin.post(file_url, {"report": LESSONS}, content_type="application/json")
    assert answer.status_code == 200
    assert (answer.json()["state"], answer.json()["report"], answer.json()["filed_at"]) == (
        "filed",
        LESSONS,
        "2026-10-09T10:00:00+08:00",
    )
    assert lina.get(f"/api/retrospectives/{item}").json()["state"] == "filed"
