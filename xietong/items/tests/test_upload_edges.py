"""The edges of uploads (issue 23): a body over the limit is refused from its Content-Length before a byte of
it is read, and each file is capped while it streams; the content must be what the extension says; images
and PDF are previewed in the page under a sandboxing CSP, everything else only downloads."""

from __future__ import annotations

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import transaction

from xietong.archive.tests.support import docx_bytes, pdf_bytes, upload, xlsx_bytes
from xietong.core.errors import ApplicationError
from xietong.items.models import Attachment
from xietong.items.services import attachment_add
from xietong.requests.tests.test_request_flow import new_request

MB = 1024 * 1024
PNG = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x06\x00\x00\x00\x1f\x15\xc4\x89"


def _declared_huge(client, url: str, **headers):
    """A POST declaring 300 MB whose body is never there: the test client's payload raises if anything tries
    to read past what it holds, so answering proves the body was never read (nor written to disk)."""
    return client.generic(
        "POST",
        url,
        b"",
        content_type="multipart/form-data; boundary=xietong",
        CONTENT_LENGTH=str(300 * MB),
        **headers,
    )


def test_a_page_upload_over_the_limit_is_refused_from_its_content_length_at_the_file_field(company, client_for):
    request = new_request(company)
    c = client_for("guoxin")
    url = f"/items/requests.request/{request.pk}/attachments/"
    answer = _declared_huge(c, url, HTTP_HX_REQUEST="true")
    html = answer.content.decode()
    assert answer.status_code == 200 and answer["HX-Reswap"] == "none"  # the form, and what was typed, stay
    assert 'id="att-file-error"' in html and 'hx-swap-oob="true"' in html
    assert "文件大小 300.0 MB 超过上限 20 MB" in html
    plain = _declared_huge(c, url)  # a form posted without script: the page says why, nothing is read
    assert plain.status_code == 413 and "文件大小 300.0 MB 超过上限 20 MB" in plain.content.decode()
    assert not Attachment.objects.exists()


def test_the_api_answers_a_json_413_for_a_body_over_the_limit_unread(company, client_for):
    answer = _declared_huge(client_for("guoxin"), "/api/requests/")
    assert answer.status_code == 413 and answer["Content-Type"].startswith("application/json")
    assert answer.json() == {"code": "too_large", "message": "文件大小 300.0 MB 超过上限 20 MB", "fields": {}}


def test_a_file_over_the_limit_is_dropped_while_it_streams(company, client_for, settings):
    """Within the Content-Length allowance (the form's other fields) but over the file limit: the file is cut
    off as it streams, never stored, and the refusal shows at the file field."""
    settings.XIETONG_ATTACHMENT_MAX_MB = 1
    settings.FILE_UPLOAD_MAX_MEMORY_SIZE = 64 * 1024  # files go to temporary files on disk past this
    request = new_request(company)
    big = SimpleUploadedFile("续航数据.pdf", b"%PDF-1.4\n" + b"x" * (MB + MB // 2))
    answer = client_for("guoxin").post(
        f"/items/requests.request/{request.pk}/attachments/", {"topic": "续航数据", "file": big}, HTTP_HX_REQUEST="true"
    )
    assert answer.status_code == 200 and answer["HX-Reswap"] == "none"
    assert "文件超过上限 1 MB，未保存；请压缩或拆分后再上传" in answer.content.decode()
    assert not Attachment.objects.exists()


def _attach(company, name: str, content: bytes):
    request = new_request(company)
    with transaction.atomic():
        return attachment_add(actor=company.person("guoxin"), subject=request, upload=SimpleUploadedFile(name, content))


@pytest.mark.parametrize(
    ("name", "content", "refusal"),
    [
        ("续航报告.pdf", b"MZ\x90\x00\x03\x00\x00\x00" + b"\x00" * 64, "文件内容是可执行程序，不允许上传"),
        ("续航报告.pdf", b"<html><script>alert(1)</script>", "文件内容与扩展名“.pdf”不符，请上传真实的.pdf文件"),
        ("需求.docx", b"PK\x03\x04 not really a zip", "文件内容与扩展名“.docx”不符，请上传真实的.docx文件"),
        ("需求.xlsx", docx_bytes("一个 Word 文件"), "文件内容与扩展名“.xlsx”不符，请上传真实的.xlsx文件"),
        ("截图.jpg", PNG, "文件内容与扩展名“.jpg”不符，请上传真实的.jpg文件"),
        ("说明.txt", b"\x7fELF\x02\x01\x01", "文件内容是可执行程序，不允许上传"),
        ("空.pdf", b"", "文件是空的"),
    ],
)
def test_content_that_is_not_what_the_extension_says_is_refused_at_the_file(company, name, content, refusal):
    with pytest.raises(ApplicationError) as refused:
        _attach(company, name, content)
    assert refused.value.fields == {"file": refusal}
    assert not Attachment.objects.exists()


@pytest.mark.parametrize(
    ("name", "content"),
    [
        ("需求.docx", docx_bytes("续航需求")),
        ("统计.xlsx", xlsx_bytes([["续航", "18 天"]])),
        ("汇总.pdf", pdf_bytes("客户需求汇总")),
        ("截图.png", PNG),
        ("照片.jpg", b"\xff\xd8\xff\xe0\x00\x10JFIF"),
        ("说明.txt", "续航说明".encode()),
    ],
)
def test_real_files_are_accepted(company, name, content):
    assert _attach(company, name, content).size == len(content)


def test_images_and_pdf_preview_inline_in_a_sandbox_and_everything_else_downloads(company, client_for):
    request = new_request(company)
    image = upload(company, request, "guoxin", "截图.png", PNG, "2026-09-30 18:00")
    pdf = upload(company, request, "guoxin", "汇总.pdf", pdf_bytes("客户需求汇总"), "2026-09-30 18:00")
    word = upload(company, request, "guoxin", "需求.docx", docx_bytes("续航需求"), "2026-09-30 18:00")
    c = client_for("guoxin")
    for attachment, content_type in ((image, "image/png"), (pdf, "application/pdf")):
        shown = c.get(f"/items/attachments/{attachment.pk}/preview/")
        assert shown.status_code == 200 and shown["Content-Type"] == content_type
        assert shown["Content-Disposition"].startswith("inline; filename*=UTF-8''")
        assert shown["Content-Security-Policy"].startswith("sandbox;")
        assert shown["X-Content-Type-Options"] == "nosniff"
    assert c.get(f"/items/attachments/{word.pk}/preview/").status_code == 404
    download = c.get(f"/items/attachments/{image.pk}/")
    assert download["Content-Disposition"].startswith("attachment; ")
    assert download["Content-Security-Policy"].startswith("sandbox;")
    page = c.get(f"/requests/{request.pk}/").content.decode()
    assert f'src="/items/attachments/{image.pk}/preview/"' in page  # the picture shows in the page
    assert f'href="/items/attachments/{pdf.pk}/preview/"' in page
    assert f'href="/items/attachments/{word.pk}/preview/"' not in page
    outsider = client_for("fengjing")
    assert outsider.get(f"/items/attachments/{image.pk}/preview/").status_code == 404
    assert outsider.get(f"/items/attachments/{pdf.pk}/preview/").status_code == 404
