"""《多部门协同作业标准沟通流程模板》(001) exports in its own layouts, reopened with openpyxl and read cell by cell:
the 多部门协同需求申请表 with every department's signature row, the 协同任务分工表 with 责任部门 and 完成标准, the
问题升级记录表 with each level it went up. Outsiders get 404; a typed formula stays text."""

import io

import time_machine
from django.db import transaction
from openpyxl import load_workbook

from xietong.clocks.services import clock_fire_due
from xietong.reports.coordination_exports import division_columns
from xietong.requests.models import Request
from xietong.requests.tests.test_participating_departments import act, at, new_request
from xietong.risks.services import dispute_open
from xietong.tasks.models import Task


def sheet(response):
    assert response.status_code == 200
    assert response["Content-Type"] == "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    return load_workbook(io.BytesIO(response.content)).active


def rows_after(ws, heading: str) -> list[list]:
    """The rows of the table under a section heading (its header row first), up to the first empty row."""
    start = next(r for r in range(1, ws.max_row + 1) if ws.cell(row=r, column=1).value == heading)
    found = []
    for r in range(start + 1, ws.max_row + 1):
        values = [ws.cell(row=r, column=c).value for c in range(1, ws.max_column + 1)]
        if not any(v not in (None, "") for v in values):
            break
        found.append(values)
    return found


def signed_request(company):
    """Received by 硬件研发部 (赵磊); 市场部 (高峰) has signed, 生产部 (谢强) not yet."""
    request = new_request(company)
    act(company, request, "zhaolei", "accept", "2026-10-08 10:00")
    act(company, Request.objects.get(pk=request.pk), "guoxin", "sign", "2026-10-08 10:05")
    act(company, Request.objects.get(pk=request.pk), "zhaolei", "sign", "2026-10-08 10:10")
    act(company, request.participations.get(department__code="marketing"), "gaofeng", "confirm", "2026-10-08 11:00")
    return Request.objects.get(pk=request.pk)


def test_the_multi_department_request_form_has_a_signature_row_for_every_department(company, client_for):
    request = signed_request(company)
    ws = sheet(client_for("guoxin").get(f"/reports/requests/{request.pk}/coordination.xlsx"))
    assert (ws.title, ws["A1"].value) == ("多部门协同需求申请表", "多部门协同需求申请表")
    form = {ws.cell(row=r, column=1).value: ws.cell(row=r, column=2).value for r in range(2, 11)}
    assert form["需求编号"] == "XQ-2026-0001"
    assert form["项目/任务名称"] == "智能手表项目-硬件方案评审"
    assert (form["发起部门"], form["发起人（需求对接人）"], form["发起日期"]) == ("产品部", "郭鑫", "2026-09-30")
    assert form["协同部门"] == "硬件研发部、市场部、生产部"
    assert form["计划完成时间"].date().isoformat() == "2026-11-30"
    assert [row[:5] for row in rows_after(ws, "参与部门及职责")] == [
        ["协同部门", "对接人", "联系方式", "职责", "协作负责人"],
        ["硬件研发部", None, None, None, None],
        ["市场部", "罗倩", rows_after(ws, "参与部门及职责")[2][2], "提供3月-4月用户调研原始数据", None],
        ["生产部", None, None, "评估量产可行性，派1名工程师参与评审会议", None],
    ]
    assert [row[:4] for row in rows_after(ws, "签字确认")] == [
        ["签字方", "部门", "签字人", "签字时间"],
        ["发起部门负责人", "产品部", "郭鑫", "2026-10-08 10:05"],
        ["接收部门负责人", "硬件研发部", "赵磊", "2026-10-08 10:10"],
        ["其他部门", "市场部", "高峰", "2026-10-08 11:00"],
        ["其他部门", "生产部", "待签字", None],
    ]
    assert client_for("fengjing").get(f"/reports/requests/{request.pk}/coordination.xlsx").status_code == 404


def test_the_task_division_form_names_each_tasks_department_and_its_heads_sign(company, client_for):
    from xietong.tasks.services import breakdown_open, task_create

    request = signed_request(company)
    with time_machine.travel(at("2026-10-08 15:00"), tick=False), transaction.atomic():
        breakdown = breakdown_open(actor=company.person("guoxin"), request=request)
        task_create(
            actor=company.person("guoxin"),
            breakdown=breakdown,
            title='=HYPERLINK("http://evil.example","点此")',
            content="评审硬件方案",
            completion_criteria="评审通过，形成评审会议纪要",
            owner=company.person("zhaolei"),
            start_date=at("2026-10-09 09:00").date(),
            end_date=at("2026-10-16 09:00").date(),
            priority="high",
            resources="市场部提供调研数据",
        )
    has_standard = any(f.name == "completion_criteria" for f in Task._meta.get_fields())
    ws = sheet(client_for("guoxin").get(f"/reports/requests/{request.pk}/division.xlsx"))
    assert (ws.title, ws["A1"].value, ws["A2"].value) == (
        "协同任务分工表",
        "协同任务分工表",
        "需求：XQ-2026-0001 智能手表项目-硬件方案评审",
    )
    header = [c.value for c in ws[3]][: len(division_columns(has_standard))]
    assert header == [str(c) for c in division_columns(has_standard)]
    assert header[:6] == ["序号", "任务名称", "责任部门", "负责人", "协助人", "任务描述"]
    assert ("完成标准" in header) == has_standard
    row = dict(zip(header, [c.value for c in ws[4]], strict=False))
    assert (row["序号"], row["责任部门"], row["负责人"], row["任务描述"]) == (1, "硬件研发部", "赵磊", "评审硬件方案")
    assert (row["起止时间"], row["所需支持"]) == ("2026-10-09 ~ 2026-10-16", "市场部提供调研数据")
    assert row["完成标准"] == "评审通过，形成评审会议纪要"
    # A typed formula is text with the quote prefix, never a live formula.
    assert row["任务名称"] == '=HYPERLINK("http://evil.example","点此")' and ws["B4"].data_type == "s"
    assert ws["B4"].quotePrefix
    assert [r[:3] for r in rows_after(ws, "各部门负责人签字确认")][1:] == [
        ["发起部门负责人", "产品部", "郭鑫"],
        ["接收部门负责人", "硬件研发部", "赵磊"],
        ["其他部门", "市场部", "高峰"],
        ["其他部门", "生产部", "待签字"],
    ]
    assert client_for("fengjing").get(f"/reports/requests/{request.pk}/division.xlsx").status_code == 404


def test_the_escalation_record_lists_each_level_the_disagreement_went_up(company, client_for):
    from xietong.progress.tests.test_progress import running_task

    task = running_task(company)
    with time_machine.travel(at("2026-03-02 09:00"), tick=False), transaction.atomic():
        dispute = dispute_open(
            actor=company.person("guoxin"),
            request=task.request,
            department_b=company.department("sales"),
            title="续航指标是否写入销售承诺",
            position_a="未经验证的指标不得对外承诺",
        )
    for when in ("2026-03-04 18:00", "2026-03-05 18:00"):
        with time_machine.travel(at(when), tick=False):
            clock_fire_due()
    ws = sheet(client_for("guoxin").get(f"/reports/disputes/{dispute.pk}.xlsx"))
    assert (ws.title, ws["A1"].value) == ("问题升级记录表", "问题升级记录表")
    form = {ws.cell(row=r, column=1).value: ws.cell(row=r, column=2).value for r in range(2, 13)}
    assert (form["问题"], form["提出部门"], form["对方部门"]) == ("续航指标是否写入销售承诺", "产品部", "销售部")
    assert (form["提出时间"], form["状态"]) == ("2026-03-02 09:00", "协商中")
    levels = rows_after(ws, "升级记录")
    assert levels[0][:4] == ["级别", "升级时间", "升级至", "说明"]
    assert [(r[0], r[1]) for r in levels[1:]] == [(1, "2026-03-04 18:00"), (2, "2026-03-05 18:00")]
    assert client_for("fengjing").get(f"/reports/disputes/{dispute.pk}.xlsx").status_code == 404
