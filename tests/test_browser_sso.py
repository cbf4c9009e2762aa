"""Sign-in with DingTalk / Feishu / WeCom in Chromium against the local platform servers: the QR page on a
desktop and back, the silent sign-in inside the app's browser on a 390×844 phone (the platform's JS-API
loaded from its own origin, allowed by that page's CSP alone), the fallback when the app gives no code,
and the refusal of a person Xietong does not know."""

from __future__ import annotations

import pytest

from conftest import screenshot
from xietong.org.models import Person

pytestmark = pytest.mark.browser

PHONE = {"width": 390, "height": 844}
APP_AGENT = {
    "dingtalk": "Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 Chrome/120 Mobile DingTalk/7.6.0",
    "feishu": "Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 Chrome/120 Mobile Lark/7.20.0",
    "wecom": "Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 Chrome/120 Mobile wxwork/4.1.20",
}


def link(server, field: str) -> None:
    root = server.root_department
    server.add_user("u-lina", "李娜", [root], email="lina@xingchen.example.com")
    server.add_user("u-new", "新同事", [root], email="new@xingchen.example.com")
    Person.objects.filter(username="lina").update(**{field: "u-lina"})


def watch_csp(page) -> list[str]:
    violations: list[str] = []
    page.on("console", lambda m: violations.append(m.text) if "Content Security Policy" in m.text else None)
    return violations


def test_qr_sign_in_on_a_desktop(browser, live_server, live_company, dingtalk, settings):
    settings.XIETONG_FEISHU_APP_ID = ""  # only DingTalk configured: only its button
    link(dingtalk, "dingtalk_id")
    context = browser.new_context(locale="zh-CN", viewport={"width": 1280, "height": 860})
    page = context.new_page()
    violations = watch_csp(page)
    page.goto(f"{live_server.url}/accounts/login/?next=/org/")
    assert page.locator(".sso-buttons a").all_inner_texts() == ["钉钉扫码登录"]
    screenshot(page, "sso-login-buttons")
    page.click("#sso-dingtalk")
    page.wait_for_url(f"{dingtalk.url}/oauth2/auth?**")
    assert page.locator("h1").inner_text() == "钉钉 扫码登录（本地测试服务器）"
    page.click("a.scan-as[data-user=u-lina]")
    page.wait_for_url(f"{live_server.url}/org/")
    assert page.locator("h1").inner_text() == "组织架构"
    assert "李娜" in page.locator("header").inner_text()
    assert violations == []
    context.close()


@pytest.mark.parametrize("platform_name", ["dingtalk", "feishu", "wecom"])
def test_silent_sign_in_inside_the_app_on_a_phone(platform_name, request, browser, live_server, live_company):
    server = request.getfixturevalue(platform_name)
    link(server, f"{platform_name}_id")
    server.app_user = "u-lina"  # signed in to the platform's app on this phone
    context = browser.new_context(locale="zh-CN", viewport=PHONE, user_agent=APP_AGENT[platform_name])
    page = context.new_page()
    violations = watch_csp(page)
    # A link in a work notification: the item's page, not signed in yet.
    page.goto(f"{live_server.url}/org/")
    # (WeCom's authorize address ends in #wechat_redirect, which the browser carries through the redirects.)
    page.wait_for_url(f"{live_server.url}/org/" + ("#wechat_redirect" if platform_name == "wecom" else ""))
    assert page.locator("h1").inner_text() == "组织架构"
    assert "李娜" in page.locator("header").inner_text()
    assert violations == []
    screenshot(page, f"sso-in-app-{platform_name}-phone")
    context.close()


def test_inside_the_app_without_a_code_the_password_form_is_offered(browser, live_server, live_company, dingtalk):
    link(dingtalk, "dingtalk_id")
    dingtalk.app_user = None  # the app gives no code
    context = browser.new_context(locale="zh-CN", viewport=PHONE, user_agent=APP_AGENT["dingtalk"])
    page = context.new_page()
    page.goto(f"{live_server.url}/org/")
    fallback = page.locator("#sso-fallback")
    fallback.wait_for()
    assert "未能从钉钉取得登录授权" in page.locator(".sso-failed").inner_text()
    screenshot(page, "sso-in-app-no-code-phone")
    fallback.click()
    page.fill("input[name=username]", "lina")
    page.fill("input[name=password]", "xietong2026")
    page.click("#login-submit")
    page.wait_for_url(f"{live_server.url}/org/")
    context.close()


def test_an_unknown_person_is_refused_on_a_phone(browser, live_server, live_company, feishu):
    link(feishu, "feishu_id")
    feishu.app_user = "u-new"
    context = browser.new_context(locale="zh-CN", viewport=PHONE, user_agent=APP_AGENT["feishu"])
    page = context.new_page()
    page.goto(f"{live_server.url}/org/")
    refused = page.locator("#sso-refused")
    refused.wait_for()
    assert refused.inner_text() == (
        "您的飞书账号（u-new）尚未关联协同账号，无法登录。请联系系统管理员添加或同步通讯录后再试。"
    )
    assert page.locator("#sso-again").get_attribute("href") == "/accounts/sso/feishu/?app=1"
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    screenshot(page, "sso-refused-phone")
    context.close()


def test_org_sync_page_previews_and_applies(page_for, live_server, dingtalk):
    dingtalk.add_department("2", "研发中心", "1", heads=["u-zw"])
    dingtalk.add_department("6", "算法部", "2", heads=["u-new"])
    dingtalk.add_user("u-zw", "张伟", ["2"], title="研发总监", email="zhangwei@xingchen.example.com")
    dingtalk.add_user("u-new", "新同事", ["6"], title="算法工程师", email="xintongshi@xingchen.example.com")
    page = page_for("admin")
    page.goto(f"{live_server.url}/org/")
    page.click("#org-sync-link")
    page.wait_for_url(f"{live_server.url}/org/sync/")
    page.click("#sync-preview")
    assert page.locator(".sync-diff li").all_inner_texts() == [
        "关联部门 研发中心（按名称匹配）",
        "新增部门 算法部（上级：研发中心）",
        "部门负责人 算法部：— → 新同事",
        "关联人员 张伟（按邮箱或手机匹配）",
        "新增人员 新同事（算法部，算法工程师）",
    ]
    screenshot(page, "org-sync-preview")
    page.click("#sync-apply")
    page.wait_for_url(f"{live_server.url}/org/sync/?source=dingtalk")
    assert page.locator(".messages").inner_text() == (
        "已同步钉钉通讯录：新增部门 1、变更部门 1、新增人员 1、变更人员 1、离职交接 0。"
    )
    page.goto(f"{live_server.url}/org/")
    assert "新同事" in page.locator("[data-department^=dingtalk-6]").inner_text()
