"""Excel in the seed templates' own layouts, reopened with openpyxl and checked cell by cell."""

import io

import pytest
import time_machine
from django.db import transaction
from openpyxl import load_workbook

from xietong.acceptance.tests.test_acceptance import judge, submit
from xietong.feedback.models import FeedbackInvitation
from xietong.feedback.services import feedback_submit
from xietong.progress.tests.test_progress import running_task
from xietong.reports.exports import DELIVERABLE_COLUMNS, FEEDBACK_COLUMNS, ledger_workbook
from xietong.requests.models import Request
from xietong.requests.tests.test_request_flow import _published_task, at
from xietong.risks.tests.test_risks import raise_exception


def sheet(response):
    assert response.status_code == 200
    assert response["Content-Type"] == "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    return load_workbook(io.BytesIO(response.content)).active


@pytest.fixture
def accepted(company):
    request, _breakdown, _task = _published_task(company)  # XQ-2026-0001, signed 03-02
    request = Request.objects.get(pk=request.pk)
    deliverable = submit(company, request, when="2026-03-05 10:00")
    first, second = request.criteria.order_by("position")
    judge(company, deliverable, "pass", {first.pk: (True, ""), second.pk: (True, "")}, "2026-03-06 11:00")
    for username, scores, suggestion in (("lina", (5, 4, 4), "需求评审前先对齐验收标准"), ("guoxin", (4, 4, 5), "")):
        with time_machine.travel(at("2026-03-09 15:00"), tick=False), transaction.atomic():
            feedback_submit(
                actor=company.person(username),
                invitation_id=FeedbackInvitation.objects.get(request=request, person__username=username).pk,
                communication=scores[0],
                division=scores[1],
                timeliness=scores[2],
                suggestion=suggestion,
            )
    return Request.objects.get(pk=request.pk)


def test_requirement_specification_in_the_layout_of_attachment_1(company, client_for, accepted):
    ws = sheet(client_for("guoxin").get(f"/reports/requests/{accepted.pk}/spec.xlsx"))
    assert ws.title == "需求说明书" and ws["A1"].value == "需求说明书（附件1）"
    labels = [ws.cell(row=r, column=1).value for r in range(2, 15)]
    assert labels == [
        "需求编号", "主题", "发起部门", "发起人", "接收部门", "接收人", "需求背景", "需求目标", "具体内容",
        "期望完成时间", "附件", "验收标准", "确认签字",
    ]  # fmt: skip
    assert ws["B2"].value == "XQ-2026-0001"
    assert (ws["B4"].value, ws["B5"].value, ws["B6"].value, ws["B7"].value) == ("产品部", "郭鑫", "软件开发部", "李娜")
    assert ws["B11"].value.date().isoformat() == "2026-11-30"
    assert ws["B13"].value == "1. 待机续航≥5天\n2. 功耗测试报告通过评审"
    assert ws["B14"].value == "发起人：郭鑫  2026-03-02\n接收人：李娜  2026-03-02"


def test_deliverables_list_of_attachment_4(company, client_for, accepted):
    ws = sheet(client_for("guoxin").get(f"/reports/requests/{accepted.pk}/deliverables.xlsx"))
    assert ws["A1"].value == "成果交付清单（附件4）"
    assert [c.value for c in ws[3]] == DELIVERABLE_COLUMNS
    assert [c.value for c in ws[4]] == [
        1,
        "续航测试报告",
        "V1.0",
        "电子档",
        "软件开发部",
        "李娜",
        "郭鑫",
        "2026-03-05 10:00",
        "通过",
    ]


def test_feedback_form_of_attachment_5_with_averages(company, client_for, accepted):
    ws = sheet(client_for("guoxin").get(f"/reports/requests/{accepted.pk}/feedback.xlsx"))
    assert ws["A1"].value == "协作反馈表（附件5）"
    assert [c.value for c in ws[3]] == FEEDBACK_COLUMNS
    assert [c.value for c in ws[4]][:7] == [1, "李娜", "软件开发部", 5, 4, 4, "需求评审前先对齐验收标准"]
    assert [c.value for c in ws[5]][:6] == [2, "郭鑫", "产品部", 4, 4, 5]
    assert [c.value for c in ws[6]][:6] == ["平均", None, None, 4.5, 4, 4.5]  # (5+4)/2, (4+4)/2, (4+5)/2


def test_exception_report_of_attachment_3(company, client_for):
    task = running_task(company)
    report = raise_exception(company, task, "2026-10-09 10:00")
    ws = sheet(client_for("wangqiang").get(f"/reports/exceptions/{report.pk}.xlsx"))
    assert ws["A1"].value == "异常问题反馈表（附件3）"
    pairs = {ws.cell(row=r, column=1).value: ws.cell(row=r, column=2).value for r in range(2, ws.max_row + 1)}
    assert pairs["问题详情"] == "第三方推送SDK不支持后台保活"
    assert pairs["影响范围"] == "续航目标可能延后一周"
    assert pairs["发现时间"] == "2026-10-09 09:30" and pairs["严重程度"] == "一般"
    assert client_for("fengjing").get(f"/reports/exceptions/{report.pk}.xlsx").status_code == 404


def test_exports_are_permission_checked(company, client_for, accepted):
    for kind in ("spec", "deliverables", "feedback"):
        assert client_for("fengjing").get(f"/reports/requests/{accepted.pk}/{kind}.xlsx").status_code == 404


def test_a_ledger_for_other_apps_such_as_the_problem_ledger():
    data = ledger_workbook(
        "问题处理台账", ["编号", "问题", "主责部门"], [["WT-2026-0001", "产线停机", "生产部"]], subtitle="2026年"
    )
    ws = load_workbook(io.BytesIO(data)).active
    assert (ws["A1"].value, ws["A2"].value) == ("问题处理台账", "2026年")
    assert [c.value for c in ws[3]] == ["编号", "问题", "主责部门"]
    assert [c.value for c in ws[4]] == ["WT-2026-0001", "产线停机", "生产部"]
