"""Files of a designed item over the real API (/api/processes/{key}/items/{id}/attachments): 郭鑫 starts a
费用报销 as a draft, uploads an invoice into its 发票 field and submits; 胡军, who approves it, lists and
downloads it and adds a file of his own; 宋涛 of 销售部, who does not see the claim, gets 404 everywhere.
The attachment rules are the pages' (type, content, size); a field's files come from the requester before
(re)submitting only; the routes are in the OpenAPI document."""

from __future__ import annotations

import json

import pytest
import time_machine
from django.core.files.uploadedfile import SimpleUploadedFile

from xietong.core.models import AuditEvent
from xietong.designer.models import DesignedItem
from xietong.designer.tests.support import lines, publish
from xietong.requests.tests.test_request_flow import at

pytestmark = pytest.mark.django_db
PDF = b"%PDF-1.4 invoice 1753.50"


def pdf(name="发票1.pdf", body=PDF):
    return SimpleUploadedFile(name, body, content_type="application/pdf")


def draft(company, client_for) -> tuple[dict, str]:
    publish(company)
    body = {
        "title": "10月上海出差报销",
        "project_id": company.project("smartwatch").pk,
        "values": {"reason": "渠道拜访", "kind": "差旅", "lines": lines(1200, 553.5)},
        "submit": False,
    }
    with time_machine.travel(at("2026-10-09 10:00"), tick=False):
        created = client_for("guoxin").post(
            "/api/processes/expense/items", json.dumps(body), content_type="application/json"
        )
    assert created.status_code == 201, created.content
    data = created.json()
    return data, f"/api/processes/expense/items/{data['id']}/attachments"


def test_the_requester_uploads_into_a_field_and_the_approver_downloads(company, client_for):
    data, url = draft(company, client_for)
    guoxin = client_for("guoxin")
    with time_machine.travel(at("2026-10-09 10:05"), tick=False):
        sent = guoxin.post(url, {"file": pdf(), "field": "invoices"})
    assert sent.status_code == 201, sent.content
    invoice = sent.json()
    assert (invoice["name"], invoice["original_name"], invoice["field"], invoice["size"]) == (
        "发票1V1-20261009.pdf",
        "发票1.pdf",
        "invoices",
        len(PDF),
    )
    assert DesignedItem.objects.get().values["invoices"] == [invoice["id"]]
    with time_machine.travel(at("2026-10-09 10:10"), tick=False):
        submitted = guoxin.post(
            f"/api/processes/expense/items/{data['id']}/transitions/submit",
            json.dumps({"version": DesignedItem.objects.get().version}),
            content_type="application/json",
        )
    assert submitted.status_code == 200, submitted.content
    assert (submitted.json()["state"], submitted.json()["step"]) == ("running", "manager")

    hujun = client_for("hujun")
    assert [(a["name"], a["field"]) for a in hujun.get(url).json()] == [("发票1V1-20261009.pdf", "invoices")]
    with time_machine.travel(at("2026-10-09 11:00"), tick=False):
        got = hujun.get(f"{url}/{invoice['id']}")
    assert got.status_code == 200
    assert b"".join(got.streaming_content) == PDF
    assert got["Content-Disposition"] == "attachment; filename*=UTF-8''%E5%8F%91%E7%A5%A81V1-20261009.pdf"
    assert got["X-Content-Type-Options"] == "nosniff"
    assert AuditEvent.objects.filter(action="items.attachment.download", actor=company.person("hujun")).count() == 1

    # The approver adds a file of the item's own (not a field's); a field's files are the requester's only.
    with time_machine.travel(at("2026-10-09 11:05"), tick=False):
        note = hujun.post(url, {"file": pdf("审核意见.pdf"), "topic": "审核意见"})
        into_field = hujun.post(url, {"file": pdf("发票2.pdf"), "field": "invoices"})
        late = guoxin.post(url, {"file": pdf("发票2.pdf"), "field": "invoices"})
    assert note.status_code == 201, note.content
    assert (note.json()["name"], note.json()["field"]) == ("审核意见V1-20261009.pdf", None)
    assert (into_field.status_code, into_field.json()["message"]) == (400, "只有发起人可以补充附件")
    assert (late.status_code, late.json()["message"]) == (400, "附件字段只能在提交前（草稿或退回后）补充")
    assert DesignedItem.objects.get().values["invoices"] == [invoice["id"]]


def test_outsiders_get_404_for_the_list_the_upload_and_the_download(company, client_for):
    _data, url = draft(company, client_for)
    invoice = client_for("guoxin").post(url, {"file": pdf(), "field": "invoices"}).json()
    songtao = client_for("songtao")  # 销售部: does not see the claim
    assert songtao.get(url).status_code == 404
    assert songtao.get(f"{url}/{invoice['id']}").status_code == 404
    assert songtao.post(url, {"file": pdf("x.pdf")}).status_code == 404
    assert client_for("guoxin").get(f"{url}/999999").status_code == 404
    assert len(client_for("guoxin").get(url).json()) == 1


def test_the_attachment_rules_refuse_type_content_and_size_at_the_field(company, client_for, settings):
    _data, url = draft(company, client_for)
    guoxin = client_for("guoxin")
    exe = guoxin.post(url, {"file": SimpleUploadedFile("发票.exe", b"MZ\x90\x00"), "field": "invoices"})
    assert exe.status_code == 400
    assert exe.json()["fields"]["f_invoices"].startswith("“发票”：不允许上传“.exe”类型的文件")
    fake = guoxin.post(url, {"file": pdf("发票.pdf", b"MZ\x90\x00 not a pdf"), "field": "invoices"})
    assert fake.status_code == 400 and "f_invoices" in fake.json()["fields"]
    unknown = guoxin.post(url, {"file": pdf(), "field": "reason"})
    assert (unknown.status_code, unknown.json()["fields"]) == (400, {"field": "“reason”不是此流程的附件字段"})
    settings.XIETONG_ATTACHMENT_MAX_MB = 1
    big = guoxin.post(url, {"file": pdf("大.pdf", b"%PDF-1.4 " + b"x" * (3 * 1024 * 1024)), "field": "invoices"})
    assert (big.status_code, big.json()["code"]) == (413, "too_large")
    assert DesignedItem.objects.get().values.get("invoices") in (None, [])


def test_the_file_routes_are_in_the_openapi_document(company, client_for):
    paths = client_for("guoxin").get("/api/openapi.json").json()["paths"]
    files = paths["/api/processes/{key}/items/{designed_id}/attachments"]
    assert set(files) == {"get", "post"}
    assert "multipart/form-data" in files["post"]["requestBody"]["content"]
    download = paths["/api/processes/{key}/items/{designed_id}/attachments/{attachment_id}"]["get"]
    assert "application/octet-stream" in download["responses"]["200"]["content"]
