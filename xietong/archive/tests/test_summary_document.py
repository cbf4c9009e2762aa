"""The 协作总结报告 is an archive document (000 二（五）: every document of a collaboration, 协作总结报告 included, is
filed under 类型-项目名称-日期 and kept at least 2 years): when the feedback round closes (the request may
be archived already and read-only), the worker files the report as a record of its own — named, retained, found by
search as one of the request's documents, and seen only by those who may see the request."""

import pytest
import time_machine
from django.db import transaction
from django.utils import translation

from xietong.archive.models import ArchiveRecord, RetentionPolicy
from xietong.archive.search import search
from xietong.archive.tests.support import drain
from xietong.core.models import AuditEvent
from xietong.feedback.services import feedback_close
from xietong.feedback.tests.test_feedback import answer, completed  # noqa: F401  (completed: a fixture)
from xietong.requests.tests.test_request_flow import at


@pytest.fixture
def filed(company, completed):  # noqa: F811
    drain("2026-03-10 11:05")  # what acceptance changed is indexed (and archived once closed)
    answer(company, completed, "lina", (5, 4, 3), suggestion="验收标准应在需求阶段量化")
    with translation.override("zh-hans"), time_machine.travel(at("2026-03-16 12:00"), tick=False), transaction.atomic():
        feedback_close(actor=company.person("guoxin"), request=completed)
    drain("2026-03-16 12:05")
    return completed


def test_the_summary_is_filed_as_its_own_document_named_and_retained(company, filed):
    record = ArchiveRecord.objects.get(subject_type="feedback.summary", subject_id=filed.pk)
    assert record.name == "协作总结报告-智能手表项目-2026-03-16"
    assert (record.type_label, record.number) == ("协作总结报告", filed.number)
    assert record.retention_until.isoformat() == "2028-03-16"  # 2 years from filing
    form = dict(record.manifest["form"])
    assert form["需求"] == f"{filed.number} {filed.title}"
    assert form["沟通效率"] == 5.0 and form["分工合理性"] == 4.0 and form["问题解决及时性"] == 3.0
    assert form["改进建议（李娜）"] == "验收标准应在需求阶段量化"
    events = AuditEvent.objects.filter(action="archive.file", object_id=str(filed.pk)).order_by("id")
    assert [e.after["name"] for e in events][-1] == "协作总结报告-智能手表项目-2026-03-16"
    drain("2026-03-17 09:00")
    assert ArchiveRecord.objects.filter(subject_type="feedback.summary").count() == 1  # once


def test_a_longer_retention_for_summaries(company, completed):  # noqa: F811
    RetentionPolicy.objects.create(subject_type="feedback.summary", label="", years=5)
    drain("2026-03-10 11:05")
    with translation.override("zh-hans"), time_machine.travel(at("2026-03-16 12:00"), tick=False), transaction.atomic():
        feedback_close(actor=company.person("guoxin"), request=completed)
    drain("2026-03-16 12:05")
    record = ArchiveRecord.objects.get(subject_type="feedback.summary", subject_id=completed.pk)
    assert record.retention_until.isoformat() == "2031-03-16"


def test_the_summary_is_searchable_and_permission_checked(company, client_for, filed):
    record = ArchiveRecord.objects.get(subject_type="feedback.summary", subject_id=filed.pk)
    found = search(company.person("guoxin"), "量化")
    assert [(h.document.kind, h.document.title) for h in found.hits if h.document.kind == "document"] == [
        ("document", "协作总结报告-智能手表项目-2026-03-16")
    ]
    assert not search(company.person("fengjing"), "量化").hits
    member = client_for("guoxin")
    assert "协作总结报告-智能手表项目-2026-03-16" in member.get("/archive/").content.decode()
    detail = member.get(f"/archive/{record.pk}/").content.decode()
    assert "2028-03-16" in detail and "验收标准应在需求阶段量化" in detail
    outsider = client_for("fengjing")
    assert outsider.get(f"/archive/{record.pk}/").status_code == 404
    assert record.name not in outsider.get("/archive/").content.decode()
