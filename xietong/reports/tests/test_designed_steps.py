"""Reports of designed processes per step and approver: on time / late / ran out, average working hours,
every count opening the approvals behind it (as many lines as the count), and each viewer seeing only the
approvers they may see in reports. 费用报销 over the 调休 Saturday 2026-10-10 (working day 09:00–12:00,
13:30–18:00): two claims by 郭鑫 submitted Friday 10-09."""

import re

import pytest
import time_machine

from xietong.designer.tests.support import act, publish, start
from xietong.requests.tests.test_request_flow import at

pytestmark = pytest.mark.django_db


@pytest.fixture
def claims(company):
    version = publish(company)
    first = start(company, version, when="2026-10-09 15:00")
    second = start(company, version, when="2026-10-09 15:00")
    act(company, "hujun", first, "approve", "2026-10-10 16:30")  # due 10-10 15:00: late, 9 working hours
    act(company, "hujun", second, "approve", "2026-10-09 16:00")  # on time, 1 hour
    act(company, "fengjing", first, "approve", "2026-10-12 10:00")  # finance due 10-12 16:30: on time
    act(company, "heyang", first, "approve", "2026-10-13 09:00")  # late
    return first, second  # the second's finance step (due 10-10 16:00) is still open on 10-13


def table(client, period="2026Q4"):
    with time_machine.travel(at("2026-10-13 10:00"), tick=False):
        html = client.get("/reports/designed/", {"period": period}).content.decode()
    body = re.search(r'<table class="table compact" id="designed-steps">.*?<tbody>(.*?)</tbody>', html, re.S).group(1)
    rows = []
    for tr in re.findall(r"<tr[^>]*>(.*?)</tr>", body, re.S):
        cells = [re.sub(r"<[^>]+>", "", td).strip() for td in re.findall(r"<td[^>]*>(.*?)</td>", tr, re.S)]
        links = re.findall(r'<a href="([^"]+)">', tr)
        rows.append((cells, [link.replace("&amp;", "&") for link in links]))
    return rows


def test_per_step_and_approver_on_time_late_and_average_working_hours(company, client_for, claims):
    rows = [cells for cells, _links in table(client_for("chenzhiqiang"))]
    assert rows == [
        ["费用报销", "财务会签", "合计", "4", "1", "1", "2", "25%", "5.75 h"],
        ["费用报销", "财务会签", "冯静", "2", "1", "0", "1", "50%", "2.5 h"],
        ["费用报销", "财务会签", "何洋", "2", "0", "1", "1", "0%", "9.0 h"],
        ["费用报销", "直属上级审批", "合计", "2", "1", "1", "0", "50%", "5.0 h"],
        ["费用报销", "直属上级审批", "胡军", "2", "1", "1", "0", "50%", "5.0 h"],
    ]


def test_every_count_opens_as_many_approvals_as_it_says(company, client_for, claims):
    client = client_for("chenzhiqiang")
    for cells, links in table(client):
        for value, link in zip(cells[3:7], links, strict=True):
            with time_machine.travel(at("2026-10-13 10:00"), tick=False):
                page = client.get(link).content.decode()
            assert page.count('<tr><td><a href="/p/expense/') == int(value), link


def test_a_department_head_sees_their_people_only_and_others_are_refused(company, client_for, claims):
    assert [cells[2] for cells, _ in table(client_for("fengjing"))] == ["合计", "冯静", "何洋"]
    assert [cells[2] for cells, _ in table(client_for("hujun"))] == ["合计", "胡军"]
    assert table(client_for("guoxin")) == [(["本季度没有设时限的审批。"], [])]
    with time_machine.travel(at("2026-10-13 10:00"), tick=False):
        refused = client_for("fengjing").get(
            "/reports/designed/drill/",
            {"period": "2026Q4", "process": "expense", "step": "manager", "person": company.person("hujun").pk},
        )
    assert refused.status_code == 404
