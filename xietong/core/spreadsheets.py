"""The one way an Excel export leaves the server: `workbook_bytes(wb)`.

People type titles, criteria and comments; a spreadsheet program reads a cell that starts with "=" as a
formula (openpyxl even stores it as one), and "+", "-", "@", a tab or a carriage return at the start can
turn into one when the cell is edited or the sheet is re-saved as CSV (`=HYPERLINK(…)`, `=cmd|…`). Every text
cell of every export is written as text with Excel's quote prefix — shown exactly as typed, never run.
"""

from __future__ import annotations

from io import BytesIO

from openpyxl import Workbook

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
# Excel refuses these in a sheet's name (openpyxl raises ValueError): a name people typed — a designed
# process called 请假/外出 — gets the full-width look-alike instead, and at most 31 characters.
SHEET_NAME_SWAPS = str.maketrans({"/": "／", "\\": "＼", "?": "？", "*": "＊", ":": "：", "[": "【", "]": "】"})


def sheet_name(title: str) -> str:
    """`title` as a sheet's name Excel accepts: no / \\ ? * : [ ], not quoted at either end, ≤ 31 characters."""
    name = str(title).translate(SHEET_NAME_SWAPS).strip().strip("'").strip()[:31]
    return name or "Sheet1"


def text_cell_neutralise(cell) -> None:
    """Store a cell whose text could be read as a formula as plain text with the quote prefix ("'")."""
    value = cell.value
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        cell.data_type = "s"
        cell.quotePrefix = True


def workbook_bytes(wb: Workbook) -> bytes:
    """Neutralise every text cell of every sheet, then serialise the workbook (.xlsx bytes)."""
    for ws in wb.worksheets:
        for row in ws.iter_rows():
            for cell in row:
                text_cell_neutralise(cell)
    buffer = BytesIO()
    wb.save(buffer)
    return buffer.getvalue()
