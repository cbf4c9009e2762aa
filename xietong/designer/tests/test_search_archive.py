"""Designed items in search and the archive: found by their title and by the text of their form's fields
(a detail table's cells too), only by people who may see the item; a finished one is filed as
类型-项目名称-日期 under its process's own name, with its form's fields as the form says them, and the archive
pack (export) carries them."""

import io
import zipfile

import pytest

from xietong.archive.models import ArchiveRecord, DirtySubject, SearchDocument
from xietong.archive.search import search
from xietong.archive.tests.support import drain
from xietong.designer.tests.support import act, publish, start

pytestmark = pytest.mark.django_db


@pytest.fixture
def claim(company):
    item = start(company, publish(company))
    drain("2026-10-09 15:05")
    return item


def found(company, username, words):
    return [hit.document.number for hit in search(company.person(username), words).hits]


def test_a_designed_item_is_found_by_its_title_and_its_fields_text(company, claim):
    assert found(company, "guoxin", "上海出差") == ["BX-2026-0001"]
    assert found(company, "guoxin", "渠道拜访") == ["BX-2026-0001"]  # 报销事由
    assert found(company, "guoxin", "费用2") == ["BX-2026-0001"]  # a line of 费用明细
    assert found(company, "hujun", "渠道拜访") == ["BX-2026-0001"]  # the approver


def test_people_who_may_not_see_the_item_do_not_find_it(company, claim):
    assert found(company, "songtao", "渠道拜访") == []  # 销售部
    assert found(company, "heyang", "渠道拜访") == []  # 财务: not reached yet
    assert found(company, "songtao", "上海出差") == []


def test_a_finished_item_is_filed_under_its_process_name_with_its_fields(company, client_for, claim):
    act(company, "hujun", claim, "approve", "2026-10-09 16:00")
    act(company, "fengjing", claim, "approve", "2026-10-10 10:00")
    act(company, "heyang", claim, "approve", "2026-10-10 11:00")
    drain("2026-10-10 11:05")
    record = ArchiveRecord.objects.get(subject_type="designer.designeditem", subject_id=claim.pk)
    assert (record.name, record.type_label) == ("费用报销-智能手表项目-2026-10-10", "费用报销")
    form = dict((label, value) for label, value in record.manifest["form"])
    assert (form["报销事由"], form["费用类型"], form["合计"]) == ("智能手表渠道拜访", "差旅", "¥1,753.50")
    assert form["费用明细"] == "2026-10-09 费用1 ¥1,200.00；2026-10-09 费用2 ¥553.50"
    assert "表单内容" not in form
    assert record.name in client_for("guoxin").get("/archive/").content.decode()
    assert client_for("songtao").get(f"/archive/{record.pk}/").status_code == 404
    response = client_for("guoxin").get(f"/archive/{record.pk}/download/")
    with zipfile.ZipFile(io.BytesIO(b"".join(response.streaming_content))) as pack:
        text = pack.read(f"{record.name}/表单.txt").decode()
    assert "报销事由：智能手表渠道拜访" in text and "合计：¥1,753.50" in text
    assert found(company, "guoxin", "渠道拜访") == ["BX-2026-0001"]


def test_search_and_the_archive_name_steps_and_add_sign_in_words_not_codes(company, client_for, claim):
    act(company, "hujun", claim, "approve", "2026-10-09 16:00", reason="同意")
    act(company, "fengjing", claim, "add_sign", "2026-10-10 09:00", to=company.person("zhoujie"), how="before")
    drain("2026-10-10 09:05")
    body = SearchDocument.objects.get(subject_type="designer.designeditem", subject_id=claim.pk, kind="item").body
    assert body.splitlines() == [
        "当前步骤：财务会签",
        "报销事由：智能手表渠道拜访",
        "费用类型：差旅",
        "费用明细：2026-10-09 费用1 ¥1,200.00；2026-10-09 费用2 ¥553.50",
        "合计：¥1,753.50",
        "步骤：直属上级审批",
        "意见：同意",
        *["步骤：财务会签"] * 3,  # 冯静, 何洋, and 周杰 added before 冯静
        "加签方式：在我之前",
    ]
    page = client_for("admin").get("/search/", {"q": "报销"}).content.decode()
    assert "当前步骤：财务会签 <mark>报销</mark>事由：智能手表渠道拜访 " in page
    assert "合计：¥1,753.50 步骤：直属上级审批 意见：同意 步骤：财务会…" in page
    assert "finance" not in page
    page = client_for("admin").get("/search/", {"q": "在我之前"}).content.decode()  # found by the words now
    assert "步骤：财务会签 加签方式：<mark>在</mark><mark>我</mark><mark>之前</mark></p>" in page

    act(company, "heyang", claim, "add_sign", "2026-10-10 09:30", to=company.person("songtao"), how="after")
    for who, when in (("zhoujie", "10:00"), ("fengjing", "10:10"), ("heyang", "10:20"), ("songtao", "10:30")):
        act(company, who, claim, "approve", f"2026-10-10 {when}")
    drain("2026-10-10 10:35")
    record = ArchiveRecord.objects.get(subject_type="designer.designeditem", subject_id=claim.pk)
    tasks = [dict(child["form"]) for child in record.manifest["children"]]
    assert [(t["步骤"], t["处理人"], t["加签方式"]) for t in tasks] == [
        ("抄送综合管理部", "刘芳", ""),
        ("抄送综合管理部", "孙丽", ""),
        ("直属上级审批", "胡军", ""),
        ("财务会签", "冯静", ""),
        ("财务会签", "何洋", ""),
        ("财务会签", "周杰", "在我之前"),
        ("财务会签", "宋涛", "在我之后"),
    ]


def test_the_migration_queues_designed_items_indexed_with_codes_for_the_worker(company, claim):
    from django.apps import apps

    from xietong.archive.migrations import __name__ as package

    act(company, "hujun", claim, "approve", "2026-10-09 16:00")
    drain("2026-10-09 16:05")
    document = SearchDocument.objects.get(subject_type="designer.designeditem", subject_id=claim.pk, kind="item")
    old = document.body.replace("财务会签", "finance")  # as indexed before: digest and text of the codes
    SearchDocument.objects.filter(pk=document.pk).update(body=old, digest="before")
    queue = __import__(f"{package}.0010_reindex_designed_items", fromlist=["q"]).queue_designed_items
    queue(apps, None)
    queue(apps, None)  # twice: still one row
    assert DirtySubject.objects.filter(subject_type="designer.designeditem").count() == 1
    drain("2026-10-09 16:10")
    document.refresh_from_db()
    assert document.body.splitlines()[0] == "当前步骤：财务会签"
