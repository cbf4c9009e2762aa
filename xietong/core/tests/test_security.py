"""Security basics: headers, CSRF on every form, safe downloads, and a clean `check --deploy`."""

import os
import secrets
import subprocess
import sys

import pytest
from django.test import Client


def test_security_headers_on_pages(client_for):
    response = client_for("lina").get("/")
    csp = response["Content-Security-Policy"]
    assert "default-src 'self'" in csp and "script-src 'self'" in csp and "frame-ancestors 'none'" in csp
    assert "unsafe-eval" not in csp and "'unsafe-inline'" not in csp.split("script-src")[1].split(";")[0]
    assert response["X-Frame-Options"] == "DENY"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Referrer-Policy"] == "same-origin"


def test_hsts_and_secure_cookies_when_served_over_tls(tmp_path):
    env = {
        **os.environ,
        "XIETONG_HTTPS": "1",
        "SECRET_KEY": secrets.token_urlsafe(60),
        "ALLOWED_HOSTS": "xietong.example.com",
        "XIETONG_DATA_DIR": str(tmp_path),
        "DJANGO_SETTINGS_MODULE": "xietong.settings",
    }
    env.pop("DATABASE_URL", None)
    env.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)  # the test runner's own setting, not a deployment's
    result = subprocess.run(
        [sys.executable, "-m", "xietong.cli", "check", "--deploy", "--fail-level", "WARNING"],
        capture_output=True,
        text=True,
        env=env,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "System check identified no issues" in result.stdout
    probe = subprocess.run(
        [
            sys.executable,
            "-c",
            "from django.conf import settings; import django; django.setup(); "
            "print(settings.SECURE_HSTS_SECONDS, settings.SESSION_COOKIE_SECURE, settings.CSRF_COOKIE_SECURE,"
            " settings.SECURE_SSL_REDIRECT)",
        ],
        capture_output=True,
        text=True,
        env=env,
    )
    assert probe.stdout.split() == ["31536000", "True", "True", "True"]


@pytest.mark.parametrize(
    "url",
    [
        "/org/people/{lina}/contact/",
        "/me/tokens/",
        "/inbox/read-all/",
        "/requests/new/",
        "/accounts/logout/",
        "/inbox/settings/",
    ],
)
def test_every_form_needs_its_csrf_token(company, url):
    client = Client(enforce_csrf_checks=True)
    client.force_login(company.person("lina"))
    response = client.post(url.format(lina=company.person("lina").pk), {"name": "x"})
    assert response.status_code == 403
    assert "页面已过期或表单来源无法验证" in response.content.decode()


def test_the_api_with_a_session_needs_csrf_too(company):
    client = Client(enforce_csrf_checks=True)
    client.force_login(company.person("lina"))
    response = client.post("/api/inbox/read-all", content_type="application/json")
    assert response.status_code in (401, 403)


@pytest.mark.parametrize(
    "url",
    [
        "/items/attachments/../../../etc/passwd",
        "/static/../settings.py",
        "/static/..%2f..%2fsettings.py",
        "/media/../var/secret_key",
        "/items/requests.request/1/../../../etc/passwd/comments/",
        "/items/..%2F..%2Fetc/1/comments/",
    ],
)
def test_path_traversal_finds_nothing(client_for, url):
    response = client_for("lina").get(url)
    assert response.status_code in (404, 405)
    assert b"root:" not in response.content and b"SECRET_KEY" not in response.content


def test_item_urls_only_reach_item_models(company, client_for):
    # A model that is not a process item (people, tokens) cannot be commented on through the generic URL,
    # even one the person may see (herself).
    c = client_for("lina")
    assert c.post(f"/items/org.person/{company.person('lina').pk}/comments/", {"body": "x"}).status_code == 404
    assert c.post("/items/core.apitoken/1/comments/", {"body": "x"}).status_code == 404
