"""Writing a notice with the editor (issue 23: notices needed hand-typed HTML): on a phone, 刘芳 makes words
bold, a list and a link with the toolbar, publishes, and 王强 reads it formatted. No inline handler runs (the
site's CSP); what the editor sends is sanitised by the server as before."""

import shutil
from pathlib import Path

from playwright.sync_api import expect

from conftest import screenshot
from xietong.notices.models import Notice


def _shot(page, name: str) -> None:
    path = screenshot(page, name)
    notes = Path("/work/notes/shots")
    if notes.is_dir():
        shutil.copy(path, notes / path.name)


def test_writing_a_notice_with_the_editor_on_a_phone_and_reading_it(page_for):
    liufang = page_for("liufang")
    liufang.set_viewport_size({"width": 390, "height": 844})
    liufang.on("dialog", lambda d: d.accept("https://example.com/guide") if d.type == "prompt" else d.dismiss())
    liufang.goto(liufang.url.rstrip("/") + "/notices/new/")
    expect(liufang.locator("textarea[name=body]")).to_be_hidden()
    liufang.fill("input[name=title]", "关于提交季度总结的通知")
    editor = liufang.locator(".rich-area")
    editor.click()
    liufang.keyboard.type("请各部门")
    liufang.click(".rich-toolbar .rich-bold")
    liufang.keyboard.type("周五前")
    liufang.click(".rich-toolbar .rich-bold")
    liufang.keyboard.type("提交：")
    liufang.keyboard.press("Enter")
    liufang.click(".rich-toolbar .rich-list")
    liufang.keyboard.type("季度总结")
    liufang.keyboard.press("Enter")
    liufang.keyboard.type("下季度计划")
    liufang.keyboard.press("Enter")
    liufang.keyboard.press("Enter")
    liufang.keyboard.type("模板见")
    liufang.click(".rich-toolbar .rich-link")
    liufang.fill("input[name=effective_date]", "2030-01-02")
    liufang.check("input[name=target_everyone]")
    liufang.uncheck("input[name=requires_confirmation]")
    assert liufang.evaluate("document.documentElement.scrollWidth") <= 390
    _shot(liufang, "notice-editor-phone")
    liufang.click("#publish-notice")
    liufang.wait_for_url("**/notices/*/")
    notice = Notice.objects.get()
    assert notice.body == (
        "<p>请各部门<b>周五前</b>提交：</p><ul><li>季度总结</li><li>下季度计划</li></ul>"
        '<p>模板见<a href="https://example.com/guide" rel="noopener noreferrer">https://example.com/guide</a></p>'
    )

    wangqiang = page_for("wangqiang")
    wangqiang.set_viewport_size({"width": 390, "height": 844})
    wangqiang.goto(wangqiang.url.rstrip("/") + notice.get_absolute_url())
    body = wangqiang.locator("#notice-body")
    expect(body.locator("b")).to_have_text("周五前")
    expect(body.locator("li")).to_have_text(["季度总结", "下季度计划"])
    expect(body.locator("a")).to_have_attribute("href", "https://example.com/guide")
    assert "待我确认" not in wangqiang.content()
    _shot(wangqiang, "notice-editor-read-phone")
