"""Office-file bombs and files that kill the worker (issue 23, issue 18 "heavy work off the write path"): text is
extracted by the worker outside any transaction, within bounds (declared and streamed sizes, defusedxml, a
character cap); each attempt is counted before it starts, and content that failed twice is quarantined — not
tried again, marked on the item's page, the rest of the site unaffected."""

from __future__ import annotations

import io
import zipfile
from unittest import mock

import pytest
import time_machine

from xietong.archive import extract
from xietong.archive.models import DirtySubject, ExtractedText, SearchDocument, TextState
from xietong.archive.tests.support import comment, drain, upload, xlsx_bytes
from xietong.items.models import Comment
from xietong.requests.tests.test_request_flow import at, new_request

WORKBOOK = (
    '<?xml version="1.0" encoding="UTF-8"?><workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"'
    ' xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships">'
    '<sheets><sheet name="Sheet1" sheetId="1" r:id="rId1"/></sheets></workbook>'
)
RELS = (
    '<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
    '<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet"'
    ' Target="worksheets/sheet1.xml"/></Relationships>'
)
SHEET = (
    '<?xml version="1.0" encoding="UTF-8"?><worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
    '<sheetData><row r="1"><c r="A1" t="s"><v>0</v></c></row></sheetData></worksheet>'
)


def bomb_xlsx(megabytes: int) -> bytes:
    """A real .xlsx whose sharedStrings.xml unpacks to `megabytes` MB of one repeated string (a few hundred KB
    packed): the kind that took the worker to 1.85 GB."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED, compresslevel=1) as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        archive.writestr("xl/workbook.xml", WORKBOOK)
        archive.writestr("xl/_rels/workbook.xml.rels", RELS)
        archive.writestr("xl/worksheets/sheet1.xml", SHEET)
        with archive.open("xl/sharedStrings.xml", "w", force_zip64=True) as part:
            part.write(b'<sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">')
            chunk = b"<si><t>" + b"A" * 1000 + b"</t></si>"
            for _ in range(megabytes * 1024 * 1024 // len(chunk)):
                part.write(chunk)
            part.write(b"</sst>")
    return buffer.getvalue()


def test_an_xlsx_bomb_is_refused_and_quarantined_after_two_attempts(company, client_for):
    request = new_request(company)
    data = bomb_xlsx(60)
    assert len(data) < 1024 * 1024  # under a megabyte as uploaded
    bomb = upload(company, request, "guoxin", "统计.xlsx", data, "2026-09-30 18:00")
    assert drain("2026-09-30 18:01") == 2  # refused once, queued again, refused again: then never again
    row = ExtractedText.objects.get(sha256=bomb.sha256)
    assert (row.outcome, row.attempts, row.text) == (TextState.QUARANTINED, 2, "")
    assert "ExtractionRefused" in row.note
    assert not DirtySubject.objects.exists()
    assert drain("2026-09-30 19:00") == 0
    # The item is indexed under the file's name; the site goes on: a comment is written and indexed.
    assert SearchDocument.objects.filter(subject_id=request.pk, title=bomb.name).exists()
    comment(company, request, "guoxin", "统计表已上传", "2026-09-30 19:01")
    assert Comment.objects.count() == 1 and drain("2026-09-30 19:02") == 1
    page = client_for("guoxin").get(f"/requests/{request.pk}/").content.decode()
    assert (
        "已隔离：该文件的文字两次读取失败（可能是损坏或恶意构造的文件），不再重试，也不会被搜索到；文件本身仍可下载。"
        in page
    )


def test_a_high_ratio_is_refused_from_the_headers_and_the_streamed_bytes_are_counted(settings):
    with pytest.raises(extract.ExtractionRefused, match="compression ratio"):
        extract.text_of_bytes("统计.xlsx", bomb_xlsx(20))
    settings.XIETONG_EXTRACT_MAX_RATIO = 10_000  # headers allowed: the bytes really streamed are still counted
    settings.XIETONG_EXTRACT_MAX_UNPACKED_MB = 21
    budget = extract._Budget(5 * 1024 * 1024)
    office = extract._Office(bomb_xlsx(20))
    office.budget = budget
    with pytest.raises(extract.ExtractionRefused, match="over the limit"):
        list(office.records("xl/sharedStrings.xml", "never-a-tag"))


def test_entities_and_doctypes_are_refused():
    xml = (
        '<?xml version="1.0"?><!DOCTYPE sst [<!ENTITY a "AAAAAAAAAA"><!ENTITY b "&a;&a;&a;&a;&a;&a;">]>'
        '<sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><si><t>&b;</t></si></sst>'
    )
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        archive.writestr("xl/workbook.xml", WORKBOOK)
        archive.writestr("xl/sharedStrings.xml", xml)
    with pytest.raises(Exception, match=r"DTD|[Ee]ntit"):
        extract.text_of_bytes("统计.xlsx", buffer.getvalue())


def test_text_stops_at_the_character_cap():
    rows = [[f"第{i}行 " + "续航" * 400] for i in range(400)]  # 320,000 characters in cells
    text = extract.text_of_bytes("统计.xlsx", xlsx_bytes(rows))
    assert extract.MAX_CHARS - 1000 < len(text) <= extract.MAX_CHARS
    assert text.startswith("Sheet\n第0行 续航")


def test_a_worker_killed_in_the_middle_of_an_extraction_is_not_retried_forever(company):
    """Each attempt is counted (committed) before it starts: a worker killed while reading a file leaves the
    count behind. After the lease another worker tries once more; after the second kill the file is
    quarantined without being read a third time."""
    request = new_request(company)
    sheet = upload(company, request, "guoxin", "统计.xlsx", xlsx_bytes([["续航", "18 天"]]), "2026-09-30 18:00")

    class Killed(BaseException):  # what SIGKILL looks like from inside: nothing after it runs
        pass

    with mock.patch("xietong.archive.extract.text_of_bytes", side_effect=Killed) as reading:
        for when in ("2026-09-30 18:01", "2026-09-30 18:07"):  # the second after the 5-minute lease
            with pytest.raises(Killed):
                drain(when)
            row = ExtractedText.objects.get(sha256=sheet.sha256)
            assert row.outcome == TextState.RUNNING
        assert row.attempts == 2 and reading.call_count == 2
        assert drain("2026-09-30 18:13") == 1  # the item is indexed; the file is not read again
        assert reading.call_count == 2
    row = ExtractedText.objects.get(sha256=sheet.sha256)
    assert (row.outcome, row.attempts) == (TextState.QUARANTINED, 2)
    assert drain("2026-09-30 19:00") == 0


def test_extraction_runs_outside_any_transaction(company):
    """The file is read with no transaction open, so no lock is held for anybody else while it is read."""
    from django.db import connection

    request = new_request(company)
    sheet = upload(company, request, "guoxin", "统计.xlsx", xlsx_bytes([["续航", "18 天"]]), "2026-09-30 18:00")
    seen = []
    real = extract.text_of_bytes
    depth = len(connection.atomic_blocks)  # the test's own transaction

    def spy(name, data):
        seen.append(len(connection.atomic_blocks) > depth)
        return real(name, data)

    with mock.patch("xietong.archive.extract.text_of_bytes", side_effect=spy):
        drain("2026-09-30 18:01")
    assert seen == [False]
    assert ExtractedText.objects.get(sha256=sheet.sha256).text == "Sheet\n续航 18 天"
    with time_machine.travel(at("2026-09-30 18:02"), tick=False):
        assert SearchDocument.objects.filter(subject_id=request.pk, body__contains="续航 18 天").exists()
