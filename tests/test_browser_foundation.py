"""A person signs in through the real login form in Chromium and finds their way around."""

import pytest

from conftest import screenshot

pytestmark = pytest.mark.browser


def test_sign_in_see_workbench_and_org_tree(page_for, live_server):
    page = page_for("wangqiang")
    assert page.locator("h1").inner_text() == "我的工作台"
    assert "智能手表项目" in page.locator("#wb-projects").inner_text()
    screenshot(page, "foundation-workbench")

    page.click("nav.mainnav >> text=组织架构")
    page.wait_for_url(f"{live_server.url}/org/")
    tree = page.locator("ul.orgtree")
    assert "研发中心" in tree.inner_text() and "软件开发部" in tree.inner_text()
    # 软件开发部 lists its people; 财务部 shows no names to an engineer.
    assert "李娜" in page.locator("[data-department=rd-software]").inner_text()
    assert "冯静" not in page.locator("[data-department=finance] .people").all_inner_texts()
    screenshot(page, "foundation-org-tree")

    page.click("[data-department=rd-software] a.chip:has-text('李娜')")
    page.wait_for_url("**/org/people/*/")
    assert page.locator("h1").inner_text().startswith("李娜")
    assert "上级链" in page.content()


def test_wrong_password_then_english(browser, live_server, live_company):
    context = browser.new_context(locale="zh-CN")
    page = context.new_page()
    page.goto(f"{live_server.url}/accounts/login/")
    page.fill("input[name=username]", "lina")
    page.fill("input[name=password]", "不对的密码")
    page.click("#login-submit")
    assert "用户名或密码不正确" in page.locator(".form-errors").inner_text()
    screenshot(page, "foundation-login-error")
    page.click("text=English")
    assert page.locator("h1").inner_text() == "Sign in to Xietong"
    context.close()


def test_chinese_404_page(page_for, live_server):
    page = page_for("lina")
    page.goto(f"{live_server.url}/org/projects/999999/")
    assert "找不到这个页面" in page.content()
    screenshot(page, "foundation-404")
