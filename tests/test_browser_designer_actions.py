"""何洋 approves a designed 费用报销 on a phone (390×844): the item page's 退回/转交/加签 name their boxes, the
selects are the width of the card, and a 转交 the runner refuses (to himself) comes back with its reason under the
person box, the person and the note still there, nothing scrolling sideways."""

from playwright.sync_api import expect

from conftest import screenshot

PHONE = {"width": 390, "height": 844}


def test_a_countersigner_uses_the_actions_on_a_phone_and_a_refusal_keeps_what_he_typed(
    page_for, live_server, live_company
):
    from xietong.designer.models import ApprovalTask
    from xietong.designer.tests.support import act, publish, start

    item = start(live_company, publish(live_company))
    act(live_company, "hujun", item, "approve", "2026-10-09 16:00")

    heyang = page_for("heyang")
    heyang.set_viewport_size(PHONE)
    heyang.goto(f"{live_server.url}/p/expense/{item.pk}/")
    for action, label in (("send_back", "退回到"), ("transfer", "转交给"), ("add_sign", "加签给")):
        expect(heyang.locator(f"#action-{action} label").first).to_have_text(label)
    back = heyang.locator("#action-send_back select[name=to_step]").bounding_box()
    assert back is not None and back["width"] >= 250 and back["height"] >= 44  # a box to tap, not a sliver
    assert heyang.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]

    form = heyang.locator("#action-transfer")
    form.locator(".picker-search").fill("何洋")
    form.locator(".picker-option", has_text="何洋").first.click()
    form.locator("textarea[name=reason]").fill("我出差，请代办")
    form.locator("button[data-action=transfer]").click()
    heyang.wait_for_load_state("networkidle")

    form = heyang.locator("#action-transfer")
    expect(form.locator(".action-field.has-error .field-error")).to_have_text("不能转交给自己")
    expect(form.locator("textarea[name=reason]")).to_have_value("我出差，请代办")
    expect(form.locator(".picker-chip")).to_contain_text("何洋")
    assert heyang.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    form.scroll_into_view_if_needed()
    screenshot(heyang, "designer-actions-refused-phone")
    assert ApprovalTask.objects.get(item=item, person=live_company.person("heyang")).status == "open"


def test_a_vague_send_back_comes_back_with_the_cursor_in_the_reason_box_and_the_step_kept(
    page_for, live_server, live_company
):
    """何洋 sends 退回 to 直属上级审批 with 「待定」: the page comes back at its own address (a reload sends nothing),
    the step still chosen, the refusal under the reason box and the cursor there — not on 退回到 above it."""
    from xietong.designer.models import DesignedItem
    from xietong.designer.tests.support import act, publish, start

    item = start(live_company, publish(live_company))
    act(live_company, "hujun", item, "approve", "2026-10-09 16:00")

    heyang = page_for("heyang")
    heyang.set_viewport_size(PHONE)
    heyang.goto(f"{live_server.url}/p/expense/{item.pk}/")
    form = heyang.locator("#action-send_back")
    form.locator("select[name=to_step]").select_option("manager")
    form.locator("textarea[name=reason]").fill("待定")
    form.locator("button[data-action=send_back]").click()
    heyang.wait_for_load_state("networkidle")

    assert heyang.url == f"{live_server.url}/p/expense/{item.pk}/"
    form = heyang.locator("#action-send_back")
    reason = form.locator("textarea[name=reason]")
    expect(reason).to_have_value("待定")
    expect(reason).to_be_focused()
    expect(form.locator(".action-field.has-error .field-error")).to_have_text(
        "退回原因不能只写“待定”：请直接写明关键信息"
    )
    expect(form.locator("select[name=to_step]")).to_have_value("manager")
    assert heyang.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    screenshot(heyang, "designer-send-back-vague-phone")
    assert DesignedItem.objects.get(pk=item.pk).step == "finance"


def test_the_clock_panel_keeps_headings_and_names_on_one_line_beside_the_form(page_for, live_server, live_company):
    """At 1366 px the 时限 panel sits in the right half beside the form: its 责任人 heading read 责/任/人 and each
    approver's name 冯/静, one character a line."""
    from xietong.designer.tests.support import act, publish, start

    item = start(live_company, publish(live_company))
    act(live_company, "hujun", item, "approve", "2026-10-09 16:00")
    guoxin = page_for("guoxin")
    guoxin.set_viewport_size({"width": 1366, "height": 900})
    guoxin.goto(f"{live_server.url}/p/expense/{item.pk}/")
    lines = guoxin.evaluate(
        """() => [...document.querySelectorAll('#clocks th, #clocks tbody td:nth-child(2)')].map(cell => {
            const range = document.createRange(); range.selectNodeContents(cell);
            return [cell.textContent.trim(), new Set([...range.getClientRects()].map(r => Math.round(r.top))).size];
        })"""
    )
    assert lines and all(n == 1 for _, n in lines), lines
    screenshot(guoxin, "designer-clock-panel-desktop")
