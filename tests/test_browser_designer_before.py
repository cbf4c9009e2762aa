"""A step's limit counted back from a date field, set in the editor on a phone (390×844, issue 21): the library's
《会议申请表》 opens with 发送会议通知's 起算 = 在“建议会议时间”之前 chosen in a select the width of the card; a date
field added in the page is offered at once; chosen while it is not required, publishing is refused with the reason
under the select, the choice kept. No sideways scroll; screenshot in test-artifacts/."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from conftest import screenshot

pytestmark = pytest.mark.browser
PHONE = {"width": 390, "height": 844}


def fits(page) -> None:
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]


def test_the_limit_counted_back_from_a_date_is_chosen_and_refused_at_its_select_on_a_phone(
    page_for, live_server, live_company
):
    from xietong.designer.library import library_groups
    from xietong.designer.models import ProcessDefinition
    from xietong.designer.tests.support import publish

    version = publish(live_company, library_groups()["制度模板"]["meeting-apply"])
    admin = page_for("admin")
    admin.set_viewport_size(PHONE)
    admin.goto(f"{live_server.url}/designer/{version.definition.pk}/")
    notice = admin.locator("[data-rows=s] > .d-row").nth(1)
    select = notice.locator("select[name$=_limit_from]")
    expect(select).to_have_value("start")
    expect(select.locator("option:checked")).to_have_text("在“建议会议时间”之前")
    box = select.bounding_box()
    unit = notice.locator("select[name$=_limit_unit]").bounding_box()
    assert box is not None and unit is not None
    assert box["width"] >= 250 and box["height"] == unit["height"]  # the card's width, as tall as its neighbours
    fits(admin)

    admin.click("[data-add-row=f]")
    day = admin.locator("[data-rows=f] > .d-row").last
    day.locator("[name$=_label]").first.fill("会场确认日期")
    day.locator("[name$=_key]").first.fill("venue_day")
    day.locator("select[data-type-select]").first.select_option("date")
    select.select_option(label="在“会场确认日期”之前")  # offered as soon as the field is a date
    admin.click("#designer-publish")
    admin.wait_for_load_state("networkidle")

    notice = admin.locator("[data-rows=s] > .d-row").nth(1)
    select = notice.locator("select[name$=_limit_from]")
    expect(select).to_have_value("venue_day")
    expect(select).to_have_attribute("aria-invalid", "true")
    expect(notice.locator("label.has-error .field-error")).to_have_text(
        "时限从“会场确认日期”倒推时，该字段必须设为必填（否则事项可能没有这个时间）"
    )
    fits(admin)
    select.scroll_into_view_if_needed()
    screenshot(admin, "designer-before-field-refused-phone")
    assert ProcessDefinition.objects.get(pk=version.definition.pk).current.n == 1
