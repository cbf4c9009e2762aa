"""Making items, documents and sweeps for the archive and search tests."""

from __future__ import annotations

import io
import zipfile

import time_machine
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import transaction

from xietong.archive.indexing import index_sweep
from xietong.items.services import attachment_add, comment_add
from xietong.requests.models import Request
from xietong.requests.tests.test_request_flow import act, at, new_request


def drain(when: str) -> int:
    """Run the index sweep until the queue is empty, as the worker would."""
    handled = 0
    with time_machine.travel(at(when), tick=False):
        while True:
            done = index_sweep(50)
            handled += done
            if done == 0:
                return handled


def request_in(company, project: str, when: str, **fields) -> Request:
    """A submitted request in `project` (an actor who is a member of it)."""
    actor = {"smartwatch": "guoxin", "q4-iteration": "linxue", "service-response": "dengli"}[project]
    receiver = {"smartwatch": "lina", "q4-iteration": "lina", "service-response": "lina"}[project]
    fields.setdefault("receiving_department", company.department("rd-software"))
    return new_request(
        company,
        when=when,
        actor=actor,
        project=company.project(project),
        receiver=company.person(receiver),
        **fields,
    )


def comment(company, subject, username: str, body: str, when: str):
    with time_machine.travel(at(when), tick=False), transaction.atomic():
        return comment_add(actor=company.person(username), subject=subject, body=body)


def upload(company, subject, username: str, name: str, content: bytes, when: str, topic: str = ""):
    with time_machine.travel(at(when), tick=False), transaction.atomic():
        return attachment_add(
            actor=company.person(username), subject=subject, upload=SimpleUploadedFile(name, content), topic=topic
        )


def withdraw(company, request: Request, when: str, username: str | None = None) -> Request:
    who = username or request.created_by.username
    return act(company, Request.objects.get(pk=request.pk), who, "withdraw", when, reason="需求取消")


def docx_bytes(*paragraphs: str) -> bytes:
    body = "".join(f"<w:p><w:r><w:t>{p}</w:t></w:r></w:p>" for p in paragraphs)
    xml = (
        '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
        '<w:document xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main">'
        f"<w:body>{body}</w:body></w:document>"
    )
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        archive.writestr("word/document.xml", xml)
    return buffer.getvalue()


def xlsx_bytes(rows: list[list[str]]) -> bytes:
    from openpyxl import Workbook

    wb = Workbook()
    for row in rows:
        wb.active.append(row)
    buffer = io.BytesIO()
    wb.save(buffer)
    return buffer.getvalue()


def pdf_bytes(text: str) -> bytes:
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.cidfonts import UnicodeCIDFont
    from reportlab.pdfgen import canvas

    pdfmetrics.registerFont(UnicodeCIDFont("STSong-Light"))
    buffer = io.BytesIO()
    page = canvas.Canvas(buffer)
    page.setFont("STSong-Light", 12)
    page.drawString(50, 700, text)
    page.save()
    return buffer.getvalue()
