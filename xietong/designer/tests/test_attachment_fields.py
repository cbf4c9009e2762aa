"""Attachment fields of a designed form: files sent with the start form (and with a re-submission) are stored
as the item's attachments (checked, versioned, audited), named in the item's values, shown on the item page
with their download links — downloaded only by people who see the item; a required field without a file, a
second file for a single field, a refused type or an oversized file is a clear error at the field, with
everything typed kept."""

from __future__ import annotations

import re

import pytest
import time_machine
from django.core.files.uploadedfile import SimpleUploadedFile

from xietong.core.models import AuditEvent
from xietong.designer.models import DesignedItem
from xietong.designer.tests.support import act, expense, publish
from xietong.items.models import Attachment
from xietong.requests.tests.test_request_flow import at

pytestmark = pytest.mark.django_db


def pdf(name="发票1.pdf", size=0):
    return SimpleUploadedFile(name, b"%PDF-1.4 " + b"x" * size, content_type="application/pdf")


def post(company, client_for, who="guoxin", **files):
    data = {
        "title": "10月上海出差报销",
        "project": str(company.project("smartwatch").pk),
        "f_reason": "智能手表渠道拜访",
        "f_kind": "差旅",
        "f_lines-0-date": "2026-10-08",
        "f_lines-0-item": "往返高铁",
        "f_lines-0-amount": "1200",
        "submit": "1",
        **files,
    }
    with time_machine.travel(at("2026-10-09 10:00"), tick=False):
        return client_for(who).post("/p/expense/new/", data)


def field_error(html, name):
    found = re.search(rf'id="{name}".*?<p class="field-error"[^>]*>(.*?)</p>', html, re.S)
    return found.group(1).strip() if found else None


def required_files(company, single=False):
    document = expense()
    for field in document["fields"]:
        if field["key"] == "invoices":
            field["required"] = True
            if single:
                field["type"] = "attachment"
    return publish(company, document)


def test_invoices_sent_with_the_form_are_attached_shown_and_downloaded_by_those_who_see_the_item(company, client_for):
    publish(company)
    response = post(company, client_for, f_invoices=[pdf("发票1.pdf"), pdf("发票2.pdf")])
    assert response.status_code == 302
    item = DesignedItem.objects.get()
    files = list(Attachment.objects.filter(subject_id=item.pk).order_by("pk"))
    assert [a.name for a in files] == ["发票1V1-20261009.pdf", "发票2V1-20261009.pdf"]
    assert item.values["invoices"] == [a.pk for a in files]
    assert AuditEvent.objects.filter(object_id=str(item.pk), action="items.attachment.add").count() == 2
    with time_machine.travel(at("2026-10-09 11:00"), tick=False):
        html = client_for("hujun").get(item.get_absolute_url()).content.decode()
        links = re.findall(r'<a class="field-file" href="([^"]+)">([^<]+)</a>', html)
        assert links == [
            (f"/items/attachments/{files[0].pk}/", "发票1V1-20261009.pdf"),
            (f"/items/attachments/{files[1].pk}/", "发票2V1-20261009.pdf"),
        ]
        download = client_for("hujun").get(links[0][0])
        assert (download.status_code, b"".join(download.streaming_content)) == (200, b"%PDF-1.4 ")
        assert client_for("songtao").get(links[0][0]).status_code == 404  # 销售部 does not see the claim


def test_a_required_attachment_field_without_a_file_is_refused_at_the_field_keeping_what_was_typed(company, client_for):
    required_files(company)
    response = post(company, client_for)
    html = response.content.decode()
    assert response.status_code == 400
    assert field_error(html, "f_invoices") == "请上传“发票”"
    assert "智能手表渠道拜访</textarea>" in html and 'value="往返高铁"' in html
    assert not DesignedItem.objects.exists() and not Attachment.objects.exists()
    assert post(company, client_for, f_invoices=[pdf()]).status_code == 302


def test_a_refused_type_an_oversized_file_and_two_files_for_one_are_errors_at_the_field(company, client_for, settings):
    required_files(company, single=True)
    settings.XIETONG_ATTACHMENT_MAX_MB = 1
    html = post(company, client_for, f_invoices=[pdf("发票.exe")]).content.decode()
    assert field_error(html, "f_invoices").startswith("“发票”：不允许上传“.exe”类型的文件；允许：.pdf")
    html = post(company, client_for, f_invoices=[pdf(size=1024 * 1024)]).content.decode()
    assert field_error(html, "f_invoices") == "“发票”：文件超过上限 1 MB，未保存；请压缩或拆分后再上传"
    html = post(company, client_for, f_invoices=[pdf("a.pdf"), pdf("b.pdf")]).content.decode()
    assert field_error(html, "f_invoices") == "“发票”只能上传一个文件"
    assert not DesignedItem.objects.exists() and not Attachment.objects.exists()


def test_a_file_added_when_submitting_again_after_a_return_joins_the_field(company, client_for):
    publish(company)
    post(company, client_for, f_invoices=[pdf("发票1.pdf")])
    item = DesignedItem.objects.get()
    act(company, "hujun", item, "send_back", "2026-10-09 11:00", reason="缺住宿发票")
    item = DesignedItem.objects.get()
    with time_machine.travel(at("2026-10-09 12:00"), tick=False):
        response = client_for("guoxin").post(
            f"/p/expense/{item.pk}/do/submit/", {"version": str(item.version), "f_invoices": [pdf("住宿发票.pdf")]}
        )
    assert response.status_code == 302
    item = DesignedItem.objects.get()
    assert item.state == "running"
    names = [Attachment.objects.get(pk=pk).name for pk in item.values["invoices"]]
    assert names == ["发票1V1-20261009.pdf", "住宿发票V1-20261009.pdf"]
