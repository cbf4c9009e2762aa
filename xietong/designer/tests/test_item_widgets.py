"""The start form of a designed process without a browser's JavaScript: spare lines in the detail table,
people as a plain list, the total computed on the server whatever was sent, and a refusal shown at the
cell it concerns with every line kept."""

from __future__ import annotations

import re

import pytest
import time_machine

from xietong.designer.models import DesignedItem
from xietong.designer.tests.support import publish
from xietong.requests.tests.test_request_flow import at

pytestmark = pytest.mark.django_db


def names(html: str, pattern: str) -> list[str]:
    return re.findall(rf'name="({pattern})"', html)


@pytest.fixture
def expense(company):
    return publish(company)


def form(company, client_for, **values: str):
    data = {
        "title": "10月上海出差报销",
        "project": str(company.project("smartwatch").pk),
        "f_reason": "智能手表渠道拜访",
        "f_kind": "差旅",
        "submit": "1",
        **values,
    }
    with time_machine.travel(at("2026-10-09 10:00"), tick=False):
        return client_for("guoxin").post("/p/expense/new/", data)


def test_without_javascript_the_table_offers_spare_lines_and_people_a_list(company, client_for, expense):
    with time_machine.travel(at("2026-10-09 10:00"), tick=False):
        html = client_for("guoxin").get("/p/expense/new/").content.decode()
    assert names(html, r"f_lines-\d+-amount") == ["f_lines-0-amount", "f_lines-1-amount", "f_lines-2-amount"]
    assert html.count("data-spare") == 2


def test_empty_lines_are_dropped_and_the_total_is_the_server_s(company, client_for, expense):
    response = form(
        company,
        client_for,
        **{
            "f_lines-0-date": "2026-10-08",
            "f_lines-0-item": "往返高铁",
            "f_lines-0-amount": "1200",
            "f_lines-2-date": "2026-10-08",
            "f_lines-2-item": "住宿",
            "f_lines-2-amount": "553.50",
            "f_total": "1.00",  # never trusted
        },
    )
    assert response.status_code == 302
    item = DesignedItem.objects.get()
    assert [row["amount"] for row in item.values["lines"]] == ["1200.00", "553.50"]
    assert item.values["total"] == "1753.50"


def test_a_bad_cell_is_refused_at_that_cell_and_every_line_is_kept(company, client_for, expense):
    response = form(
        company,
        client_for,
        **{
            "f_lines-0-date": "2026-10-08",
            "f_lines-0-item": "往返高铁",
            "f_lines-0-amount": "1200",
            "f_lines-1-date": "2026-10-08",
            "f_lines-1-item": "住宿",
            "f_lines-1-amount": "553.555",
        },
    )
    assert response.status_code == 400
    html = response.content.decode()
    cell = re.search(r'<td class="has-error" data-label="([^"]+)">\s*<input[^>]*name="([^"]+)" value="([^"]*)"', html)
    assert cell is not None and cell.groups() == ("金额", "f_lines-1-amount", "553.555")
    assert re.findall(r'class="field-error" role="alert">([^<]*)<', html) == ["“金额”最多两位小数"]
    assert 'name="f_lines-0-amount" value="1200"' in html
    assert not DesignedItem.objects.exists()
