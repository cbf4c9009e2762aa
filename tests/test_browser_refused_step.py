"""A refused step on a phone (390×844): 李娜 answers a request with 提出修改建议 and a reason of only 「待定」. The page
comes back with that form open and in view, 「待定」 still in its box (not a character more), the refusal in Chinese
under it and the cursor in it; a page gone stale says someone else changed the request and keeps her text; a
clear reason is then taken. Nothing scrolls sideways."""

import pytest
from django.db import transaction

from conftest import screenshot
from xietong.items.runner import run_step
from xietong.requests.models import Request

pytestmark = pytest.mark.browser

PHONE = {"width": 390, "height": 844}
FORM = "#action-request_changes"


def in_view(page, selector: str) -> bool:
    return page.evaluate(
        """selector => { const r = document.querySelector(selector).getBoundingClientRect();
            return r.top >= 0 && r.bottom <= window.innerHeight && r.left >= 0 && r.right <= window.innerWidth; }""",
        selector,
    )


def send(page, action: str) -> None:
    with page.expect_navigation():
        page.click(f"button[data-action={action}]")


def test_a_refused_reason_stays_at_its_box_on_a_phone(page_for, live_server, live_company):
    from xietong.requests.tests.test_request_flow import new_request

    request = new_request(live_company, when="2026-09-30 17:30")
    page = page_for("lina")
    page.set_viewport_size(PHONE)
    page.goto(f"{live_server.url}/requests/{request.pk}/")
    page.fill(f"{FORM} textarea[name=reason]", "待定")
    send(page, "request_changes")

    assert page.input_value(f"{FORM} textarea[name=reason]") == "待定"
    assert page.locator(f"{FORM} .field-error").inner_text() == "修改建议不能只写“待定”：请直接写明关键信息"
    assert page.locator(f"{FORM} textarea[name=reason]").is_visible()
    assert in_view(page, f"{FORM} textarea[name=reason]") and in_view(page, f"{FORM} .field-error")
    assert page.evaluate("document.activeElement.closest('form') && document.activeElement.closest('form').id") == (
        "action-request_changes"
    )
    assert page.input_value("#action-reject textarea[name=reason]") == ""  # the other step's box is untouched
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    screenshot(page, "phone-refused-step-vague")

    # Meanwhile the request moved on (接收确认 from her message card): the page she is on is one version behind.
    with transaction.atomic():
        run_step(actor=live_company.person("lina"), item=Request.objects.get(pk=request.pk), step="acknowledge")
    page.fill(f"{FORM} textarea[name=reason]", "验收标准缺少功耗测试的环境条件")
    send(page, "request_changes")
    assert page.input_value(f"{FORM} textarea[name=reason]") == "验收标准缺少功耗测试的环境条件"
    assert page.locator(f"{FORM} .field-error").inner_text() == (
        "该记录已被他人修改，页面已更新为最新内容：请核对后再提交（您填写的内容已保留）"
    )
    assert page.locator("#request-state").inner_text() == "评估中"  # the page shows the request as it is now
    screenshot(page, "phone-refused-step-conflict")

    send(page, "request_changes")  # reviewed: sent again as it stands
    assert page.locator("#request-state").inner_text() == "需修改"
    assert page.locator(".field-error:visible").count() == 0
    assert Request.objects.get(pk=request.pk).decision_note == "验收标准缺少功耗测试的环境条件"
