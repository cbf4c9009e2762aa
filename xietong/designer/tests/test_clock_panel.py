"""The item page's clock panel under 会签: each approver's own clock is a row (issue 21) — 冯静 approved on
time, 何洋 still to act with the time left."""

import re

import time_machine

from xietong.designer.tests.support import act, clock_rows, publish, start
from xietong.requests.tests.test_request_flow import at


def people_lines(html):
    block = re.findall(r'<ul class="clock-people">(.*?)</ul>', html, re.S)
    return [[re.sub(r"<[^>]+>", "", li).strip() for li in re.findall(r"<li[^>]*>(.*?)</li>", b, re.S)] for b in block]


def test_each_countersigner_has_a_row_with_their_own_clock(company, client_for):
    item = start(company, publish(company))
    act(company, "hujun", item, "approve", "2026-10-10 16:30")
    act(company, "fengjing", item, "approve", "2026-10-12 10:00")
    with time_machine.travel(at("2026-10-12 11:00"), tick=False):
        html = client_for("guoxin").get(item.get_absolute_url()).content.decode()
    assert people_lines(html) == []
    assert [row[1:] for row in clock_rows(html) if row[0].startswith("财务会签")] == [
        ["何洋", "2026-10-12 16:30 按“标准工作日历”计时", "剩余 4 个工作小时"],  # 12:00–13:30 is lunch
        ["冯静", "2026-10-12 16:30 按“标准工作日历”计时", "已按时完成"],
    ]


def test_a_single_approver_keeps_the_plain_owner_cell(company, client_for):
    item = start(company, publish(company))
    with time_machine.travel(at("2026-10-09 16:00"), tick=False):
        html = client_for("guoxin").get(item.get_absolute_url()).content.decode()
    assert people_lines(html) == []
    assert "<td>胡军</td>" in html
