"""Search in a real browser: the box in the header, results with highlighted words, a filter."""

import pytest

from conftest import screenshot
from xietong.archive.tests.support import comment, docx_bytes, drain, request_in, upload, withdraw

pytestmark = pytest.mark.browser


def test_header_search_finds_two_character_words_with_highlights(page_for, live_server, live_company):
    company = live_company
    a = request_in(company, "smartwatch", "2026-03-02 09:00", title="智能手表项目-电源故障分析")
    b = request_in(company, "q4-iteration", "2026-03-03 09:00", title="登录故障修复需求")
    comment(company, a, "lina", "电源模块故障已复现，下周召开会议讨论", "2026-03-05 10:00")
    upload(company, b, "linxue", "会议纪要.docx", docx_bytes("会议纪要：登录故障原因为缓存失效"), "2026-03-06 10:00")
    withdraw(company, a, "2026-03-10 10:00")
    drain("2026-03-10 10:05")

    page = page_for("lina")
    page.fill("header input[name=q]", "故障")
    with page.expect_navigation():
        page.press("header input[name=q]", "Enter")
    assert page.locator("#result-count").inner_text().startswith("共找到 4 条结果")
    assert page.locator(".hit mark").first.inner_text() == "故障"
    screenshot(page, "search-1-results")

    page.select_option("select[name=status]", "archived")
    with page.expect_navigation():
        page.click("#search-form button[type=submit]")
    assert page.locator("#result-count").inner_text().startswith("共找到 2 条结果")
    screenshot(page, "search-2-archived")

    outsider = page_for("liuyang")  # 2026年Q4产品迭代 only
    outsider.goto(f"{live_server.url}/search/?q=故障")
    assert outsider.locator("#result-count").inner_text().startswith("共找到 2 条结果")

    page.goto(f"{live_server.url}/archive/")
    with page.expect_navigation():
        page.click("#archive-table a")
    assert page.locator("#retention-until").inner_text() == "2028-03-10"
    screenshot(page, "search-3-archive-record")
