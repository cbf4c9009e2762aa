"""On a phone (390×844) no page scrolls sideways and the header stays short: it took 279 px (a third of the
screen) with the inbox link pushed off the right edge (pages were 441 px wide), and the report's
eleven-column table widened the page to 495 px."""

import pytest

from conftest import screenshot

PHONE = {"width": 390, "height": 844}
PAGES = [
    "/",
    "/requests/",
    "/tasks/",
    "/meetings/",
    "/problems/",
    "/incidents/",
    "/notices/",
    "/p/seal/",
    "/reports/",
    "/archive/",
    "/org/absences/",
    "/search/?q=续航",
]


@pytest.mark.parametrize("username", ["lina", "chenzhiqiang"])
def test_no_page_scrolls_sideways_on_a_phone_and_the_header_stays_short(page_for, live_server, username):
    page = page_for(username)
    page.set_viewport_size(PHONE)
    wide = {}
    for path in PAGES:
        response = page.goto(f"{live_server.url}{path}")
        assert response is not None and response.status == 200, path
        width = page.evaluate("document.documentElement.scrollWidth")
        if width > PHONE["width"]:
            wide[path] = width
    assert wide == {}
    page.goto(f"{live_server.url}/")
    header = page.locator("header.topbar").bounding_box()
    assert header is not None and header["height"] <= 140
    inbox = page.locator("#inbox-badge").bounding_box()
    search = page.locator(".searchbox input").bounding_box()
    assert inbox is not None and search is not None
    assert inbox["x"] + inbox["width"] <= PHONE["width"]  # the inbox stays on screen
    assert search["x"] + search["width"] <= inbox["x"]  # and the search box does not run under it
    screenshot(page, f"phone-workbench-{username}")


def test_the_steps_of_an_item_stay_readable_buttons_on_a_phone(page_for, live_server, live_company):
    """A step that asks for a reason put its box and its button side by side: at 390 px the buttons
    提出修改建议 and 拒绝并提供替代方案 were squeezed to one character a line (36 px wide, 300 px tall)."""
    from xietong.requests.tests.test_request_flow import new_request

    request = new_request(live_company, when="2026-09-30 17:30")
    page = page_for("lina")
    page.set_viewport_size(PHONE)
    page.goto(f"{live_server.url}/requests/{request.pk}/")
    buttons = page.locator("#actions .action-form button")
    assert buttons.count() >= 3
    for i in range(buttons.count()):
        box = buttons.nth(i).bounding_box()
        assert box is not None
        assert box["height"] <= 60, buttons.nth(i).inner_text()  # one line, not a column of characters
        assert box["height"] >= 44 and box["x"] + box["width"] <= PHONE["width"]
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    screenshot(page, "phone-request-steps")


def test_list_tables_read_as_cards_on_a_phone(page_for, live_server, live_company):
    """Tables become cards on a phone: each row a block, each value under its column's name — the clock
    table of an item squeezed its clause into a column 80 px wide."""
    from xietong.requests.tests.test_request_flow import new_request

    request = new_request(live_company, when="2026-09-30 17:30")
    page = page_for("lina")
    page.set_viewport_size(PHONE)
    page.goto(f"{live_server.url}/requests/{request.pk}/")
    cell = page.locator("#clocks tbody tr").first.locator("td").first
    assert cell.get_attribute("data-label") == "时限"
    assert page.locator("#clocks thead").is_hidden()
    row = page.locator("#clocks tbody tr").first.bounding_box()
    assert row is not None and row["width"] >= 300  # the row is a card across the screen
    page.goto(f"{live_server.url}/requests/?scope=all")
    first = page.locator("table.table tbody tr").first
    assert first.locator("td").first.get_attribute("data-label") == "编号"
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    screenshot(page, "phone-requests-as-cards")
    page.set_viewport_size({"width": 1280, "height": 860})  # a desktop keeps the table
    assert page.locator("table.table thead").first.is_visible()


def test_the_breakdown_and_its_gantt_stay_usable_on_a_phone(page_for, live_server, live_company):
    """The 任务分解表 with its Gantt chart at 390 px: the chart scrolls inside its card, the page does not."""
    from xietong.requests.tests.test_request_flow import _published_task

    request, _breakdown, _task = _published_task(live_company)
    page = page_for("guoxin")
    page.set_viewport_size(PHONE)
    page.goto(f"{live_server.url}/tasks/breakdown/{request.pk}/")
    assert page.locator("svg.gantt").count() == 1
    assert page.locator("svg.gantt").is_visible()
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    screenshot(page, "phone-breakdown-gantt")


def test_a_long_email_address_wraps_on_a_persons_page(page_for, live_server, live_company):
    """陈志强's own page at 390 px: chenzhiqiang@xingchen.example.com, one word to the browser, ran 15 px past the
    card's edge in the 联系方式 list and the whole page scrolled sideways (405 px). A value in such a list wraps."""
    person = live_company.person("chenzhiqiang")
    person.email = "chenzhiqiang.zongjingli@xingchen-zhineng.example.com"
    person.save(update_fields=["email"])
    page = page_for("chenzhiqiang")
    page.set_viewport_size(PHONE)
    page.goto(f"{live_server.url}/org/people/{person.pk}/")
    email = page.get_by_text(person.email).bounding_box()
    assert email is not None and email["x"] + email["width"] <= PHONE["width"]
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    screenshot(page, "phone-person-long-email")
