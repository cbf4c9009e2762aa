"""任务跟踪表 (004 步骤4): the coordinating office follows every meeting's decisions weekly — an Excel export of
the decisions one may see, sent to each coordinator on the week's first working day from 09:00 (after 国庆,
the Thursday)."""

import io

import time_machine
from openpyxl import load_workbook

from xietong.core.worker import run_sweeps_once
from xietong.meetings.tests.helpers import at, inbox, noticed
from xietong.meetings.tests.test_minutes import D, sign, write
from xietong.meetings.tracking import tracking_send_due


def signed(company):
    meeting = noticed(company)  # Tuesday 10 March 10:00–11:30
    write(
        company,
        meeting,
        "2026-03-10 14:00",
        [("完成方案 B 的功耗验证", "wangqiang", D(2026, 3, 20)), ("输出量产可行性评估", "zhaolei", D(2026, 3, 27))],
    )
    sign(company, meeting, "guoxin", "submit", "2026-03-10 14:10")
    sign(company, meeting, "guoxin", "approve", "2026-03-10 15:00")
    return meeting


def test_the_tracking_table_lists_each_decision_with_its_owner_due_date_and_state(company, client_for):
    meeting = signed(company)
    with time_machine.travel(at("2026-03-23 10:00"), tick=False):
        response = client_for("liufang").get("/meetings/actions/tracking.xlsx")
        assert "attachment" in response["Content-Disposition"]
        assert "导出任务跟踪表" in client_for("liufang").get("/meetings/actions/").content.decode()
    ws = load_workbook(io.BytesIO(response.content)).active
    assert ws.cell(row=1, column=1).value == "任务跟踪表（会议决议事项）"
    assert [c.value for c in ws[3]][:9] == [
        "序号",
        "会议编号",
        "会议名称",
        "会议日期",
        "决议事项",
        "责任部门",
        "责任人",
        "完成期限",
        "跟进状态",
    ]
    rows = [[c.value for c in row][:8] for row in ws.iter_rows(min_row=4)]
    assert [r[0:2] + r[4:7] for r in rows] == [
        [1, meeting.number, "完成方案 B 的功耗验证", "软件开发部", "王强"],
        [2, meeting.number, "输出量产可行性评估", "硬件研发部", "赵磊"],
    ]
    assert [r[7].date() for r in rows] == [D(2026, 3, 20), D(2026, 3, 27)]
    states = [ws.cell(row=4 + i, column=9).value for i in range(2)]
    assert states[0].startswith("已逾期") and states[1].startswith("剩余")
    # Someone who may not see the meeting gets an empty table.
    with time_machine.travel(at("2026-03-23 10:00"), tick=False):
        outsider = load_workbook(io.BytesIO(client_for("fengjing").get("/meetings/actions/tracking.xlsx").content))
    assert outsider.active.max_row == 3


def test_coordinators_are_sent_the_table_on_the_week_s_first_working_day_once(company):
    signed(company)
    with time_machine.travel(at("2026-03-16 08:59"), tick=False):
        assert tracking_send_due() == 0
    with time_machine.travel(at("2026-03-16 09:00"), tick=False):
        assert tracking_send_due() == 2  # 刘芳 and 孙丽
        assert run_sweeps_once()["meeting-tracking"] == 0  # once a week
    assert inbox("liufang", "【任务跟踪表】") == ["【任务跟踪表】2026-03-16 周"]
    assert inbox("sunli", "【任务跟踪表】") == ["【任务跟踪表】2026-03-16 周"]


def test_after_national_day_the_table_goes_out_on_thursday(company):
    # 1–7 October 2026 are 国庆: the week of Monday 5 October starts working on Thursday 8 October.
    with time_machine.travel(at("2026-10-07 09:00"), tick=False):
        assert tracking_send_due() == 0
    with time_machine.travel(at("2026-10-08 09:00"), tick=False):
        assert tracking_send_due() == 2
    assert inbox("liufang", "【任务跟踪表】") == ["【任务跟踪表】2026-10-05 周"]
