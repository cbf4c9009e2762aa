"""A new person's first sign-in, in the browser (issue 23): the administrator adds 王小新 in 系统管理 with a password;
she signs in and lands on 修改密码, every other page sends her back there; once she sets her own, the short guide
shows (on a phone too), then never again — the user menu still opens it."""

from conftest import screenshot
from xietong.org.models import Person

PHONE = {"width": 390, "height": 844}


def test_an_administrators_password_is_changed_first_then_the_guide_shows_once(page_for, browser, live_server):
    admin = page_for("admin")

    admin.goto(f"{live_server.url}/admin/org/person/add/")
    admin.fill("input[name=username]", "wangxx")
    admin.fill("input[name=name]", "王小新")
    admin.fill("input[name=email]", "wangxx@xingchen.example.com")
    admin.fill("input[name=password1]", "Chushi#2026x")
    admin.fill("input[name=password2]", "Chushi#2026x")
    admin.click("input[name=_save]")
    person = Person.objects.get(username="wangxx")
    admin.wait_for_url(f"{live_server.url}/admin/org/person/{person.pk}/change/")
    assert (person.must_change_password, person.guide_pending) == (True, True)

    context = browser.new_context(locale="zh-CN", viewport=PHONE)
    page = context.new_page()
    page.set_default_timeout(30000)
    page.goto(f"{live_server.url}/accounts/login/")
    page.fill("input[name=username]", "wangxx")
    page.fill("input[name=password]", "Chushi#2026x")
    page.click("#login-submit")
    page.wait_for_url(f"{live_server.url}/accounts/password/change/")
    assert "管理员为您设置了初始密码" in page.locator("#password-forced").inner_text()
    for path in ("/", "/requests/", "/tasks/", "/guide/"):
        page.goto(f"{live_server.url}{path}")
        assert page.url == f"{live_server.url}/accounts/password/change/", path

    page.fill("input[name=old_password]", "Chushi#2026x")
    page.fill("input[name=new_password1]", "Ziji#Mima58")
    page.fill("input[name=new_password2]", "Ziji#Mima58")
    page.click("#password-submit")
    page.wait_for_url(f"{live_server.url}/guide/")
    assert page.locator("h1").inner_text() == "欢迎使用协同，王小新"
    assert page.locator("#guide-workbench h2").inner_text() == "我的工作台"
    assert page.locator("#guide-clocks h2").inner_text() == "我的事项与时限"
    assert page.locator("#guide-notify h2").inner_text() == "通知设置"
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    screenshot(page, "first-sign-in-guide-phone")

    page.click("#guide-done")
    page.wait_for_url(f"{live_server.url}/")
    page.goto(f"{live_server.url}/requests/")
    assert page.url == f"{live_server.url}/requests/"  # not again
    page.goto(f"{live_server.url}/")
    assert page.url == f"{live_server.url}/"
    assert page.locator("#menu-guide").get_attribute("href") == "/guide/"
    context.close()
