"""《成果交付说明》（包含版本号、功能清单、测试报告） (《企业内部沟通指南与协作工具》二（一）步骤4): every version handed
in states its 版本号 (a new one each time), its 功能清单 and its 测试报告 — written out or as a file — refused on
the server at each field in Chinese; the page, the API and the 成果验收报告 export show them."""

import io

import pytest
import time_machine
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import transaction
from openpyxl import load_workbook

from xietong.acceptance.models import Deliverable
from xietong.acceptance.services import deliverable_resubmit, deliverable_start_rework, deliverable_submit
from xietong.acceptance.tests.test_acceptance import judge, submit, work  # noqa: F401
from xietong.core.errors import ApplicationError
from xietong.requests.tests.test_request_flow import at


def test_a_version_without_its_delivery_note_is_refused_at_each_field(company, work):  # noqa: F811
    request, _task = work
    with pytest.raises(ApplicationError) as refused, transaction.atomic():
        deliverable_submit(actor=company.person("lina"), request=request, name="", features="  \n ")
    assert refused.value.fields == {
        "name": "请填写交付物名称，如“续航测试报告”",
        "release": "请填写版本号，如“V1.0”",
        "features": "请填写功能清单，每行一项",
        "test_report": "请填写测试报告（测试范围、结果与结论），或上传测试报告文件",
    }
    assert not Deliverable.objects.exists()

    # The test report may be a file instead of text; it is named 主题+版本+日期.
    with time_machine.travel(at("2026-03-05 10:00"), tick=False), transaction.atomic():
        deliverable = deliverable_submit(
            actor=company.person("lina"),
            request=request,
            name="续航测试报告",
            release=" V1.0 ",
            features="待机场景功耗\n\n通话场景功耗\n",
            test_report_file=SimpleUploadedFile("测试.pdf", b"%PDF report", "application/pdf"),
        )
    note = deliverable.submissions.get()
    assert (note.release, note.feature_list, note.test_report) == ("V1.0", ["待机场景功耗", "通话场景功耗"], "")
    assert note.test_report_file.name == "续航测试报告测试报告V1-20260305.pdf"


def test_a_new_version_needs_a_new_version_number(company, work):  # noqa: F811
    request, _task = work
    deliverable = submit(company, request)
    first, second = request.criteria.order_by("position")
    judge(company, deliverable, "rework", {first.pk: (True, ""), second.pk: (False, "缺")}, "2026-03-06 10:00", "补")
    with time_machine.travel(at("2026-03-06 15:00"), tick=False), transaction.atomic():
        deliverable_start_rework(actor=company.person("lina"), deliverable=deliverable)
    with pytest.raises(ApplicationError) as refused, transaction.atomic():
        deliverable_resubmit(
            actor=company.person("lina"), deliverable=deliverable, note="补充低温", release="V1.0", features="低温"
        )
    assert refused.value.fields == {
        "release": "版本号 V1.0 已用于此前提交的版本，请填写新的版本号",
        "test_report": "请填写测试报告（测试范围、结果与结论），或上传测试报告文件",
    }
    assert Deliverable.objects.get(pk=deliverable.pk).version == 1


def test_the_delivery_note_on_the_page_in_the_api_and_in_the_export(company, work, client_for):  # noqa: F811
    request, _task = work
    deliverable = submit(company, request)
    guoxin = client_for("guoxin")
    page = guoxin.get(f"/acceptance/{deliverable.pk}/").content.decode()
    assert "<dt>版本号</dt><dd>V1.0</dd>" in page
    assert "<li>待机、通话、运动三种场景功耗数据</li><li>续航估算表</li>" in page
    assert "3 台样机典型场景续航 5.3–5.6 天，全部达标" in page

    api = guoxin.get(f"/api/deliverables/{deliverable.pk}").json()
    assert api["submissions"] == [
        {
            "version": 1,
            "release": "V1.0",
            "features": ["待机、通话、运动三种场景功耗数据", "续航估算表"],
            "test_report": "3 台样机典型场景续航 5.3–5.6 天，全部达标",
            "test_report_file": None,
            "note": "含三种场景的功耗数据",
            "submitted_at": "2026-03-05T10:00:00+08:00",
            "outcome": None,
        }
    ]

    sheet = load_workbook(io.BytesIO(guoxin.get(f"/acceptance/{deliverable.pk}/report.xlsx").content)).active
    rows = [[c.value for c in row][:2] for row in sheet.iter_rows()]
    assert ["版本号", "V1.0"] in rows
    assert ["功能清单", "1. 待机、通话、运动三种场景功耗数据\n2. 续航估算表"] in rows
    assert ["测试报告", "3 台样机典型场景续航 5.3–5.6 天，全部达标"] in rows


def test_the_request_page_keeps_what_was_typed_and_shows_each_error_at_its_field(company, work, client_for):  # noqa: F811
    request, _task = work
    response = client_for("lina").post(
        f"/acceptance/requests/{request.pk}/submit/", {"name": "续航测试报告", "form": "electronic", "release": "V1.0"}
    )
    assert response.status_code == 200
    page = response.content.decode()
    assert 'value="续航测试报告"' in page and 'value="V1.0"' in page
    assert "<details open>" in page
    assert page.count("这个字段是必填项。") == 1  # 功能清单
    assert "请填写测试报告（测试范围、结果与结论），或上传测试报告文件" in page
