"""Report figures against the hand-computed fixture (see fixture.py for every clock and the arithmetic)."""

import io

import pytest
import time_machine
from openpyxl import load_workbook

from xietong.reports import exports
from xietong.reports.periods import Quarter
from xietong.reports.selectors import dashboard, drill, percentile
from xietong.reports.tests.fixture import NOW, build
from xietong.requests.tests.test_request_flow import at

Q2 = Quarter(2026, 2)


@pytest.fixture
def quarter(company):
    return build(company)


def board_for(company, username, department=None):
    with time_machine.travel(at(NOW), tick=False):
        return dashboard(company.person(username), Q2, company.department(department).pk if department else None)


def row(board, label):
    return next(r for r in board.rows if r.label == label)


def test_quarter_boundaries_in_local_time():
    assert Q2.start == at("2026-04-01 00:00") and Q2.end == at("2026-07-01 00:00")
    assert Quarter.parse("2026q4") == Quarter(2026, 4) and Quarter(2026, 1).previous().code == "2025Q4"
    assert Quarter.parse("2026Q5") is None


def test_nearest_rank_percentile():
    assert percentile([1.0, 4.0], 0.9) == 4.0  # ⌈1.8⌉ = 2nd smallest
    assert percentile([float(i) for i in range(1, 11)], 0.9) == 9.0  # ⌈9⌉ = 9th
    assert percentile([], 0.9) is None


def test_company_totals_and_departments_for_the_general_manager(company, quarter):
    board = board_for(company, "chenzhiqiang")
    t = board.totals
    # c1–c7: on time c1 c4 c6, late c2, ran out c3 → 3 / 5 = 60.0 %
    assert (t.overall.total, t.overall.on_time, t.overall.late, t.overall.open_late, t.overall.rate) == (
        7,
        3,
        1,
        1,
        60.0,
    )
    assert (t.open, t.overdue) == (2, 1)  # open: c3, c7; overdue: c3
    assert t.escalations == {1: 1, 2: 1}  # the 03-31 escalation belongs to Q1
    soft, product = row(board, "软件开发部"), row(board, "产品部")
    assert [r.label for r in board.rows] == ["软件开发部", "产品部"]
    f = soft.figures
    assert (f.overall.total, f.overall.on_time, f.overall.late, f.overall.open_late, f.overall.rate) == (
        5,
        2,
        1,
        1,
        50.0,
    )
    assert (f.open, f.overdue, f.escalations) == (1, 1, {1: 1, 2: 1})
    p = product.figures
    assert (p.overall.total, p.overall.rate, p.open, p.overdue, p.escalations) == (2, 100.0, 1, 0, {})


def test_on_time_rate_and_response_times_per_kind(company, quarter):
    t = board_for(company, "chenzhiqiang").totals
    respond, minutes, review = t.by_limit["respond"], t.by_limit["minutes"], t.by_limit["review"]
    assert (respond.total, respond.on_time, respond.rate) == (5, 1, 33.3)  # c1 of c1 c2 c3 judged
    assert (minutes.rate, review.rate) == (100.0, 100.0)
    r = t.response["respond"]
    assert (r.hours, r.median, r.p90, r.limit_hours) == ([1.0, 4.0], 2.5, 4.0, 2.0)
    assert (t.response["minutes"].median, t.response["minutes"].limit_hours) == (6.0, 7.5)
    assert (t.response["review"].median, t.response["review"].limit_hours) == (10.5, 10.5)  # over the night


def test_people_of_a_department(company, quarter):
    board = board_for(company, "chenzhiqiang", "rd-software")
    assert [r.label for r in board.rows] == ["李娜", "王强", "刘洋", "陈静", "杨帆"]
    lina, wangqiang = row(board, "李娜").figures, row(board, "王强").figures
    assert (lina.overall.total, lina.overall.rate, lina.escalations) == (3, 33.3, {1: 1, 2: 1})
    assert (wangqiang.overall.total, wangqiang.overall.rate, wangqiang.open) == (2, 100.0, 0)


def test_feedback_scores_over_four_quarters(company, quarter):
    trend = board_for(company, "chenzhiqiang").feedback
    assert [code for code, _ in trend] == ["2025Q3", "2025Q4", "2026Q1", "2026Q2"]
    assert trend[2][1] == {"communication": 2.0, "division": 2.0, "timeliness": 2.0}
    assert trend[3][1] == {"communication": 4.0, "division": 4.0, "timeliness": 4.0}  # (5+3)/2, (4+4)/2, (3+5)/2


def test_heads_see_their_departments_and_members_their_own_figures(company, quarter):
    lina = board_for(company, "lina")  # heads 软件开发部
    assert [r.label for r in lina.rows] == ["软件开发部"] and lina.totals.overall.total == 5
    zhangwei = board_for(company, "zhangwei")  # heads 研发中心 and its departments
    assert [r.label for r in zhangwei.rows] == ["研发中心", "软件开发部", "硬件研发部", "测试部"]
    mine = board_for(company, "wangqiang")
    assert [r.label for r in mine.rows] == ["王强"] and mine.totals.overall.total == 2
    assert board_for(company, "fengjing").totals.overall.total == 0


def test_drill_down_lists_the_clocks_behind_a_figure(company, quarter):
    gm = company.person("chenzhiqiang")
    soft = company.department("rd-software").pk
    with time_machine.travel(at(NOW), tick=False):
        late = drill(gm, Q2, department_id=soft, outcome="late")
        judged = drill(gm, Q2, person_id=company.person("lina").pk, outcome="judged")
        level_one = drill(gm, Q2, department_id=soft, level=1)
        overdue = drill(gm, Q2, outcome="overdue")
        forbidden = drill(company.person("wangqiang"), Q2, department_id=soft)
    assert [line.clock.pk for line in late] == [quarter["c2"].pk]
    assert [line.clock.pk for line in judged] == [quarter["c1"].pk, quarter["c2"].pk, quarter["c3"].pk]
    assert [(line.escalation.level, line.item_label) for line in level_one] == [(1, str(quarter["r2"]))]
    assert [line.clock.pk for line in overdue] == [quarter["c3"].pk]
    assert forbidden is None


def test_dashboard_page_and_drill_permissions(company, client_for, quarter):
    with time_machine.travel(at(NOW), tick=False):
        page = client_for("chenzhiqiang").get("/reports/", {"period": "2026Q2"}).content.decode()
        assert "<svg" in page and 'id="kpi-rate">60.0%' in page
        drill_page = client_for("chenzhiqiang").get(
            "/reports/drill/",
            {"period": "2026Q2", "department": company.department("rd-software").pk, "outcome": "late"},
        )
        assert "共 1 条" in drill_page.content.decode()
        denied = client_for("wangqiang").get(
            "/reports/drill/", {"period": "2026Q2", "department": company.department("rd-software").pk}
        )
        assert denied.status_code == 404


def test_dashboard_excel_and_pdf(company, client_for, quarter):
    with time_machine.travel(at(NOW), tick=False):
        response = client_for("chenzhiqiang").get("/reports/export.xlsx", {"period": "2026Q2"})
        pdf = client_for("chenzhiqiang").get("/reports/export.pdf", {"period": "2026Q2"})
    ws = load_workbook(io.BytesIO(response.content)).active
    assert ws["A1"].value == "时限遵守情况 2026年第二季度"
    assert [c.value for c in ws[2]] == exports.DASHBOARD_COLUMNS
    assert [c.value for c in ws[3]] == ["软件开发部", 5, 2, 1, 1, 50, 1, 1, 1, 1, 0]
    assert [c.value for c in ws[4]] == ["产品部", 2, 1, 0, 0, 100, 1, 0, 0, 0, 0]
    assert [c.value for c in ws[5]] == ["合计", 7, 3, 1, 1, 60, 2, 1, 1, 1, 0]
    from pypdf import PdfReader

    text = PdfReader(io.BytesIO(pdf.content)).pages[0].extract_text()
    assert pdf.content.startswith(b"%PDF") and "时限遵守情况报表" in text and "软件开发部" in text
