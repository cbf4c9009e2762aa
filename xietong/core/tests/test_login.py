"""Signing in and out: password check, throttling after repeated failures, audit of sign-in."""

import datetime as dt

import time_machine

from xietong.core.models import AuditEvent

T0 = dt.datetime(2026, 3, 2, 9, 0, tzinfo=dt.UTC)


def test_login_page_is_chinese(client, company):
    page = client.get("/accounts/login/")
    assert page.status_code == 200
    html = page.content.decode()
    assert "登录协同" in html and "用户名" in html and "密码" in html


def test_demo_login_reaches_the_workbench_and_is_audited(client, company):
    response = client.post("/accounts/login/", {"username": "lina", "password": "xietong2026"})
    assert response.status_code == 302 and response["Location"] == "/"
    assert "我的工作台" in client.get("/").content.decode()
    assert AuditEvent.objects.filter(action="auth.login", actor__username="lina").count() == 1


def test_wrong_password_says_so_in_chinese(client, company):
    response = client.post("/accounts/login/", {"username": "lina", "password": "wrong"})
    assert response.status_code == 200
    assert "用户名或密码不正确" in response.content.decode()


def test_five_failures_lock_the_account_for_fifteen_minutes(client, company):
    with time_machine.travel(T0, tick=False) as traveller:
        for _ in range(5):
            client.post("/accounts/login/", {"username": "lina", "password": "wrong"})
        # Even the right password is refused now, with the waiting time.
        response = client.post("/accounts/login/", {"username": "lina", "password": "xietong2026"})
        assert "登录失败次数过多，请 15 分钟后再试" in response.content.decode()
        traveller.shift(dt.timedelta(minutes=10))
        response = client.post("/accounts/login/", {"username": "lina", "password": "xietong2026"})
        assert "请 5 分钟后再试" in response.content.decode()
        traveller.shift(dt.timedelta(minutes=5, seconds=1))
        response = client.post("/accounts/login/", {"username": "lina", "password": "xietong2026"})
        assert response.status_code == 302


def test_lock_is_per_account(client, company):
    with time_machine.travel(T0, tick=False):
        for _ in range(5):
            client.post("/accounts/login/", {"username": "lina", "password": "wrong"})
        assert client.post("/accounts/login/", {"username": "wangqiang", "password": "xietong2026"}).status_code == 302


def test_logout_needs_post_and_ends_the_session(client, company):
    client.post("/accounts/login/", {"username": "lina", "password": "xietong2026"})
    assert client.get("/accounts/logout/").status_code == 405
    assert client.post("/accounts/logout/").status_code == 302
    assert client.get("/").status_code == 302
    assert AuditEvent.objects.filter(action="auth.logout").count() == 1


def test_pages_need_login(client, company):
    for url in ["/", "/org/", f"/org/people/{company.person('lina').pk}/", "/org/projects/", "/me/tokens/"]:
        response = client.get(url)
        assert response.status_code == 302 and response["Location"].startswith("/accounts/login/"), url
