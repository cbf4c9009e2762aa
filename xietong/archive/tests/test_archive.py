"""Archive (归档): a closed item is filed as "类型-项目名称-日期" with its form, discussion and every
attachment version; kept at least 2 years from archiving; deletion before then is refused with the
date it becomes allowed; a legal hold blocks deletion; every deletion is audited; archived items are
read-only; pages and downloads go through the permission filter and are audited."""

import datetime as dt
import io
import zipfile
from pathlib import Path

import pytest
import time_machine
from django.core.exceptions import ValidationError
from django.core.management import call_command
from django.db import IntegrityError, transaction

from xietong.archive.models import ArchiveRecord, DirtySubject, RetentionPolicy, SearchDocument
from xietong.archive.services import add_years, archive_delete, archive_hold, archive_release
from xietong.archive.tests.support import comment, drain, request_in, upload, withdraw
from xietong.core.errors import ApplicationError, Forbidden, InvalidState, NotFound
from xietong.core.models import AuditEvent
from xietong.items.models import Attachment, Comment
from xietong.requests.tests.test_request_flow import at


@pytest.fixture
def closed(company):
    """Submitted 05-18, a comment and two versions of 需求说明书, withdrawn (closed) 05-20 10:00."""
    request = request_in(company, "smartwatch", "2026-05-18 09:00", title="智能手表项目-续航优化需求")
    comment(company, request, "lina", "请补充功耗测试数据", "2026-05-18 10:00")
    upload(company, request, "guoxin", "spec.txt", "续航需求第一版".encode(), "2026-05-18 11:00", topic="需求说明书")
    upload(company, request, "guoxin", "spec.txt", "续航需求第二版".encode(), "2026-05-19 11:00", topic="需求说明书")
    withdraw(company, request, "2026-05-20 10:00")
    drain("2026-05-20 10:05")
    return request


def deletion(company, record, username, when, reason="超过保存期限"):
    with time_machine.travel(at(when), tick=False), transaction.atomic():
        return archive_delete(actor=company.person(username), record_id=record.pk, reason=reason)


def test_closing_files_the_item_under_type_project_date_with_every_version(closed):
    record = ArchiveRecord.objects.get(subject_type="requests.request", subject_id=closed.pk)
    assert record.name == "需求协作-智能手表项目-2026-05-20"
    assert record.retention_until.isoformat() == "2028-05-20"  # 2 years from archiving (05-20)
    assert [a["name"] for a in record.manifest["attachments"]] == [
        "需求说明书V1-20260518.txt",
        "需求说明书V2-20260519.txt",
    ]
    assert [c["body"] for c in record.manifest["comments"]] == ["请补充功耗测试数据"]
    form = dict(record.manifest["form"])
    assert form["主题"] == "智能手表项目-续航优化需求" and form["状态"] == "已撤回"
    assert [c["form"] for c in record.manifest["children"] if c["type"] == "验收标准"] == [
        [["验收标准", "待机续航≥5天"]],
        [["验收标准", "功耗测试报告通过评审"]],
    ]
    event = AuditEvent.objects.get(action="archive.file")
    assert event.object_id == str(closed.pk) and event.after["name"] == record.name
    assert not DirtySubject.objects.exists()  # the sweep's own audit event did not leave work behind


def test_open_items_are_not_archived(company):
    request = request_in(company, "smartwatch", "2026-05-18 09:00")
    drain("2026-05-18 09:05")
    assert not ArchiveRecord.objects.filter(subject_id=request.pk).exists()
    assert SearchDocument.objects.filter(subject_id=request.pk, kind="item").get().status == "open"


def test_deletion_before_the_retention_date_is_refused_with_that_date(company, closed):
    record = ArchiveRecord.objects.get(subject_id=closed.pk)
    with pytest.raises(ApplicationError) as refused:
        deletion(company, record, "liufang", "2028-05-19 23:59")
    assert refused.value.message == "保存期限至 2028-05-20，届时才可删除"
    assert Attachment.objects.filter(subject_id=closed.pk).count() == 2
    deletion(company, record, "liufang", "2028-05-20 09:00")
    assert ArchiveRecord.objects.get(pk=record.pk).deleted_at == at("2028-05-20 09:00")


def test_a_longer_retention_per_type_and_never_less_than_two_years(company):
    RetentionPolicy.objects.create(subject_type="requests.request", label="需求协作", years=5)
    request = request_in(company, "smartwatch", "2026-05-18 09:00")
    withdraw(company, request, "2026-05-20 10:00")
    drain("2026-05-20 10:05")
    assert ArchiveRecord.objects.get(subject_id=request.pk).retention_until.isoformat() == "2031-05-20"
    with pytest.raises(ValidationError):
        RetentionPolicy(subject_type="risks.dispute", years=1).save()
    with pytest.raises(IntegrityError), transaction.atomic():
        RetentionPolicy.objects.bulk_create([RetentionPolicy(subject_type="risks.dispute", years=1)])


def test_29_february_is_kept_until_28_february():
    import datetime as dt

    assert add_years(dt.date(2028, 2, 29), 2) == dt.date(2030, 2, 28)


def test_legal_hold_blocks_deletion_until_released(company, closed):
    record = ArchiveRecord.objects.get(subject_id=closed.pk)
    liufang = company.person("liufang")
    with time_machine.travel(at("2027-01-05 10:00"), tick=False), transaction.atomic():
        archive_hold(actor=liufang, record_id=record.pk, reason="客户合同纠纷诉讼")
    with pytest.raises(ApplicationError) as refused:
        deletion(company, record, "liufang", "2035-01-01 10:00")  # long after the retention date
    assert refused.value.message == "该归档处于法律保全（客户合同纠纷诉讼），解除保全前不可删除"
    with time_machine.travel(at("2035-01-01 10:05"), tick=False), transaction.atomic():
        archive_release(actor=liufang, record_id=record.pk, reason="诉讼结束")
    deletion(company, record, "liufang", "2035-01-01 10:10")
    assert list(
        AuditEvent.objects.filter(object_id=str(closed.pk), action__startswith="archive.")
        .order_by("id")
        .values_list("action", flat=True)
    ) == [
        "archive.file",
        "archive.hold",
        "archive.release",
        "archive.delete",
    ]


def test_deletion_removes_files_comments_and_their_search_documents_and_is_audited(
    company, closed, django_capture_on_commit_callbacks
):
    record = ArchiveRecord.objects.get(subject_id=closed.pk)
    stored = list(Attachment.objects.filter(subject_id=closed.pk).order_by("version"))
    paths = [Path(a.file.path) for a in stored]
    assert all(p.exists() for p in paths)
    assert SearchDocument.objects.filter(subject_id=closed.pk).count() == 4  # item, 1 comment, 2 versions
    with django_capture_on_commit_callbacks(execute=True):  # files go only once the deletion commits
        deletion(company, record, "sunli", "2028-06-01 09:00", reason="到期清理")
    assert not Attachment.objects.filter(subject_id=closed.pk).exists()
    assert not Comment.objects.filter(subject_id=closed.pk).exists()
    assert not any(p.exists() for p in paths)
    assert list(SearchDocument.objects.filter(subject_id=closed.pk).values_list("kind", flat=True)) == ["item"]
    event = AuditEvent.objects.get(action="archive.delete")
    assert event.actor.username == "sunli"
    assert event.before["attachments"] == [
        {"name": "需求说明书V1-20260518.txt", "sha256": stored[0].sha256},
        {"name": "需求说明书V2-20260519.txt", "sha256": stored[1].sha256},
    ]
    assert event.before["comments"] == 1 and event.after == {"deleted": True, "reason": "到期清理"}
    with pytest.raises(ApplicationError) as again:
        deletion(company, record, "sunli", "2028-06-02 09:00")
    assert again.value.message == "该归档已于 2028-06-01 删除"


def test_only_the_coordinating_office_deletes_and_outsiders_do_not_see(company, closed):
    record = ArchiveRecord.objects.get(subject_id=closed.pk)
    with pytest.raises(Forbidden):
        deletion(company, record, "guoxin", "2029-01-01 09:00")  # sees the item, may not delete
    with pytest.raises(NotFound):
        deletion(company, record, "fengjing", "2029-01-01 09:00")  # 财务部: not even visible


def test_archived_items_are_read_only(company, closed):
    with pytest.raises(InvalidState) as refused:
        comment(company, closed, "lina", "还能评论吗", "2026-05-21 09:00")
    assert (
        refused.value.message
        == "该事项已于 2026-05-20 归档为“需求协作-智能手表项目-2026-05-20”，归档后只读，不能再发表评论"
    )
    with pytest.raises(InvalidState) as refused_upload:
        upload(company, closed, "guoxin", "v3.txt", b"v3", "2026-05-21 09:00", topic="需求说明书")
    assert refused_upload.value.message.endswith("不能再上传附件")
    assert Comment.objects.filter(subject_id=closed.pk).count() == 1


def test_comment_form_on_an_archived_item_shows_the_refusal(company, client_for, closed):
    with time_machine.travel(at("2026-05-21 09:00"), tick=False):
        response = client_for("lina").post(
            f"/items/requests.request/{closed.pk}/comments/", {"body": "再补充一句"}, HTTP_HX_REQUEST="true"
        )
    assert "归档后只读，不能再发表评论" in response.content.decode()


def test_archive_pages_and_pack_are_permission_checked_and_audited(company, client_for, closed):
    record = ArchiveRecord.objects.get(subject_id=closed.pk)
    outsider = client_for("fengjing")
    assert outsider.get(f"/archive/{record.pk}/").status_code == 404
    assert outsider.get(f"/archive/{record.pk}/download/").status_code == 404
    assert record.name not in outsider.get("/archive/").content.decode()
    member = client_for("guoxin")
    page = member.get("/archive/").content.decode()
    assert "需求协作-智能手表项目-2026-05-20" in page
    detail = member.get(f"/archive/{record.pk}/").content.decode()
    assert "2028-05-20" in detail and "需求说明书V2-20260519.txt" in detail
    response = member.get(f"/archive/{record.pk}/download/")
    assert response.status_code == 200 and response.streaming
    with zipfile.ZipFile(io.BytesIO(b"".join(response.streaming_content))) as pack:
        names = sorted(pack.namelist())
        assert "需求协作-智能手表项目-2026-05-20/附件/需求说明书V2-20260519.txt" in names
        assert pack.read("需求协作-智能手表项目-2026-05-20/附件/需求说明书V1-20260518.txt").decode() == "续航需求第一版"
    event = AuditEvent.objects.get(action="archive.download")
    assert event.actor.username == "guoxin"


def test_a_change_rolled_back_queues_nothing(company):
    request = request_in(company, "smartwatch", "2026-05-18 09:00")
    drain("2026-05-18 09:05")
    with pytest.raises(RuntimeError), transaction.atomic():
        comment(company, request, "lina", "会被回滚", "2026-05-18 10:00")
        raise RuntimeError
    assert not DirtySubject.objects.exists()


def test_a_change_while_the_item_is_being_indexed_is_indexed_next_time(company):
    """The worker read token A; a change replaced it by B before the worker finished: the row stays."""
    from xietong.archive.indexing import index_subject

    request = request_in(company, "smartwatch", "2026-05-18 09:00")
    row = DirtySubject.objects.get(subject_id=request.pk)
    comment(company, request, "lina", "并发的评论", "2026-05-18 09:01")  # token replaced
    index_subject(row.subject_type, row.subject_id)
    assert DirtySubject.objects.filter(pk=row.pk, token=row.token).delete()[0] == 0
    assert DirtySubject.objects.filter(subject_id=request.pk).exists()
    drain("2026-05-18 09:05")
    assert SearchDocument.objects.filter(subject_id=request.pk, kind="comment").count() == 1


def test_reindex_command_rebuilds_everything(company, closed):
    SearchDocument.objects.all().delete()
    ArchiveRecord.objects.all().delete()
    out = io.StringIO()
    with time_machine.travel(at("2026-06-01 09:00"), tick=False):
        call_command("search", "reindex", stdout=out)
    assert SearchDocument.objects.filter(subject_id=closed.pk).count() == 4
    assert ArchiveRecord.objects.get(subject_id=closed.pk).name == "需求协作-智能手表项目-2026-05-20"
    assert "已重建" in out.getvalue()


def test_an_emergency_in_no_project_is_filed_under_its_department(company, client_for):
    from xietong.incidents.services import ActionDraft, incident_review
    from xietong.incidents.tests.test_incident_flow import assign, report, resolve

    incident = report(company, when="2026-10-01 03:00")  # 王强 of 软件开发部, no project
    assert incident.project_id is None
    assign(company, incident, "2026-10-01 03:05")
    resolve(company, incident, "2026-10-01 05:00")
    with time_machine.travel(at("2026-10-09 10:00"), tick=False), transaction.atomic():
        incident_review(
            actor=company.person("lina"),
            incident=incident,
            summary="发布前缺少连接池容量评估",
            actions=[ActionDraft("发布检查单增加连接池容量评估", company.person("chenjing"), dt.date(2026, 10, 16))],
        )
    drain("2026-10-09 10:05")
    record = ArchiveRecord.objects.get(subject_type="incidents.incident", subject_id=incident.pk)
    # 000 names archives by collaboration type: an emergency is 紧急事项处理.
    assert record.name == "紧急事项处理-软件开发部-2026-10-09"
    assert record.name in client_for("lina").get("/archive/").content.decode()
    detail = client_for("lina").get(f"/archive/{record.pk}/")
    assert detail.status_code == 200 and "紧急事项处理-软件开发部-2026-10-09" in detail.content.decode()


def test_a_request_is_filed_under_its_collaboration_type_and_so_is_what_belongs_to_it(company):
    """000 二（五）: "按“协作类型-项目名称-日期”规则命名". A request whose author chose 跨部门事务对接 is filed
    under it; its tasks and exception reports take the request's type; a request without one keeps 需求协作."""
    from xietong.items.collaboration import collaboration_label
    from xietong.risks.models import ExceptionReport
    from xietong.tasks.models import Task

    typed = request_in(company, "smartwatch", "2026-05-18 09:00", collaboration_type="affairs")
    withdraw(company, typed, "2026-05-20 10:00")
    plain = request_in(company, "smartwatch", "2026-05-18 09:30", title="智能手表项目-表带材质评估")
    withdraw(company, plain, "2026-05-21 10:00")
    drain("2026-05-21 10:05")
    assert ArchiveRecord.objects.get(subject_id=typed.pk, subject_type="requests.request").name == (
        "跨部门事务对接-智能手表项目-2026-05-20"
    )
    assert ArchiveRecord.objects.get(subject_id=plain.pk, subject_type="requests.request").name == (
        "需求协作-智能手表项目-2026-05-21"
    )
    assert collaboration_label(Task(request=typed)) == "跨部门事务对接"
    assert collaboration_label(ExceptionReport(request=typed)) == "跨部门事务对接"
    assert collaboration_label(Task(request=plain)) == ""
