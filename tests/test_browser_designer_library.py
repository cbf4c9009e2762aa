"""模板库 in a real browser on a phone (issue 21): the administrator opens the library from the designer's list
at 390×844 — both groups, no sideways scroll — reads 《会议申请表》's steps and 依据, uses it, and lands in the
editor on a draft with the template's fields (nothing published). Screenshots go to test-artifacts/.
"""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from conftest import screenshot
from xietong.designer.models import DefinitionVersion, ProcessDefinition

pytestmark = pytest.mark.browser
PHONE = {"width": 390, "height": 844}


def test_the_administrator_uses_the_meeting_application_template_on_a_phone(page_for, live_server):
    admin = page_for("admin")
    admin.set_viewport_size(PHONE)
    admin.goto(f"{live_server.url}/designer/")
    admin.click("#designer-library")
    admin.wait_for_url(f"{live_server.url}/designer/library/")
    expect(admin.locator("h1")).to_have_text("模板库")
    expect(admin.locator("[data-group]")).to_have_count(2)
    assert admin.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    screenshot(admin, "designer-library-1-phone")

    entry = admin.locator("#lib-problem-report")
    expect(entry).to_contain_text("依据：《内部沟通与协调工作机制》三（一）步骤2「综合管理部在1个工作日内审核」")
    description = entry.locator(".lib-desc summary")
    one_line = description.bounding_box()["height"]
    description.click()  # the one-line description opens to its whole text
    assert description.bounding_box()["height"] > 2 * one_line
    assert admin.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]

    meeting = admin.locator("#lib-meeting-apply")
    expect(meeting.locator(".lib-name")).to_have_text("会议申请表")
    expect(meeting.locator(".lib-prefix")).to_have_text("HYSQ")
    expect(meeting.locator(".lib-steps > li")).to_have_count(2)
    expect(meeting).to_contain_text("办理人：表单中的“发起部门对接人”")
    meeting.get_by_role("button", name="使用此模板").click()
    admin.wait_for_url(re.compile(rf"{live_server.url}/designer/\d+/$"))
    expect(admin.locator(".messages")).to_contain_text("已从模板库创建草稿“会议申请表”")
    expect(admin.locator("#d-name")).to_have_value("会议申请表")
    labels = admin.locator("[data-rows=f] > .d-row [name$=_label]")
    expect(labels.first).to_have_value("会议目标")
    values = [labels.nth(i).input_value() for i in range(labels.count())]
    assert values[:4] == ["会议目标", "议题", "建议参会人员", "建议会议时间"]
    assert "发起部门对接人" in values
    assert admin.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    screenshot(admin, "designer-library-2-editor-phone")

    definition = ProcessDefinition.objects.get(key="meeting-apply")
    assert definition.draft["prefix"] == "HYSQ" and not DefinitionVersion.objects.exists()
