"""Excel of a designed process: the list (one row per item, one column per form field) and one item laid out
as its form (label and value; a detail table as a table; then the approval record)."""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext as _
from openpyxl import Workbook
from openpyxl.styles import Font

from xietong.core import clock
from xietong.core.spreadsheets import sheet_name, workbook_bytes
from xietong.designer.schema import Definition

BOLD = Font(bold=True)


def _local(value: Any) -> Any:
    return clock.local(value).replace(tzinfo=None) if value is not None else None


def list_workbook(definition: Definition, items: list[Any], shown: Any) -> bytes:
    """`shown(item)` gives the item's form values as the page shows them (designer.shown.shown_values)."""
    wb = Workbook()
    ws = wb.active
    ws.title = sheet_name(definition.name)
    fields = [f for f in definition.fields if f.type != "table"]
    ws.append([_("编号"), _("主题"), _("发起人"), _("发起时间"), _("状态"), _("版本"), *(f.label for f in fields)])
    for cell in ws[1]:
        cell.font = BOLD
    for item in items:
        values = {v["label"]: v.get("text", "") for v in shown(item) if not v["table"]}
        ws.append(
            [
                item.number,
                item.title,
                item.created_by.display_name,
                _local(item.created_at),
                str(item.get_state_display()),
                item.definition_version.n,
                *(values.get(f.label, "") for f in fields),
            ]
        )
    return workbook_bytes(wb)


def item_workbook(item: Any, values: list[dict[str, Any]], tasks: list[Any]) -> bytes:
    wb = Workbook()
    ws = wb.active
    ws.title = item.number
    ws.append([f"{item.number} {item.title}"])
    ws["A1"].font = BOLD
    ws.append([_("发起人"), item.created_by.display_name])
    ws.append([_("发起时间"), _local(item.created_at)])
    ws.append([_("状态"), str(item.get_state_display())])
    for value in values:
        if value["table"]:
            ws.append([value["label"]])
            ws.cell(ws.max_row, 1).font = BOLD
            ws.append(["", *value["columns"]])
            for row in value["rows"]:
                ws.append(["", *row])
        else:
            ws.append([value["label"], value["text"]])
    ws.append([])
    ws.append([_("审批记录")])
    ws.cell(ws.max_row, 1).font = BOLD
    for task in tasks:
        ws.append(
            [task.step, task.person.display_name, str(task.get_status_display()), _local(task.acted_at), task.note]
        )
    ws.column_dimensions["A"].width = 18
    ws.column_dimensions["B"].width = 30
    return workbook_bytes(wb)
