"""POST /api/requests/ takes what the request form takes: the 协作类型 (the archive's name uses it) and the
参与部门及职责 lines, with the same checks; the answer shows both, with each department's signature state."""

import datetime as dt

import time_machine

from xietong.archive.services import archive_name
from xietong.requests.models import Request
from xietong.requests.tests.test_request_flow import at
from xietong.requests.tests.test_request_pages import api_request_body


def test_the_api_sets_the_collaboration_type_and_the_participating_departments(company, client_for):
    guoxin = client_for("guoxin")
    body = api_request_body(
        company,
        criteria=["成本降低≥10%"],
        submit=True,
        collaboration_type="affairs",
        participants="市场部/罗倩：提供表带外观调研数据\n硬件研发部：评估结构强度",
    )
    with time_machine.travel(at("2026-03-02 09:00"), tick=False):
        created = guoxin.post("/api/requests/", body, content_type="application/json")
    assert created.status_code == 201, created.content
    answer = created.json()
    assert (answer["collaboration_type"], answer["collaboration_label"]) == ("affairs", "跨部门事务对接")
    departments = {p["department_id"]: (p["contact_id"], p["duties"], p["state"]) for p in answer["participants"]}
    assert departments == {
        company.department("production").pk: (None, "", "awaiting"),
        company.department("marketing").pk: (company.person("luoqian").pk, "提供表带外观调研数据", "awaiting"),
        company.department("rd-hardware").pk: (None, "评估结构强度", "awaiting"),
    }
    request = Request.objects.get(pk=answer["id"])
    assert archive_name(request, dt.date(2026, 3, 2)) == "跨部门事务对接-智能手表项目-2026-03-02"
    assert guoxin.get(f"/api/requests/{request.pk}").json()["collaboration_label"] == "跨部门事务对接"


def test_the_api_refuses_what_the_form_refuses(company, client_for):
    guoxin = client_for("guoxin")
    with time_machine.travel(at("2026-03-02 09:00"), tick=False):
        wrong_line = guoxin.post(
            "/api/requests/",
            api_request_body(company, criteria=["成本降低≥10%"], participants="市场部 提供数据"),
            content_type="application/json",
        )
        unknown_type = guoxin.post(
            "/api/requests/",
            api_request_body(company, criteria=["成本降低≥10%"], collaboration_type="other"),
            content_type="application/json",
        )
    assert wrong_line.status_code == 400
    assert wrong_line.json()["fields"] == {
        "participants": "第 1 行“市场部 提供数据”格式不对：请写成“部门/对接人：职责”，如“市场部/罗倩：提供用户调研数据”"
    }
    assert unknown_type.status_code == 422
    assert Request.objects.count() == 0
