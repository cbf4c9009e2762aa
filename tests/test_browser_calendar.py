"""Next year's holidays in a real browser: the administrator pastes the State Council's notice, checks the
year's month grid and the line-by-line check, confirms; a notice with a wrong weekday is refused with its
line and reason and nothing changes. On a desktop and on a 390×844 phone."""

from pathlib import Path

import pytest

from conftest import screenshot
from xietong.workcal.models import HolidaySchedule

pytestmark = pytest.mark.browser

NOTICE = (Path(__file__).parents[1] / "xietong" / "workcal" / "tests" / "notices" / "2027-invented.txt").read_text(
    "utf-8"
)


def open_import(page, live_server):
    page.goto(f"{live_server.url}/admin/workcal/holidayschedule/")
    page.click("text=导入国务院通知")
    page.wait_for_url("**/holidayschedule/import/")


def test_import_the_notice_preview_and_confirm(page_for, live_server):
    admin = page_for("admin")
    open_import(admin, live_server)
    admin.fill("textarea[name=text]", NOTICE)
    admin.click("text=检查并预览")
    admin.wait_for_selector("#year-grid")
    assert "放假 31 天，调休上班 6 天" in admin.locator("#notice-summary").inner_text()
    checks = admin.locator("#notice-checks").inner_text()
    assert "国庆节：9月30日至10月7日放假，共 8 天；9月26日、10月9日上班" in checks
    assert admin.locator("#notice-checks .check-bad").count() == 0
    assert admin.locator("#year-grid td.holiday").count() == 31
    assert admin.locator("#year-grid td.adjusted").count() == 6
    assert admin.locator("#year-grid td[title='2027-10-01 国庆节']").inner_text().startswith("1")
    screenshot(admin, "calendar-1-preview-grid")
    assert not HolidaySchedule.objects.exists()

    admin.click("text=确认导入")
    admin.wait_for_url("**/holidayschedule/*/change/")
    assert "已导入《国务院办公厅关于2027年部分节假日安排的通知》" in admin.locator(".messagelist").inner_text()
    schedule = HolidaySchedule.objects.get()
    assert (schedule.year, schedule.days.count()) == (2027, 37)
    screenshot(admin, "calendar-2-recorded")


def test_a_wrong_notice_is_refused_with_the_line_on_a_phone(browser, live_server, live_company):
    context = browser.new_context(locale="zh-CN", viewport={"width": 390, "height": 844})
    page = context.new_page()
    page.set_default_timeout(30000)
    page.goto(f"{live_server.url}/admin/login/?next=/admin/workcal/holidayschedule/import/")
    page.fill("input[name=username]", "admin")
    page.fill("input[name=password]", "xietong2026")
    page.click("input[type=submit]")
    page.wait_for_url("**/holidayschedule/import/")
    page.fill(
        "textarea[name=text]", NOTICE.replace("（周四）至10月7日", "（周五）至10月7日").replace("共3天", "共4天", 1)
    )
    page.click("text=检查并预览")
    page.wait_for_selector("#notice-problems")
    problems = page.locator("#notice-problems").inner_text()
    assert "通知未导入，未做任何修改。" in problems
    assert "第 8 行" in problems and "1月1日至1月3日共 3 天，文中写的是“共4天”" in problems
    assert "第 14 行" in problems and "9月30日是周四，括号里写的是“周五”" in problems
    assert "（周五）至10月7日" in page.locator("textarea[name=text]").input_value()  # kept as typed
    # Nothing overflows the phone's width.
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    screenshot(page, "calendar-3-refused-phone")

    page.fill("textarea[name=text]", NOTICE)
    page.click("text=检查并预览")
    page.wait_for_selector("#year-grid")
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    screenshot(page, "calendar-4-preview-phone")
    assert not HolidaySchedule.objects.exists()
    context.close()
