"""The designer's two rules in a real browser, on a phone (issue 21): the administrator gives a date-time field
「最早：提交后 2 个工作日」 and a step 「当 紧急程度 = 高 时 时限 2 小时」 beside its 1-working-day limit, at 390×844,
and publishes; 郭鑫, on his phone on Friday 2026-10-09 16:00, is refused a start one minute before Monday 10-12
16:00 (the 调休 Saturday counts, Sunday does not) at the field with the clause, everything typed kept, and then
submits an urgent one whose step is due 2 hours later. No sideways scroll; screenshots in test-artifacts/."""

from __future__ import annotations

import pytest
import time_machine
from playwright.sync_api import expect

from conftest import screenshot
from xietong.clocks.models import Clock
from xietong.designer.models import DesignedItem, ProcessDefinition
from xietong.requests.tests.test_request_flow import at

pytestmark = pytest.mark.browser
PHONE = {"width": 390, "height": 844}


def fits(page) -> None:
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]


def test_lead_time_and_a_limit_by_condition_are_set_and_applied_on_a_phone(page_for, live_server):
    base = live_server.url
    with time_machine.travel(at("2026-10-08 16:00"), tick=False):
        admin = page_for("admin")
        admin.set_viewport_size(PHONE)
        admin.goto(f"{base}/designer/new/")
        admin.fill("#d-name", "开工申请")
        admin.fill("#d-key", "kickoff")
        admin.fill("#d-prefix", "KG")
        first = admin.locator("[data-rows=f] > .d-row").first
        first.locator("[name$=_label]").first.fill("开工事由")
        admin.click("[data-add-row=f]")
        start = admin.locator("[data-rows=f] > .d-row").last
        start.locator("[name$=_label]").first.fill("开工时间")
        start.locator("[name$=_key]").first.fill("start")
        start.locator("select[data-type-select]").first.select_option("datetime")
        expect(start.locator("input[name$=_earliest_n]")).to_be_visible()  # only for a date or date-time
        start.locator("input[name$=_earliest_n]").fill("2")
        start.locator("select[name$=_earliest_unit]").select_option(label="个工作日")
        start.locator("input[name$=_earliest_clause]").fill("开工须提前2个工作日申请")
        admin.click("[data-add-row=f]")
        urgency = admin.locator("[data-rows=f] > .d-row").last
        urgency.locator("[name$=_label]").first.fill("紧急程度")
        urgency.locator("[name$=_key]").first.fill("urgency")
        urgency.locator("select[data-type-select]").first.select_option("choice")
        expect(urgency.locator("input[name$=_earliest_n]")).to_be_hidden()
        urgency.locator("textarea[name$=_options]").fill("高\n中")

        step = admin.locator("[data-rows=s] > .d-row").first
        step.locator("[name$=_name]").fill("直属上级审批")
        step.locator("input[name$=_limit_n]").fill("1")
        step.locator("select[name$=_limit_unit]").select_option(label="工作日")
        step.locator("input[name$=_r0_if_field]").fill("urgency")
        step.locator("select[name$=_r0_if_op]").select_option("==")
        step.locator("input[name$=_r0_if_value]").fill("高")
        step.locator("input[name$=_r0_n]").fill("2")
        step.locator("select[name$=_r0_unit]").select_option(label="小时")
        step.locator("input[name$=_r0_basis]").fill("紧急开工2小时内审批")
        fits(admin)
        step.scroll_into_view_if_needed()
        screenshot(admin, "designer-rules-1-editor-phone")
        admin.click("#designer-publish")
        admin.wait_for_load_state("networkidle")
        expect(admin.locator(".messages")).to_contain_text("已发布“开工申请”第 1 版")

    document = ProcessDefinition.objects.get(key="kickoff").current.document
    assert document["fields"][1]["earliest"] == {
        "after": 2,
        "unit": "working_days",
        "clause": "开工须提前2个工作日申请",
    }
    assert document["steps"][0]["limit"]["rules"] == [
        {
            "when": {"field": "urgency", "op": "==", "value": "高"},
            "duration": "2h",
            "mode": "elapsed",
            "clause": "紧急开工2小时内审批",
        }
    ]

    with time_machine.travel(at("2026-10-09 16:00"), tick=False):
        guoxin = page_for("guoxin")
        guoxin.set_viewport_size(PHONE)
        guoxin.goto(f"{base}/p/kickoff/new/")
        expect(guoxin.locator(".help.earliest")).to_have_text("最早：提交后 2 个工作日「开工须提前2个工作日申请」")
        guoxin.fill("#id_title", "渠道活动开工")
        guoxin.select_option("#id_project", label="智能手表项目")
        guoxin.fill("#f_reason", "渠道活动")
        guoxin.fill("#f_start", "2026-10-12T15:59")
        guoxin.select_option("#f_urgency", "高")
        guoxin.click("button[name=submit]")
        guoxin.wait_for_load_state("networkidle")
        error = guoxin.locator("#f_start").locator("xpath=ancestor::div[contains(@class,'field')][1]//p[@role='alert']")
        expect(error).to_have_text(
            "“开工时间”最早为 2026-10-12 16:00（提交后 2 个工作日）。依据：「开工须提前2个工作日申请」"
        )
        assert guoxin.input_value("#id_title") == "渠道活动开工"
        assert guoxin.input_value("#f_start") == "2026-10-12T15:59"
        fits(guoxin)
        screenshot(guoxin, "designer-rules-2-refused-phone")
        guoxin.fill("#f_start", "2026-10-12T16:00")
        guoxin.click("button[name=submit]")
        guoxin.wait_for_load_state("networkidle")
        expect(guoxin.locator(".messages")).to_contain_text("KG-2026-0001 已提交")
        item = DesignedItem.objects.get()
        clock = Clock.objects.get(subject_id=item.pk, kind=item.step)
        assert (clock.owner.username, clock.due_at) == ("hujun", at("2026-10-09 18:00"))  # 高: 2 elapsed hours
        expect(guoxin.locator("#clocks")).to_contain_text("直属上级审批 · 紧急程度 = 高：2 小时")
        fits(guoxin)
        screenshot(guoxin, "designer-rules-3-item-phone")
