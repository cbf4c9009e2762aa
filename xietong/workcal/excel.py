"""Holidays a company keeps in an Excel sheet: one row per day (日期 | 类型 | 节日), from a template to download.

Pure: bytes in, days out. 类型 is 放假 or 上班 (调休上班); a refused sheet names the row and the reason.
"""

from __future__ import annotations

import datetime as dt
import io
from collections import defaultdict

from xietong.workcal.engine import _

HEADER = ("日期", "类型", "节日")
OFF = {"放假", "休", "假", "休息"}
ON = {"上班", "班", "调休上班", "补班"}


def template_workbook() -> bytes:
    from openpyxl import Workbook
    from openpyxl.styles import Font

    from xietong.core.spreadsheets import workbook_bytes

    workbook = Workbook()
    sheet = workbook.active
    sheet.title = "节假日"
    sheet.append(HEADER)
    for cell in sheet[1]:
        cell.font = Font(bold=True)
    sheet.append([dt.date(2027, 1, 1), "放假", "元旦"])
    sheet.append([dt.date(2027, 2, 20), "上班", "春节"])
    sheet.column_dimensions["A"].width = 14
    sheet.column_dimensions["C"].width = 16
    for row in sheet.iter_rows(min_row=2, max_col=1):
        row[0].number_format = "yyyy-mm-dd"
    notes = workbook.create_sheet("说明")
    for line in (
        "每行一天：日期（2027-01-01）、类型（放假 或 上班）、节日名称。",
        "调休上班的周末填“上班”；示例两行请改成贵公司的安排。",
        "导入：系统管理 › 节假日安排（年度） › 导入 Excel；同一年份再次导入即为更正。",
    ):
        notes.append([line])
    return workbook_bytes(workbook)


class SheetError(ValueError):
    def __init__(self, row: int, reason: str):
        self.row, self.reason = row, reason
        super().__init__(_("第 %(row)d 行：%(reason)s") % {"row": row, "reason": reason} if row else reason)


def parse_sheet(data: bytes) -> dict[int, list[tuple[dt.date, bool, str]]]:
    from openpyxl import load_workbook

    try:
        workbook = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except Exception as exc:  # not a workbook at all
        raise SheetError(
            0, _("无法读取 Excel 文件（请使用下载的模板，.xlsx 格式）：%(error)s") % {"error": exc}
        ) from None
    try:
        sheet = workbook["节假日"] if "节假日" in workbook.sheetnames else workbook.worksheets[0]
        rows = list(sheet.iter_rows(values_only=True))
    finally:
        workbook.close()
    if not rows or tuple(str(c or "").strip() for c in rows[0][:3]) != HEADER:
        raise SheetError(1, _("第一行应为表头：日期、类型、节日（请使用下载的模板）"))
    days: dict[dt.date, tuple[bool, str]] = {}
    for number, row in enumerate(rows[1:], start=2):
        cells = list(row[:3]) + [None] * (3 - len(row[:3]))
        if all(c in (None, "") for c in cells):
            continue
        value, kind, name = cells
        day = _date(value)
        if day is None:
            raise SheetError(number, _("日期“%(value)s”看不懂，应为 2027-01-01") % {"value": value})
        kind_text = str(kind or "").strip()
        if kind_text not in OFF | ON:
            raise SheetError(number, _("类型应为“放假”或“上班”，这里是“%(kind)s”") % {"kind": kind_text})
        if day in days:
            raise SheetError(number, _("%(date)s 出现了两次") % {"date": day.isoformat()})
        days[day] = (kind_text in ON, str(name or "").strip()[:60] or kind_text)
    if not days:
        raise SheetError(0, _("表中没有任何日期"))
    by_year: dict[int, list[tuple[dt.date, bool, str]]] = defaultdict(list)
    for day in sorted(days):
        by_year[day.year].append((day, *days[day]))
    return dict(by_year)


def _date(value) -> dt.date | None:
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    text = str(value or "").strip().replace("/", "-").replace(".", "-")
    try:
        return dt.date.fromisoformat("-".join(part.zfill(2) for part in text.split("-")))
    except ValueError:
        return None
