"""内部事务通知确认单 in the template's own layout: 通知主题、通知内容、涉及部门、生效日期、需确认人员、确认状态."""

from __future__ import annotations

from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from openpyxl import Workbook
from openpyxl.styles import Alignment, Border, Font, PatternFill, Side

from xietong.core.i18n import enumerate_list
from xietong.core.spreadsheets import workbook_bytes
from xietong.notices.models import Notice
from xietong.notices.richtext import plain_text
from xietong.notices.selectors import receipt_summary

THIN = Side(style="thin", color="999999")
BOX = Border(left=THIN, right=THIN, top=THIN, bottom=THIN)
HEAD = PatternFill("solid", fgColor="DCE6F1")
COLUMNS = [
    gettext_lazy("通知主题"),
    gettext_lazy("通知内容"),
    gettext_lazy("涉及部门"),
    gettext_lazy("生效日期"),
    gettext_lazy("需确认人员"),
    gettext_lazy("所在部门"),
    gettext_lazy("确认状态"),
    gettext_lazy("确认时间"),
]
WIDTHS = [24, 48, 20, 12, 12, 14, 10, 18]


def scope_text(notice: Notice) -> str:
    if notice.target_everyone:
        return _("全体人员")
    names = [d.name for d in notice.target_departments.all()]
    people = [p.display_name for p in notice.target_people.all()]
    return enumerate_list(names + people)


def confirmation_workbook(notice: Notice) -> bytes:
    wb = Workbook()
    ws = wb.active
    ws.title = _("通知确认单")
    ws.merge_cells(start_row=1, start_column=1, end_row=1, end_column=len(COLUMNS))
    ws.cell(row=1, column=1, value=_("内部事务通知确认单 · %(n)s") % {"n": notice.number}).font = Font(
        bold=True, size=14
    )
    ws.cell(row=1, column=1).alignment = Alignment(horizontal="center")
    summary = receipt_summary(notice)
    ws.cell(
        row=2,
        column=1,
        value=_("发布：%(who)s（%(dept)s）    已确认 %(done)d/%(total)d（%(percent)s%%）")
        % {
            "who": notice.created_by.display_name,
            "dept": notice.department.name,
            "done": summary.overall.confirmed,
            "total": summary.overall.total,
            "percent": summary.overall.percent,
        },
    )
    for col, label in enumerate(COLUMNS, start=1):
        cell = ws.cell(row=3, column=col, value=str(label))
        cell.font, cell.fill, cell.border = Font(bold=True), HEAD, BOX
        cell.alignment = Alignment(horizontal="center", vertical="center")
    body, scope = plain_text(notice.body, limit=2000), scope_text(notice)
    for row, receipt in enumerate(summary.receipts, start=4):
        confirmed = receipt.confirmed_at
        values = [
            notice.title,
            body,
            scope,
            notice.effective_date,
            receipt.person.display_name,
            receipt.department.name if receipt.department else "—",
            _("已确认") if confirmed else _("待确认"),
            timezone.localtime(confirmed).strftime("%Y-%m-%d %H:%M") if confirmed else "",
        ]
        for col, value in enumerate(values, start=1):
            cell = ws.cell(row=row, column=col, value=value)
            cell.border = BOX
            cell.alignment = Alignment(vertical="top", wrap_text=col == 2)
            if col == 4:
                cell.number_format = "yyyy-mm-dd"
    for col, width in enumerate(WIDTHS, start=1):
        ws.column_dimensions[chr(64 + col)].width = width
    return workbook_bytes(wb)
