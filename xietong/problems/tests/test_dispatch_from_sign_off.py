"""综合管理部's dispatch limit counts from the filing department head's sign-off, not from filing (issue 20; 004
三（一）步骤2 责任人「发起部门负责人→综合管理部」): the clock starts at the sign-off, and the 问题处理台账 — page,
Excel and API — counts the dispatch time from it too, so the figure the office is judged by is the one its clock
ran. Instants are Asia/Shanghai: the 调休 Saturday 10/10/2026 is a working day (09:00–12:00, 13:30–18:00)."""

import datetime as dt
import io

import time_machine
from openpyxl import load_workbook

from xietong.problems.exports import LEDGER_COLUMNS
from xietong.problems.selectors import ledger_rows
from xietong.problems.tests.test_endorsement_and_plan import act
from xietong.problems.tests.test_problem_flow import at, dispatch, file_problem, live


def test_the_dispatch_clock_and_the_ledger_count_from_the_heads_sign_off(company, client_for):
    # 曹静 files on Friday 10/9 at 17:30; her head 邓丽 signs it off on the 调休 Saturday 10/10 at 11:00.
    problem = file_problem(company, when="2026-10-09 17:30", endorse=None)
    problem = act(company, problem, "dengli", "endorse", "2026-10-10 11:00")
    # One working day (7.5 h) from the sign-off: 1 h + 4.5 h on Saturday, 2 h on Monday → 10/12 11:00
    # (from filing it would have been Saturday 17:30).
    assert live(problem, "dispatch").due_at == at("2026-10-12 11:00")
    dispatch(company, problem, when="2026-10-12 10:00")

    with time_machine.travel(at("2026-10-12 10:30"), tick=False):
        (row,) = ledger_rows(company.person("liufang"))
    assert (row.filed_at, row.endorsed_at, row.dispatched_at) == (
        at("2026-10-09 17:30"),
        at("2026-10-10 11:00"),
        at("2026-10-12 10:00"),
    )
    # 5.5 h on Saturday + 1 h on Monday (from filing: 0.5 + 7.5 + 1 = 9.0).
    assert str(row.dispatch_hours) == "6.5"

    client = client_for("liufang")
    with time_machine.travel(at("2026-10-12 10:30"), tick=False):
        html = client.get("/problems/ledger/").content.decode()
        sheet = load_workbook(io.BytesIO(client.get("/problems/ledger.xlsx").content)).active
        answer = client.get("/api/problems/ledger").json()
    assert "签署 10-10 11:00" in html and "距签署 6.5 h" in html
    assert LEDGER_COLUMNS[9:11] == ["提报时间", "部门负责人签署时间"]
    assert LEDGER_COLUMNS[15] == "分派用时（自签署起，工作小时）"
    values = [c.value for c in sheet[4]]
    assert values[9:12] == [
        dt.datetime(2026, 10, 9, 17, 30),
        dt.datetime(2026, 10, 10, 11, 0),
        dt.datetime(2026, 10, 12, 10, 0),
    ]
    assert float(values[15]) == 6.5
    assert (answer[0]["endorsed_at"], float(answer[0]["dispatch_hours"])) == (
        "2026-10-10T03:00:00Z",
        6.5,
    )  # 11:00 in Shanghai
