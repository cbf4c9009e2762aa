"""Excel exports in the template's own table layout: 协作任务分解表 and the RACI matrix."""

from __future__ import annotations

from collections.abc import Sequence

from django.utils.functional import Promise
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from openpyxl import Workbook
from openpyxl.styles import Alignment, Border, Font, PatternFill, Side
from openpyxl.utils import get_column_letter

from xietong.core import clock
from xietong.core.i18n import enumerate_list
from xietong.core.spreadsheets import workbook_bytes
from xietong.tasks.choices import RaciRole
from xietong.tasks.models import Breakdown, TaskRole

THIN = Side(style="thin", color="999999")
BOX = Border(left=THIN, right=THIN, top=THIN, bottom=THIN)
HEAD = PatternFill("solid", fgColor="DCE6F1")

BREAKDOWN_COLUMNS = [
    gettext_lazy("序号"),
    gettext_lazy("任务名称"),
    gettext_lazy("具体内容"),
    gettext_lazy("完成标准"),
    gettext_lazy("负责人"),
    gettext_lazy("协助人"),
    gettext_lazy("开始时间"),
    gettext_lazy("结束时间"),
    gettext_lazy("优先级"),
    gettext_lazy("依赖关系"),
    gettext_lazy("所需资源"),
    gettext_lazy("协调人"),
    gettext_lazy("状态"),
]


def _sheet_title(ws, title: str, columns: int) -> None:
    ws.merge_cells(start_row=1, start_column=1, end_row=1, end_column=columns)
    ws.cell(row=1, column=1, value=title).font = Font(bold=True, size=14)
    ws.cell(row=1, column=1).alignment = Alignment(horizontal="center")


def _header(ws, row: int, labels: Sequence[str | Promise]) -> None:
    for col, label in enumerate(labels, start=1):
        cell = ws.cell(row=row, column=col, value=str(label))
        cell.font = Font(bold=True)
        cell.fill = HEAD
        cell.border = BOX
        cell.alignment = Alignment(horizontal="center", vertical="center", wrap_text=True)


def breakdown_workbook(breakdown: Breakdown) -> bytes:
    request = breakdown.request
    wb = Workbook()
    ws = wb.active
    ws.title = _("协作任务分解表")
    title = _("协作任务分解表（附件2）· %(r)s") % {"r": f"{request.number} {request.title}"}
    _sheet_title(ws, title, len(BREAKDOWN_COLUMNS))
    ws.cell(
        row=2,
        column=1,
        value=_("项目：%(p)s    发起部门：%(from)s    接收部门：%(to)s")
        % {
            "p": request.project.name,
            "from": request.requesting_department.name,
            "to": request.receiving_department.name,
        },
    )
    _header(ws, 3, BREAKDOWN_COLUMNS)
    tasks = (
        breakdown.tasks.select_related("owner", "coordinator")
        .prefetch_related("helpers", "predecessors")
        .order_by("position")
    )
    for r, task in enumerate(tasks, start=4):
        values = [
            task.position,
            task.title,
            task.content,
            task.completion_criteria,
            task.owner.display_name,
            enumerate_list(p.display_name for p in task.helpers.all()),
            task.start_date,
            task.end_date,
            task.get_priority_display(),
            enumerate_list(_("任务%(n)d完成后启动") % {"n": p.position} for p in task.predecessors.all()),
            task.resources,
            task.coordinator.display_name if task.coordinator else "",
            task.get_state_display(),
        ]
        for c, value in enumerate(values, start=1):
            cell = ws.cell(row=r, column=c, value=value)
            cell.border = BOX
            cell.alignment = Alignment(vertical="top", wrap_text=True)
            if c in (7, 8):
                cell.number_format = "yyyy-mm-dd"
    for col, width in enumerate([6, 20, 30, 24, 10, 16, 12, 12, 8, 20, 20, 10, 10], start=1):
        ws.column_dimensions[get_column_letter(col)].width = width
    # 《协同任务分工表》(含各部门负责人签字确认): each participating department's head, signed or awaited.
    row = ws.max_row + 2
    ws.cell(row=row, column=1, value=_("各部门负责人签字确认（分工表及 RACI 矩阵）")).font = Font(bold=True)
    for offset, (department, signer, signed_at) in enumerate(signature_lines(breakdown), start=1):
        ws.cell(row=row + offset, column=2, value=department)
        ws.cell(row=row + offset, column=4, value=signer)
        cell = ws.cell(row=row + offset, column=5, value=signed_at)
        if signed_at:
            cell.number_format = "yyyy-mm-dd hh:mm"
    _raci_sheet(wb, breakdown)
    return workbook_bytes(wb)


def signature_lines(breakdown: Breakdown) -> list[tuple[str, str, object]]:
    """(department, who signed or 待签字（head）, when) for each participating department."""
    from xietong.tasks.process import signing_departments

    signed = {s.department_id: s for s in breakdown.signatures.select_related("signed_by")}
    lines: list[tuple[str, str, object]] = []
    for p in signing_departments(breakdown):
        row = signed.get(p.department_id)
        if row is not None:
            lines.append(
                (p.department.name, row.signed_by.display_name, clock.local(row.signed_at).replace(tzinfo=None))
            )
        else:
            head = p.head.display_name if p.head else _("未设负责人")
            lines.append((p.department.name, _("待签字（%(who)s）") % {"who": head}, ""))
    return lines


def raci_matrix(breakdown: Breakdown):
    """(tasks, people, cells) — cells[(task_id, person_id)] = "AR" etc."""
    tasks = list(breakdown.tasks.exclude(state="cancelled").order_by("position"))
    roles = list(TaskRole.objects.filter(task__in=tasks).select_related("person__department"))
    people = sorted({r.person for r in roles}, key=lambda p: (p.department.sort_order if p.department else 0, p.pk))
    cells: dict[tuple[int, int], str] = {}
    order = {code: i for i, code in enumerate(RaciRole.values)}
    for r in roles:
        key = (r.task_id, r.person_id)
        cells[key] = "".join(sorted(cells.get(key, "") + r.role, key=lambda ch: order[ch]))
    return tasks, people, cells


def _raci_sheet(wb, breakdown: Breakdown) -> None:
    tasks, people, cells = raci_matrix(breakdown)
    ws = wb.create_sheet(_("RACI矩阵"))
    _sheet_title(ws, _("RACI 矩阵（R 负责执行 · A 审批/问责 · C 咨询 · I 知情）"), len(people) + 1)
    _header(ws, 2, [_("任务"), *[p.display_name for p in people]])
    for r, task in enumerate(tasks, start=3):
        ws.cell(row=r, column=1, value=f"{task.position}. {task.title}").border = BOX
        for c, person in enumerate(people, start=2):
            cell = ws.cell(row=r, column=c, value=cells.get((task.pk, person.pk), ""))
            cell.border = BOX
            cell.alignment = Alignment(horizontal="center")
    ws.column_dimensions["A"].width = 26
