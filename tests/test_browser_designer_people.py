"""People in a designed form are chosen with the one people picker of the product (issue 21): a person field,
a people field and a "requester chooses" step's approvers, on a phone (390×844, no sideways scroll) and with
the keyboard only — typed by pinyin initials, found by the server (/org/people/search/), chosen with Enter.
A refusal keeps who was chosen; the server reads the choices from the definition, not from the browser."""

from __future__ import annotations

import pytest
import time_machine
from django.db import transaction
from playwright.sync_api import expect

from conftest import screenshot
from xietong.designer.models import DesignedItem
from xietong.designer.services import definition_publish
from xietong.requests.tests.test_request_flow import at

pytestmark = pytest.mark.browser
PHONE = {"width": 390, "height": 844}

IT_ACCESS = {
    "key": "it-access",
    "name": "IT 权限申请",
    "prefix": "IT",
    "starters": {"everyone": True},
    "visibility": "participants",
    "fields": [
        {"key": "owner", "label": "系统负责人", "type": "person", "required": True},
        {"key": "users", "label": "使用人", "type": "people"},
    ],
    "steps": [
        {"key": "pick", "name": "指定审批", "kind": "approval", "approvers": {"type": "chooser"}, "mode": "any"},
        {"key": "owner", "name": "负责人确认", "kind": "approval", "approvers": {"type": "field", "field": "owner"}},
    ],
}


def test_a_designed_form_picks_people_with_the_shared_picker_on_a_phone_by_keyboard(
    page_for, live_server, live_company
):
    with time_machine.travel(at("2026-10-09 09:00"), tick=False), transaction.atomic():
        definition_publish(actor=live_company.person("admin"), document=IT_ACCESS)
    hujun, guoxin = live_company.person("hujun"), live_company.person("guoxin")
    page = page_for("guoxin")
    page.set_viewport_size(PHONE)
    page.goto(f"{live_server.url}/p/it-access/new/")

    owner = "#f_owner + .picker"
    page.locator(f"{owner} .picker-search").focus()
    page.keyboard.type("hj")  # 胡军 by the initials of his pinyin
    expect(page.locator(f"{owner} .picker-option").first).to_contain_text("胡军")
    page.keyboard.press("Enter")
    expect(page.locator(f"{owner} .picker-chip span")).to_have_text(["胡军（产品部）"])

    users = "#f_users + .picker"
    page.locator(f"{users} .picker-search").focus()
    page.keyboard.type("gx")
    expect(page.locator(f"{users} .picker-option").first).to_contain_text("郭鑫")
    page.keyboard.press("Enter")
    page.keyboard.type("hj")
    expect(page.locator(f"{users} .picker-option").first).to_contain_text("胡军")
    page.keyboard.press("Enter")
    expect(page.locator(f"{users} .picker-chip span")).to_have_text(["郭鑫（产品部）", "胡军（产品部）"])

    chooser = "#chooser_pick + .picker"
    page.locator(f"{chooser} .picker-search").focus()
    page.keyboard.type("hj")
    expect(page.locator(f"{chooser} .picker-option").first).to_contain_text("胡军")
    page.keyboard.press("Enter")
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    screenshot(page, "designer-12-people-pickers-phone")

    # No title: refused, and everyone chosen is still chosen (the server names them again).
    page.click("button[name=submit]")
    page.wait_for_load_state("networkidle")
    expect(page.locator(".form-errors")).to_be_visible()
    expect(page.locator(f"{owner} .picker-chip span")).to_have_text(["胡军（产品部）"])
    expect(page.locator(f"{users} .picker-chip span")).to_have_text(["郭鑫（产品部）", "胡军（产品部）"])
    expect(page.locator(f"{chooser} .picker-chip span")).to_have_text(["胡军（产品部）"])

    page.fill("#id_title", "开通 OA 权限")
    page.select_option("#id_project", label="智能手表项目")
    page.click("button[name=submit]")
    page.wait_for_load_state("networkidle")
    expect(page.locator(".messages")).to_contain_text("IT-2026-0001 已提交")
    item = DesignedItem.objects.get()
    assert (item.values["owner"], item.values["users"]) == (hujun.pk, [guoxin.pk, hujun.pk])
    assert [(t.step, t.person.username) for t in item.tasks.order_by("pk")] == [("pick", "hujun")]
