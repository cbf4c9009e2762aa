"""Signing in and out: password check, throttling after repeated failures (django-axes: per account and
address, per account), usernames as people mean them, the address behind trusted proxies, audit of sign-in."""

import datetime as dt
import os
import subprocess
import sys

import time_machine
from django.test import Client

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
    assert "用户名或密码不正确（密码区分大小写）" in response.content.decode()


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


def post_login(client, username, password, *, ip="192.0.2.10", path="/accounts/login/", **headers):
    return client.post(path, {"username": username, "password": password}, REMOTE_ADDR=ip, **headers)


def test_the_lock_answers_429_and_says_how_long(client, company):
    with time_machine.travel(T0, tick=False):
        for _ in range(4):
            assert post_login(client, "lina", "wrong").status_code == 200
        locked = post_login(client, "lina", "wrong")
    assert locked.status_code == 429
    assert "登录失败次数过多，请 15 分钟后再试。" in locked.content.decode()
    assert 'value="lina"' in locked.content.decode()  # what was typed stays


def test_full_width_and_capitals_are_the_same_account_for_the_password_and_the_throttle(client, company):
    with time_machine.travel(T0, tick=False):
        # ＬＩＮＡ and Lina sign in as lina …
        assert post_login(Client(), "ＬＩＮＡ", "xietong2026").status_code == 302
        assert post_login(Client(), " Lina ", "xietong2026").status_code == 302
        assert AuditEvent.objects.filter(action="auth.login", actor__username="lina").count() == 2
        # … and their failures count for lina: five spellings, one account, locked.
        for spelling in ("ｌｉｎａ", "LINA", "Lina", "ｌｉｎａ", "lina"):
            post_login(client, spelling, "wrong")
        for spelling in ("lina", "ｌｉｎａ", "LiNa"):
            response = post_login(client, spelling, "xietong2026")
            assert response.status_code == 429, spelling
            assert "请 15 分钟后再试" in response.content.decode()


def test_one_address_failing_for_many_accounts_never_locks_right_passwords(client, company):
    """The office's one NAT address: 40 failures for other accounts, then people with their right passwords."""
    with time_machine.travel(T0, tick=False):
        for n in range(40):
            post_login(client, f"guess{n % 8}", "wrong", ip="198.51.100.1")
        for _ in range(4):
            post_login(client, "wangqiang", "wrong", ip="198.51.100.1")
        for username in ("lina", "wangqiang", "guoxin"):
            assert post_login(Client(), username, "xietong2026", ip="198.51.100.1").status_code == 302, username


def test_a_pair_lock_leaves_the_account_open_from_other_addresses(client, company):
    with time_machine.travel(T0, tick=False):
        for _ in range(5):
            post_login(client, "lina", "wrong", ip="203.0.113.66")
        assert post_login(Client(), "lina", "xietong2026", ip="203.0.113.66").status_code == 429
        assert post_login(Client(), "lina", "xietong2026", ip="192.0.2.44").status_code == 302


def test_failures_spread_over_many_addresses_lock_the_account(client, company, settings):
    assert settings.XIETONG_LOGIN_ACCOUNT_MAX_FAILURES == 20
    with time_machine.travel(T0, tick=False) as traveller:
        for n in range(19):
            traveller.shift(dt.timedelta(seconds=30))
            post_login(Client(), "lina", "wrong", ip=f"203.0.113.{n + 1}")
        # 19 failures from 19 addresses: below every limit, the right password still works …
        assert post_login(Client(), "ＬＩＮＡ", "xietong2026", ip="192.0.2.77").status_code == 302
        # … which clears the account's count; 20 more from 20 addresses lock it everywhere.
        for n in range(20):
            post_login(Client(), "lina", "wrong", ip=f"203.0.113.{n + 100}")
        response = post_login(Client(), "lina", "xietong2026", ip="192.0.2.78")
        assert response.status_code == 429 and "请 15 分钟后再试" in response.content.decode()
        traveller.shift(dt.timedelta(minutes=15, seconds=1))
        assert post_login(Client(), "lina", "xietong2026", ip="192.0.2.78").status_code == 302


def test_the_admin_sign_in_is_throttled_the_same_way(client, company):
    with time_machine.travel(T0, tick=False):
        for _ in range(4):
            response = post_login(client, "ADMIN", "wrong", path="/admin/login/?next=/admin/")
            assert response.status_code == 200
        response = post_login(client, "admin", "wrong", path="/admin/login/?next=/admin/")
        assert response.status_code == 429 and "登录失败次数过多，请 15 分钟后再试。" in response.content.decode()
        assert post_login(Client(), "ａｄｍｉｎ", "xietong2026", path="/admin/login/?next=/admin/").status_code == 429
        ok = post_login(Client(), "Admin", "xietong2026", ip="192.0.2.99", path="/admin/login/?next=/admin/")
        assert ok.status_code == 302 and ok["Location"] == "/admin/"


def test_without_a_trusted_proxy_x_forwarded_for_is_ignored(client, company, settings):
    settings.XIETONG_TRUSTED_PROXY_COUNT = 0
    with time_machine.travel(T0, tick=False):
        for n in range(5):
            post_login(client, "lina", "wrong", ip="192.0.2.5", HTTP_X_FORWARDED_FOR=f"10.9.9.{n}")
        assert post_login(Client(), "lina", "xietong2026", ip="192.0.2.5").status_code == 429
        post_login(Client(), "guoxin", "xietong2026", ip="192.0.2.6", HTTP_X_FORWARDED_FOR="203.0.113.200")
    assert AuditEvent.objects.get(action="auth.login").ip == "192.0.2.6"


def test_behind_one_trusted_proxy_the_address_it_appended_counts_not_the_spoofed_left(client, company, settings):
    """nginx appends the peer it saw to X-Forwarded-For; whatever the client sent stays on the left."""
    settings.XIETONG_TRUSTED_PROXY_COUNT = 1
    proxy = "10.0.0.2"
    with time_machine.travel(T0, tick=False):
        # The attacker rotates a spoofed left-most entry: still one address, locked after five.
        for n in range(5):
            post_login(client, "lina", "wrong", ip=proxy, HTTP_X_FORWARDED_FOR=f"1.2.3.{n}, 203.0.113.7")
        spoofed = post_login(Client(), "lina", "xietong2026", ip=proxy, HTTP_X_FORWARDED_FOR="8.8.8.8, 203.0.113.7")
        assert spoofed.status_code == 429
        # Someone else behind the same proxy signs in, and the audit trail has their own address.
        ok = post_login(Client(), "lina", "xietong2026", ip=proxy, HTTP_X_FORWARDED_FOR="192.0.2.123")
        assert ok.status_code == 302
    assert AuditEvent.objects.get(action="auth.login").ip == "192.0.2.123"


def test_behind_two_proxies_the_client_is_second_from_the_right(client, company, settings):
    settings.XIETONG_TRUSTED_PROXY_COUNT = 2
    post_login(client, "guoxin", "xietong2026", ip="10.0.0.3", HTTP_X_FORWARDED_FOR="6.6.6.6, 192.0.2.55, 10.0.0.2")
    assert AuditEvent.objects.get(action="auth.login").ip == "192.0.2.55"
    # A request that bypassed the outer proxy (too short a chain) keeps the peer's address.
    AuditEvent.objects.all().delete()
    post_login(Client(), "guoxin", "xietong2026", ip="10.0.0.3", HTTP_X_FORWARDED_FOR="192.0.2.56")
    assert AuditEvent.objects.get(action="auth.login").ip == "10.0.0.3"


def test_proxy_settings_come_from_the_environment():
    def read(**env):
        code = "from django.conf import settings; print(settings.XIETONG_TRUSTED_PROXY_COUNT)"
        environment = {k: v for k, v in os.environ.items() if not k.startswith("XIETONG_TRUST")}
        environment.update(env, DJANGO_SETTINGS_MODULE="xietong.settings", SECRET_KEY="x" * 50)
        result = subprocess.run(
            [sys.executable, "-c", f"import django; django.setup(); {code}"],
            capture_output=True,
            text=True,
            env=environment,
        )
        return result.stdout.strip()

    assert read() == "0"
    assert read(XIETONG_TRUST_PROXY="1") == "1"
    assert read(XIETONG_TRUSTED_PROXY_COUNT="2") == "2"
