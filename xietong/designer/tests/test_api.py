"""/api/processes/{key}/items/…: start, read, act and batch-approve through JSON, with the pages' rules."""

import json

import time_machine

from xietong.designer.models import DesignedItem
from xietong.designer.tests.support import expense, lines, publish, start
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
        # not "“合计”不能小于 0.01" too: the total is computed from what is refused above
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


def test_the_inbox_page_approves_several_at_once(company, client_for):
    version = publish(company)
    first, second = start(company, version), start(company, version)
    hujun = client_for("hujun")
    page = hujun.get("/approvals/")
    assert (
        page.status_code == 200 and "BX-2026-0001" in page.content.decode() and "BX-2026-0002" in page.content.decode()
    )
    with time_machine.travel(at("2026-10-09 16:00"), tick=False):
        hujun.post("/approvals/", {"item": [first.pk, second.pk], "reason": "同意"})
    assert list(DesignedItem.objects.order_by("pk").values_list("step", flat=True)) == ["finance", "finance"]
    shown = hujun.get("/approvals/").content.decode()  # the flash names them once, the list is empty
    assert "已同意：BX-2026-0001、BX-2026-0002" in shown and "没有待您审批的事项。" in shown


def test_the_inbox_page_says_what_is_wrong_and_when_each_approval_is_due(company, client_for):
    """批量同意 with nothing ticked did nothing and said nothing (the opinion typed was lost); an item refused was
    named by its database id (「2：…」); and nothing said which approval had run out of time."""
    version = publish(company)
    first, second = start(company, version), start(company, version, when="2026-10-09 16:00")
    hujun = client_for("hujun")
    with time_machine.travel(at("2026-10-12 10:00"), tick=False):
        page = hujun.get("/approvals/").content.decode()
        # One working day each from Friday 15:00 / 16:00: the 调休 Saturday, both run out by Monday 10:00.
        assert "10-10 15:00" in page and "10-10 16:00" in page and page.count("已超时</span>") == 2
        nothing = hujun.post("/approvals/", {"reason": "同意，注意发票抬头"})
        assert nothing.status_code == 400
        assert "请先勾选要同意的事项" in nothing.content.decode()
        assert ">同意，注意发票抬头</textarea>" in nothing.content.decode()
        hujun.post("/approvals/", {"item": [first.pk]})
        again = hujun.post("/approvals/", {"item": [first.pk]}, follow=True).content.decode()
    assert "BX-2026-0001：您不能对此事项执行“同意”" in again and f">{first.pk}：" not in again
    assert DesignedItem.objects.get(pk=second.pk).step == "manager"


def test_the_list_and_one_item_export_to_excel_following_the_form(company, client_for):
    import io

    from openpyxl import load_workbook

    item = start(company, publish(company))
    guoxin = client_for("guoxin")
    listed = load_workbook(io.BytesIO(guoxin.get("/p/expense/?export=xlsx").content)).active
    assert [c.value for c in listed[1]] == [
        "编号",
        "主题",
        "发起人",
        "发起时间",
        "状态",
        "版本",
        "报销事由",
        "费用类型",
        "合计",
        "收款人",
        "发票",
    ]
    assert [*[c.value for c in listed[2]][:3], listed[2][4].value, listed[2][8].value] == [
        "BX-2026-0001",
        "10月上海出差报销",
        "郭鑫",
        "审批中",
        "¥1,753.50",
    ]
    sheet = load_workbook(io.BytesIO(guoxin.get(f"/p/expense/{item.pk}/?export=xlsx").content)).active
    rows = [[c for c in row if c is not None] for row in sheet.iter_rows(values_only=True)]
    assert ["费用明细"] in rows and ["日期", "项目", "金额"] in rows and ["2026-10-09", "费用1", "¥1,200.00"] in rows
    assert ["合计", "¥1,753.50"] in rows
    assert client_for("fengjing").get(f"/p/expense/{item.pk}/?export=xlsx").status_code == 404


def test_a_process_named_with_a_slash_exports_under_a_sheet_name_excel_accepts(company, client_for):
    """请假/外出: Excel refuses / in a sheet's name, and the list's export answered 500."""
    import io

    from openpyxl import load_workbook

    document = expense()
    document["name"] = "报销/借款：差旅[2026]"
    start(company, publish(company, document))
    answer = client_for("guoxin").get("/p/expense/?export=xlsx")
    assert answer.status_code == 200
    assert load_workbook(io.BytesIO(answer.content)).active.title == "报销／借款：差旅【2026】"
