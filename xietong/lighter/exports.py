"""客户需求沟通进度同步表 as Excel, in the template's own columns."""

from __future__ import annotations

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from openpyxl import Workbook
from openpyxl.styles import Alignment, Border, Font, PatternFill, Side
from openpyxl.utils import get_column_letter

from xietong.core.i18n import enumerate_list
from xietong.core.spreadsheets import workbook_bytes
from xietong.lighter.models import CustomerRequirement

THIN = Side(style="thin", color="999999")
BOX = Border(left=THIN, right=THIN, top=THIN, bottom=THIN)
HEAD = PatternFill("solid", fgColor="DCE6F1")
SYNC_COLUMNS = [
    gettext_lazy("日期"),
    gettext_lazy("沟通阶段"),
    gettext_lazy("进展描述"),
    gettext_lazy("参与人"),
    gettext_lazy("下一步计划"),
    gettext_lazy("风险与应对"),
]


def people_text(row) -> str:
    return enumerate_list(f"{p.department.name if p.department else ''}/{p.display_name}" for p in row.people.all())


def risk_text(row) -> str:
    if not row.risk:
        return ""
    return (
        _("%(risk)s；应对：%(response)s") % {"risk": row.risk, "response": row.response} if row.response else row.risk
    )


def customer_workbook(requirement: CustomerRequirement) -> bytes:
    wb = Workbook()
    ws = wb.active
    ws.title = _("客户需求沟通进度同步表")
    ws.merge_cells(start_row=1, start_column=1, end_row=1, end_column=len(SYNC_COLUMNS))
    heading = _("客户需求沟通进度同步表 · %(r)s") % {"r": f"{requirement.number} {requirement.title}"}
    title = ws.cell(row=1, column=1, value=heading)
    title.font = Font(bold=True, size=14)
    title.alignment = Alignment(horizontal="center")
    ws.cell(
        row=2,
        column=1,
        value=_("客户：%(customer)s    对接人：%(owner)s    负责部门：%(dept)s")
        % {
            "customer": requirement.customer,
            "owner": requirement.owner.display_name,
            "dept": requirement.department.name,
        },
    )
    for col, label in enumerate(SYNC_COLUMNS, start=1):
        cell = ws.cell(row=3, column=col, value=str(label))
        cell.font = Font(bold=True)
        cell.fill = HEAD
        cell.border = BOX
        cell.alignment = Alignment(horizontal="center", vertical="center")
    rows = requirement.rows.prefetch_related("people__department").order_by("date", "pk")
    for r, row in enumerate(rows, start=4):
        values = [row.date, row.stage, row.progress, people_text(row), row.next_step, risk_text(row)]
        for c, value in enumerate(values, start=1):
            cell = ws.cell(row=r, column=c, value=value)
            cell.border = BOX
            cell.alignment = Alignment(vertical="top", wrap_text=True)
            if c == 1:
                cell.number_format = "yyyy-mm-dd"
    for col, width in enumerate([12, 12, 36, 20, 30, 36], start=1):
        ws.column_dimensions[get_column_letter(col)].width = width
    return workbook_bytes(wb)
