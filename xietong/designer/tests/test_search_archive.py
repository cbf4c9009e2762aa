"""Designed items in search and the archive: found by their title and by the text of their form's fields
(a detail table's cells too), only by people who may see the item; a finished one is filed as
类型-项目名称-日期 under its process's own name, with its form's fields as the form says them, and the archive
pack (export) carries them."""

import io
import zipfile

import pytest

from xietong.archive.models import ArchiveRecord
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
