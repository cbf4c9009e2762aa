"""The org chart as an Excel sheet (通讯录表格), for a company without DingTalk, WeCom, Feishu or a directory:
a template to download, and the filled-in sheet read as the same RemoteDepartment / RemotePerson the other
sources give, so org sync shows the same dry-run diff and applies it the same way.

Sheet 部门: 部门编号, 部门名称, 上级部门编号 (empty: under the company), 负责人工号.
Sheet 人员: 工号, 姓名, 部门编号, 职务, 手机, 邮箱, 状态 (在职 / 离职; empty: 在职).
A department is recognised by its 部门编号 and a person by their 工号 (stored on the record on the first sync,
which matches the chart typed in so far by department name, and people by work email, then mobile). Someone
missing from the sheet, or marked 离职, has left.
"""

from __future__ import annotations

import io
from pathlib import Path

from django.conf import settings
from django.utils.translation import gettext as _

from xietong.core.platforms.base import RemoteDepartment, RemotePerson, parents_first
from xietong.core.spreadsheets import workbook_bytes

SOURCE = "excel"
DEPARTMENT_HEADER = ("部门编号", "部门名称", "上级部门编号", "负责人工号")
PEOPLE_HEADER = ("工号", "姓名", "部门编号", "职务", "手机", "邮箱", "状态")
ACTIVE, LEFT = "在职", "离职"


class SheetError(ValueError):
    """What is wrong with the sheet, where (the sheet and the row), in words for the administrator."""


def label() -> str:
    return _("Excel 表格")


def template() -> bytes:
    """The workbook to fill in: the two sheets with their headers and an example row, and the notes."""
    from openpyxl import Workbook
    from openpyxl.styles import Font

    workbook = Workbook()
    departments = workbook.active
    departments.title = "部门"
    departments.append(list(DEPARTMENT_HEADER))
    departments.append(["D01", "研发中心", "", "E001"])
    departments.append(["D02", "软件开发部", "D01", "E002"])
    people = workbook.create_sheet("人员")
    people.append(list(PEOPLE_HEADER))
    people.append(["E001", "张伟", "D01", "研发总监", "13800000001", "zhangwei@example.com", ACTIVE])
    people.append(["E002", "李娜", "D02", "软件开发部经理", "13800000002", "lina@example.com", ACTIVE])
    for sheet in (departments, people):
        for cell in sheet[1]:
            cell.font = Font(bold=True)
        for column in "ABCDEFG":
            sheet.column_dimensions[column].width = 18
        for row in sheet.iter_rows(min_row=2):
            for cell in row:
                cell.number_format = "@"  # text: 工号 0012 and mobiles keep every digit
    notes = workbook.create_sheet("说明")
    for line in (
        "部门：每行一个部门。部门编号不可重复，改名、调整上级时编号保持不变；上级部门编号留空表示直属公司。",
        "部门：负责人工号填写该部门负责人（部门主管）在“人员”表中的工号，可留空。",
        "人员：每行一人。工号不可重复；部门编号须在“部门”表中；状态填“在职”或“离职”（留空为在职）。",
        "人员：首次同步时按工作邮箱、其次按手机号关联已有账号，从不按姓名关联。",
        "离职或从表中删除的人员：先办理离职交接（默认交给所在部门负责人），再停用账号。",
        "示例行请替换为贵公司的部门与人员。分管领导、综合管理部、总经理等本地角色不在表中，同步时保持不变。",
    ):
        notes.append([line])
    return workbook_bytes(workbook)


def _text(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)  # a number typed into a general cell: 13800000001.0
    return str(value).strip()


def _rows(workbook, name: str, header: tuple[str, ...]) -> list[tuple[int, list[str]]]:
    if name not in workbook.sheetnames:
        raise SheetError(_("缺少工作表“%(sheet)s”（请使用下载的模板）") % {"sheet": name})
    rows = list(workbook[name].iter_rows(values_only=True))
    if not rows or tuple(_text(c) for c in rows[0][: len(header)]) != header:
        raise SheetError(
            _("工作表“%(sheet)s”第 1 行应为表头：%(header)s（请使用下载的模板）")
            % {"sheet": name, "header": "、".join(header)}
        )
    out = []
    for number, row in enumerate(rows[1:], start=2):
        cells = [_text(c) for c in row[: len(header)]] + [""] * (len(header) - len(row[: len(header)]))
        if any(cells):
            out.append((number, cells))
    return out


def read(data: bytes) -> tuple[list[RemoteDepartment], list[RemotePerson]]:
    """The sheet's departments (parents before children) and people; SheetError naming the sheet and row."""
    from openpyxl import load_workbook

    try:
        workbook = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except Exception as error:  # not a workbook at all
        raise SheetError(
            _("无法读取 Excel 文件（请使用下载的模板，.xlsx 格式）：%(error)s") % {"error": error}
        ) from None
    try:
        department_rows = _rows(workbook, "部门", DEPARTMENT_HEADER)
        people_rows = _rows(workbook, "人员", PEOPLE_HEADER)
    finally:
        workbook.close()

    def wrong(sheet: str, number: int, reason: str) -> SheetError:
        return SheetError(
            _("工作表“%(sheet)s”第 %(row)d 行：%(reason)s") % {"sheet": sheet, "row": number, "reason": reason}
        )

    people_ids = {cells[0] for _n, cells in people_rows if cells[0]}
    departments: dict[str, RemoteDepartment] = {}
    for number, (code, name, parent, head) in department_rows:
        if not code or not name:
            raise wrong("部门", number, _("部门编号和部门名称必填"))
        if code in departments:
            raise wrong("部门", number, _("部门编号“%(code)s”重复") % {"code": code})
        if head and head not in people_ids:
            raise wrong("部门", number, _("负责人工号“%(id)s”不在“人员”表中") % {"id": head})
        departments[code] = RemoteDepartment(
            id=code, name=name, parent_id=parent or None, head_ids=(head,) if head else ()
        )
    for number, (code, *_rest) in department_rows:
        parent_id = departments[code].parent_id
        if parent_id and parent_id not in departments:
            raise wrong("部门", number, _("上级部门编号“%(code)s”不在“部门”表中") % {"code": parent_id})
        seen: set[str] = {code}
        above = parent_id
        while above:
            if above in seen:
                raise wrong("部门", number, _("上级部门形成了循环"))
            seen.add(above)
            above = departments[above].parent_id
    people: dict[str, RemotePerson] = {}
    for number, (code, name, department, title, mobile, email, status) in people_rows:
        if not code or not name:
            raise wrong("人员", number, _("工号和姓名必填"))
        if code in people:
            raise wrong("人员", number, _("工号“%(id)s”重复") % {"id": code})
        if department and department not in departments:
            raise wrong("人员", number, _("部门编号“%(code)s”不在“部门”表中") % {"code": department})
        if status not in ("", ACTIVE, LEFT):
            raise wrong("人员", number, _("状态应为“在职”或“离职”，这里是“%(status)s”") % {"status": status})
        if email and "@" not in email:
            raise wrong("人员", number, _("邮箱“%(email)s”格式不正确") % {"email": email})
        people[code] = RemotePerson(
            id=code,
            name=name,
            title=title,
            mobile=mobile,
            email=email,
            department_ids=(department,) if department else (),
            active=status != LEFT,
        )

    return parents_first(list(departments.values()), None), list(people.values())


def configured_file() -> Path | None:
    """The sheet the scheduled sync reads (XIETONG_ORG_SYNC_EXCEL_FILE), if set."""
    path = settings.XIETONG_ORG_SYNC_EXCEL_FILE
    return Path(path) if path else None
