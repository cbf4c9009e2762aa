"""问题处理台账 as an Excel workbook, in the ledger's own column layout."""

from __future__ import annotations

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from openpyxl import Workbook
from openpyxl.styles import Alignment, Border, Font, PatternFill, Side
from openpyxl.utils import get_column_letter

from xietong.core import clock
from xietong.core.spreadsheets import workbook_bytes
from xietong.problems.selectors import LedgerRow

THIN = Side(style="thin", color="999999")
BOX = Border(left=THIN, right=THIN, top=THIN, bottom=THIN)
HEAD = PatternFill("solid", fgColor="DCE6F1")

LEDGER_COLUMNS = [
    gettext_lazy("序号"),
    gettext_lazy("问题编号"),
    gettext_lazy("问题主题"),
    gettext_lazy("提报部门"),
    gettext_lazy("提报人"),
    gettext_lazy("紧急程度"),
    gettext_lazy("主责部门"),
    gettext_lazy("主责负责人"),
    gettext_lazy("状态"),
    gettext_lazy("提报时间"),
    gettext_lazy("部门负责人签署时间"),
    gettext_lazy("分派时间"),
    gettext_lazy("首次反馈时间"),
    gettext_lazy("解决时间"),
    gettext_lazy("确认时间"),
    gettext_lazy("分派用时（自签署起，工作小时）"),
    gettext_lazy("首次反馈用时（工作小时）"),
    gettext_lazy("解决用时（工作小时）"),
    gettext_lazy("确认用时（工作小时）"),
    gettext_lazy("全程用时（工作小时）"),
    gettext_lazy("进度反馈次数"),
]
WIDTHS = [6, 16, 28, 12, 8, 8, 12, 10, 12, 17, 17, 17, 17, 17, 17, 10, 10, 10, 10, 10, 8]
HEADER_ROW = 3


def _local(value):
    # Excel has no time zones: write the local wall-clock time people read on the pages.
    return clock.local(value).replace(tzinfo=None) if value is not None else None


def ledger_workbook(rows: list[LedgerRow]) -> bytes:
    wb = Workbook()
    ws = wb.active
    ws.title = _("问题处理台账")
    ws.merge_cells(start_row=1, start_column=1, end_row=1, end_column=len(LEDGER_COLUMNS))
    ws.cell(row=1, column=1, value=_("问题处理台账")).font = Font(bold=True, size=14)
    ws.cell(row=1, column=1).alignment = Alignment(horizontal="center")
    ws.cell(
        row=2,
        column=1,
        value=_("导出时间：%(at)s    用时按工作时间计算（含法定节假日与调休）")
        % {"at": f"{clock.local():%Y-%m-%d %H:%M}"},
    )
    for col, label in enumerate(LEDGER_COLUMNS, start=1):
        cell = ws.cell(row=HEADER_ROW, column=col, value=str(label))
        cell.font = Font(bold=True)
        cell.fill = HEAD
        cell.border = BOX
        cell.alignment = Alignment(horizontal="center", vertical="center", wrap_text=True)
    for index, row in enumerate(rows, start=1):
        p = row.problem
        values = [
            index,
            p.number,
            p.title,
            p.filing_department.name,
            p.created_by.display_name,
            p.get_urgency_display(),
            p.lead_department.name if p.lead_department else "",
            p.owner.display_name if p.owner else "",
            p.get_state_display(),
            _local(row.filed_at),
            _local(row.endorsed_at),
            _local(row.dispatched_at),
            _local(row.first_progress_at),
            _local(row.solved_at),
            _local(row.confirmed_at),
            row.dispatch_hours,
            row.response_hours,
            row.solve_hours,
            row.confirm_hours,
            row.total_hours,
            row.update_count,
        ]
        for col, value in enumerate(values, start=1):
            cell = ws.cell(row=HEADER_ROW + index, column=col, value=value)
            cell.border = BOX
            cell.alignment = Alignment(vertical="top", wrap_text=True)
            if 10 <= col <= 15:
                cell.number_format = "yyyy-mm-dd hh:mm"
            elif 16 <= col <= 20:
                cell.number_format = "0.0"
    for col, width in enumerate(WIDTHS, start=1):
        ws.column_dimensions[get_column_letter(col)].width = width
    ws.freeze_panes = ws.cell(row=HEADER_ROW + 1, column=4)
    return workbook_bytes(wb)
