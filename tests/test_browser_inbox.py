"""The unread badge in the header changes when something happens, without reloading the page."""

import pytest
from django.db import transaction
from playwright.sync_api import expect

from conftest import screenshot
from xietong.notify.services import notify

pytestmark = pytest.mark.browser


def test_unread_badge_updates_without_reload(page_for, live_company, settings):
    settings.XIETONG_BADGE_POLL_SECONDS = 1
    page = page_for("lina")
    page.goto(page.url)  # re-render with the short poll interval
    badge = page.locator("#inbox-badge .unread")
    assert badge.get_attribute("data-unread") == "0"
    page.evaluate("window.__marker = 'same page'")

    with transaction.atomic():
        notify(
            recipients=[live_company.person("lina")],
            kind="escalation",
            title="【升级·第1级】王强的请求",
            body="王强的响应已超时，按规则升级至您（部门负责人）。",
            url="/org/",
        )
    # Locator polling, not page scripts: the page's Content-Security-Policy forbids eval, rightly.
    expect(page.locator("#inbox-badge .unread")).to_have_attribute("data-unread", "1", timeout=10000)
    assert page.evaluate("window.__marker") == "same page"  # no reload happened
    assert page.locator("#inbox-badge .unread").inner_text() == "1"
    screenshot(page, "inbox-badge")

    page.click("#inbox-badge")
    page.wait_for_url("**/inbox/")
    assert "【升级·第1级】王强的请求" in page.locator(".inbox").inner_text()
    screenshot(page, "inbox-list")
    page.click("button:has-text('标为已读')")
    expect(page.locator("#inbox-badge .unread")).to_have_attribute("data-unread", "0", timeout=10000)
