"""The acceptance's end on a phone (390 px): the 结果确认表 with every key receiver's line, a signature given in the
browser, and the 项目复盘 panel refusing a go-live time later than now at its field (the time kept), then recording
the go-live and showing its clock with the clause — no sideways scroll."""

import re

import pytest
import time_machine

from conftest import screenshot
from xietong.acceptance.tests.test_result_confirmation import SUMMARY, complete
from xietong.requests.models import Request
from xietong.requests.tests.test_request_flow import act, at

pytestmark = pytest.mark.browser
PHONE = {"width": 390, "height": 844}


def test_result_confirmation_and_retrospective_fit_a_phone(page_for, live_server, live_company):
    request = complete(live_company)
    act(live_company, request, "guoxin", "confirm_results", "2026-03-06 11:00", reason=SUMMARY)
    lina = page_for("lina")
    lina.set_viewport_size(PHONE)
    lina.goto(f"{live_server.url}/requests/{request.pk}/")
    with lina.expect_navigation():
        lina.click("button[data-action=sign_results]")
    rows = [re.split(r"[\t\n]+", r.strip()) for r in lina.locator("#result-signatures tbody tr").all_inner_texts()]
    assert rows[0][:2] == ["软件开发部（接收方）", "李娜"] and rows[0][2].startswith("已签字 ")
    assert rows[1:] == [["市场部（参与部门）", "罗倩", "待签字"], ["生产部（参与部门）", "谢强", "待签字"]]
    assert lina.evaluate("document.documentElement.scrollWidth") <= 390
    screenshot(lina, "acceptance-result-confirmation-phone")

    for username in ("luoqian", "xieqiang"):
        act(live_company, Request.objects.get(pk=request.pk), username, "sign_results", "2026-03-06 11:30")
    with time_machine.travel(at("2026-09-30 15:00"), tick=True):
        lina.goto(f"{live_server.url}/requests/{request.pk}/#retrospective")
        lina.fill("#went-live-at", "2026-09-30T16:00")  # later than now: refused at the field, the time kept
        with lina.expect_navigation():
            lina.click("#record-go-live")
        assert lina.locator("#retrospective .field-error").all_inner_texts() == ["上线时间不能晚于现在"]
        assert lina.input_value("#went-live-at") == "2026-09-30T16:00"
        lina.fill("#went-live-at", "2026-09-30T14:30")
        with lina.expect_navigation():
            lina.click("#record-go-live")
    panel = lina.locator("#retrospective").inner_text()
    assert "2026-10-10 14:30 前" in panel
    assert "依据：《企业内部沟通指南与协作工具》二（一）步骤4「项目上线后3个工作日内,项目经理组织复盘会」" in panel
    assert lina.evaluate("document.documentElement.scrollWidth") <= 390
    lina.locator("#retrospective").scroll_into_view_if_needed()
    screenshot(lina, "acceptance-retrospective-phone")
