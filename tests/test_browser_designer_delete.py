"""Deleting a draft and discarding unpublished changes on a phone (issue 21): at 390×844 the administrator finds
删除 on the draft's row of the designer's list (a card on a phone), confirms on a page of its own and lands back
on the list; in the editor of a published process with a pending edit, 放弃未发布的修改 brings back the published
version. No page scrolls sideways. Screenshots go to test-artifacts/."""

from __future__ import annotations

import copy
import re

import pytest
from playwright.sync_api import expect

from conftest import screenshot
from xietong.designer.models import ProcessDefinition
from xietong.designer.services import definition_save_draft
from xietong.designer.tests.support import expense, publish

pytestmark = pytest.mark.browser
PHONE = {"width": 390, "height": 844}


def fits(page) -> bool:
    return page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]


def test_the_administrator_deletes_a_draft_and_discards_a_pending_edit_on_a_phone(page_for, live_server, live_company):
    admin_person = live_company.person("admin")
    live = publish(live_company).definition  # 费用报销 v1: 直属上级审批 within 1 working day
    changed = copy.deepcopy({**live.current.document, "name": "费用报销（新）"})
    changed["steps"][0]["limit"]["duration"] = "3d"
    definition_save_draft(actor=admin_person, document=changed, definition=live)
    trip = definition_save_draft(actor=admin_person, document={**expense(), "key": "trip", "name": "差旅报销"})

    admin = page_for("admin")
    admin.set_viewport_size(PHONE)
    admin.goto(f"{live_server.url}/designer/")
    row = admin.locator("tr[data-definition=trip]")
    expect(row).to_contain_text("草稿")
    assert fits(admin)
    screenshot(admin, "designer-delete-1-list-phone")
    row.get_by_role("link", name="删除").click()
    admin.wait_for_url(f"{live_server.url}/designer/{trip.pk}/delete/")
    expect(admin.locator("#designer-confirm")).to_contain_text("将删除尚未发布的流程“差旅报销”（trip）及其草稿")
    assert fits(admin)
    screenshot(admin, "designer-delete-2-confirm-phone")
    admin.click("#designer-confirm-button")
    admin.wait_for_url(f"{live_server.url}/designer/")
    expect(admin.locator(".messages")).to_contain_text("已删除草稿“差旅报销”（trip）")
    expect(admin.locator("tr[data-definition=trip]")).to_have_count(0)
    assert not ProcessDefinition.objects.filter(key="trip").exists()

    expense_row = admin.locator("tr[data-definition=expense]")
    expect(expense_row).to_contain_text("有未发布的修改")
    expense_row.get_by_role("link", name="设计").click()
    admin.wait_for_url(f"{live_server.url}/designer/{live.pk}/")
    expect(admin.locator("[name=s0_limit_n]")).to_have_value("3")
    discard = admin.locator("#designer-discard")
    box = discard.bounding_box()
    assert box is not None and box["x"] + box["width"] <= PHONE["width"]
    assert fits(admin)
    discard.click()
    admin.wait_for_url(f"{live_server.url}/designer/{live.pk}/discard/")
    expect(admin.locator("#designer-confirm")).to_contain_text("恢复为已发布的第 1 版")
    assert fits(admin)
    admin.click("#designer-confirm-button")
    admin.wait_for_url(re.compile(rf"{live_server.url}/designer/{live.pk}/$"))
    expect(admin.locator(".messages")).to_contain_text("已放弃未发布的修改，恢复为已发布的第 1 版")
    expect(admin.locator("[name=s0_limit_n]")).to_have_value("1")
    expect(admin.locator("#designer-discard")).to_have_count(0)
    screenshot(admin, "designer-delete-3-discarded-phone")
