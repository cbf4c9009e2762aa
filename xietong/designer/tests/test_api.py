"""/api/processes/{key}/items/…: start, read, act and batch-approve through JSON, with the pages' rules."""

import json

import time_machine

from xietong.designer.models import DesignedItem
from xietong.designer.tests.support import lines, publish, start
from xietong.requests.tests.test_request_flow import at


def post(client, url, body):
    return client.post(url, json.dumps(body), content_type="application/json")


def test_start_read_approve_over_the_api(company, client_for):
    version = publish(company)
    guoxin = client_for("guoxin")
    body = {
        "title": "10月上海出差报销",
        "project_id": company.project("smartwatch").pk,
        "values": {"reason": "渠道拜访", "kind": "差旅", "lines": lines(1200, 553.5), "total": 1},
    }
    with time_machine.travel(at("2026-10-09 15:00"), tick=False):
        created = post(guoxin, "/api/processes/expense/items", body)
    assert created.status_code == 201, created.content
    data = created.json()
    assert (data["number"], data["state"], data["step"], data["values"]["total"], data["definition_version"]) == (
        "BX-2026-0001",
        "running",
        "manager",
        "1753.50",
        version.n,
    )
    assert [(t["step"], t["person"], t["status"]) for t in data["tasks"]] == [("manager", "胡军", "open")]
    hujun = client_for("hujun")
    actions = hujun.get(f"/api/processes/expense/items/{data['id']}/actions").json()
    assert [a["name"] for a in actions] == ["approve", "reject", "send_back", "transfer", "add_sign"]
    with time_machine.travel(at("2026-10-09 16:00"), tick=False):
        done = post(
            hujun, f"/api/processes/expense/items/{data['id']}/transitions/approve", {"version": data["version"]}
        )
    assert done.status_code == 200, done.content
    assert done.json()["step"] == "finance"
    stale = post(hujun, f"/api/processes/expense/items/{data['id']}/transitions/approve", {"version": data["version"]})
    assert stale.status_code == 409


def test_bad_values_come_back_at_their_field(company, client_for):
    publish(company)
    body = {"title": "报销", "project_id": company.project("smartwatch").pk, "values": {"kind": "旅游", "lines": []}}
    refused = post(client_for("guoxin"), "/api/processes/expense/items", body)
    assert refused.status_code == 400
    assert refused.json()["fields"] == {
        "f_reason": "请填写“报销事由”",
        "f_kind": "“旅游”不是“费用类型”的选项",
        "f_lines": "请在“费用明细”中至少填写一行",
        "f_total": "“合计”不能小于 0.01",
    }
    assert not DesignedItem.objects.exists()


def test_outsiders_get_404_and_an_unknown_process_is_404(company, client_for):
    item = start(company, publish(company))
    fengjing = client_for("fengjing")
    assert fengjing.get(f"/api/processes/expense/items/{item.pk}").status_code == 404
    assert post(fengjing, f"/api/processes/expense/items/{item.pk}/transitions/approve", {}).status_code == 404
    assert fengjing.get("/api/processes/expense/items").json()["items"] == []
    assert client_for("guoxin").get("/api/processes/nothing/items").status_code == 404


def test_batch_approve_from_the_inbox_approves_each_and_reports_each(company, client_for):
    version = publish(company)
    first, second = start(company, version), start(company, version)
    hujun = client_for("hujun")
    waiting = hujun.get("/api/processes/approvals").json()["items"]
    assert [w["number"] for w in waiting] == ["BX-2026-0001", "BX-2026-0002"]
    with time_machine.travel(at("2026-10-09 16:00"), tick=False):
        result = post(hujun, "/api/processes/approvals/batch", {"item_ids": [first.pk, second.pk, 999999]})
    assert result.json() == [
        {"id": first.pk, "ok": True, "message": ""},
        {"id": second.pk, "ok": True, "message": ""},
        {"id": 999999, "ok": False, "message": "未找到该对象，或您无权查看"},
    ]
    assert list(DesignedItem.objects.order_by("pk").values_list("step", flat=True)) == ["finance", "finance"]
