"""The multi-department templates of 《多部门协同作业标准沟通流程模板》 (001) in their own layouts:
《多部门协同需求申请表》 (含各部门确认签字), 《协同任务分工表》 (责任部门/人 … 完成标准) and 《问题升级记录表》.
Every workbook leaves through the one writer (core.spreadsheets: formula neutralisation)."""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from openpyxl import Workbook
from openpyxl.styles import Font

from xietong.core.spreadsheets import workbook_bytes
from xietong.reports.exports import _form_sheet, _header, _local, _rows, _widths

SIGNATURE_COLUMNS = [
    gettext_lazy("签字方"),
    gettext_lazy("部门"),
    gettext_lazy("签字人"),
    gettext_lazy("签字时间"),
]
PARTICIPANT_COLUMNS = [
    gettext_lazy("协同部门"),
    gettext_lazy("对接人"),
    gettext_lazy("联系方式"),
    gettext_lazy("职责"),
    gettext_lazy("协作负责人"),
]
# The field another change adds to tasks (完成标准); the column shows it once the field exists.
COMPLETION_FIELD = "completion_criteria"


def _person(person: Any) -> str:
    return person.display_name if person is not None else ""


def _section(ws, row: int, title: str) -> int:
    ws.cell(row=row, column=1, value=title).font = Font(bold=True)
    return row + 1


def _signature_rows(request) -> list[list[Any]]:
    """发起部门负责人, 接收部门负责人 and every participating department (其他部门), signed or awaited."""
    signatures = {s.role: s for s in request.signatures.select_related("person")}
    rows: list[list[Any]] = []
    for role, label, department in (
        ("requester", _("发起部门负责人"), request.requesting_department),
        ("receiver", _("接收部门负责人"), request.receiving_department),
    ):
        signed = signatures.get(role)
        rows.append(
            [
                label,
                department.name,
                _person(signed.person) if signed else _("待签字"),
                _local(signed.signed_at) if signed else "",
            ]
        )
    for taking in request.participations.select_related("department", "confirmed_by").order_by("position", "pk"):
        if taking.state == taking.State.WITHDRAWN or taking.department_id in (
            request.requesting_department_id,
            request.receiving_department_id,
        ):
            continue  # the requesting and receiving sides sign the request itself (above)
        confirmed = taking.state == taking.State.CONFIRMED
        rows.append(
            [
                _("其他部门"),
                taking.department.name,
                _person(taking.confirmed_by) if confirmed else _("待签字"),
                _local(taking.confirmed_at) if confirmed else "",
            ]
        )
    return rows


def coordination_request_workbook(request) -> bytes:
    """《多部门协同需求申请表》: the request's form, 参与部门及职责, and one signature row per department."""
    wb = Workbook()
    ws = wb.active
    takings = [
        t
        for t in request.participations.select_related("department", "contact", "coordinator").order_by(
            "position", "pk"
        )
        if t.state != t.State.WITHDRAWN
    ]
    pairs = [
        (_("需求编号"), request.number),
        (_("项目/任务名称"), request.title),
        (_("发起部门"), request.requesting_department.name),
        (_("发起人（需求对接人）"), request.requester.display_name),
        (_("发起日期"), _local(request.submitted_at or request.created_at)[:10]),
        (_("需求背景与目标"), f"{request.background}\n{request.goal}".strip()),
        (_("接收部门"), request.receiving_department.name),
        (_("协同部门"), "、".join(t.department.name for t in takings)),
        (_("计划完成时间"), request.expected_date),
    ]
    _form_sheet(ws, _("多部门协同需求申请表"), pairs)
    row = _section(ws, len(pairs) + 3, _("参与部门及职责"))
    _header(ws, row, PARTICIPANT_COLUMNS)
    _rows(
        ws,
        row + 1,
        [
            [
                t.department.name,
                _person(t.contact),
                getattr(t.contact, "phone", "") or "",
                t.duties,
                _person(t.coordinator),
            ]
            for t in takings
        ],
    )
    row = _section(ws, row + len(takings) + 2, _("签字确认"))
    _header(ws, row, SIGNATURE_COLUMNS)
    _rows(ws, row + 1, _signature_rows(request))
    _widths(ws, [18, 40, 16, 40, 14])
    ws.title = _("多部门协同需求申请表")
    return workbook_bytes(wb)


def division_columns(has_standard: bool) -> list[Any]:
    columns = [
        gettext_lazy("序号"),
        gettext_lazy("任务名称"),
        gettext_lazy("责任部门"),
        gettext_lazy("负责人"),
        gettext_lazy("协助人"),
        gettext_lazy("任务描述"),
    ]
    if has_standard:
        columns.append(gettext_lazy("完成标准"))
    return [
        *columns,
        gettext_lazy("起止时间"),
        gettext_lazy("所需支持"),
        gettext_lazy("状态"),
    ]


def division_workbook(request) -> bytes:
    """《协同任务分工表》: one row per task with its 责任部门/人 and 完成标准, then each department head's signature."""
    from xietong.tasks.models import Task

    has_standard = any(f.name == COMPLETION_FIELD for f in Task._meta.get_fields())
    tasks = list(
        Task.objects.filter(request=request)
        .select_related("department", "owner")
        .prefetch_related("helpers")
        .order_by("position", "pk")
    )
    rows = []
    for task in tasks:
        line: list[Any] = [
            task.position,
            task.title,
            task.department.name,
            task.owner.display_name,
            "、".join(p.display_name for p in task.helpers.all()),
            task.content,
        ]
        if has_standard:
            line.append(getattr(task, COMPLETION_FIELD) or "")
        line += [f"{task.start_date:%Y-%m-%d} ~ {task.end_date:%Y-%m-%d}", task.resources, task.get_state_display()]
        rows.append(line)
    columns = division_columns(has_standard)
    wb = Workbook()
    ws = wb.active
    ws.title = _("协同任务分工表")
    ws.merge_cells(start_row=1, start_column=1, end_row=1, end_column=len(columns))
    head = ws.cell(row=1, column=1, value=_("协同任务分工表"))
    head.font = Font(bold=True, size=14)
    ws.cell(row=2, column=1, value=_("需求：%(n)s %(t)s") % {"n": request.number, "t": request.title})
    _header(ws, 3, columns)
    _rows(ws, 4, rows)
    row = _section(ws, 4 + len(rows) + 1, _("各部门负责人签字确认"))
    _header(ws, row, SIGNATURE_COLUMNS)
    _rows(ws, row + 1, _signature_rows(request))
    _widths(ws, [6, 24, 14, 10, 16, 30, *([24] if has_standard else []), 24, 20, 10])
    ws.freeze_panes = "A4"
    return workbook_bytes(wb)


ESCALATION_COLUMNS = [
    gettext_lazy("级别"),
    gettext_lazy("升级时间"),
    gettext_lazy("升级至"),
    gettext_lazy("说明"),
]


def escalation_record_workbook(dispute) -> bytes:
    """《问题升级记录表》: the disagreement, each level it went up (双方负责人 → 分管领导 → 分管高管) and the decision."""
    from xietong.clocks.models import Escalation

    pairs = [
        (_("编号"), dispute.number),
        (_("问题"), dispute.title),
        (_("关联需求"), f"{dispute.request.number} {dispute.request.title}" if dispute.request_id else ""),
        (_("提出部门"), dispute.department_a.name),
        (_("提出方意见"), dispute.position_a),
        (_("对方部门"), dispute.department_b.name),
        (_("对方意见"), dispute.position_b),
        (_("提出时间"), _local(dispute.created_at)),
        (_("状态"), dispute.get_state_display()),
        (_("结论"), dispute.resolution),
        (_("决定人"), _person(dispute.decided_by)),
    ]
    wb = Workbook()
    ws = wb.active
    _form_sheet(ws, _("问题升级记录表"), pairs)
    escalations = Escalation.objects.filter(subject_type=dispute._meta.label_lower, subject_id=dispute.pk).order_by(
        "at", "level", "pk"
    )
    row = _section(ws, len(pairs) + 3, _("升级记录"))
    _header(ws, row, ESCALATION_COLUMNS)
    _rows(
        ws,
        row + 1,
        [
            [e.level, _local(e.at), _person(e.target) or e.get_target_role_display(), e.note]
            for e in escalations.select_related("target")
        ],
    )
    ws.title = _("问题升级记录表")
    return workbook_bytes(wb)
