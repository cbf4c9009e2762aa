"""Sign-in with OpenID Connect against a real provider running in its own process (tests/oidc_provider.py):
discovery, the provider's sign-in page, the code with PKCE and the client secret, a signed ID token whose
nonce and issuer are checked, and the person matched by subject, then work email, then mobile — never by
name; an unknown person refused (or created, where the department allows it)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest

from xietong.core.models import AuditEvent
from xietong.org.models import Person

ROOT = Path(__file__).resolve().parents[3]
CLIENT_ID, CLIENT_SECRET = "xietong-test", "s3cret-for-the-tests"


@pytest.fixture(scope="module")
def provider_url():
    process = subprocess.Popen(
        [sys.executable, str(ROOT / "tests" / "oidc_provider.py"), CLIENT_ID, CLIENT_SECRET],
        stdout=subprocess.PIPE,
        text=True,
    )
    assert process.stdout is not None
    port = process.stdout.readline().strip()
    assert port.isdigit(), "the OpenID Connect provider did not start"
    yield f"http://127.0.0.1:{port}"
    process.terminate()
    process.wait(timeout=10)


@pytest.fixture
def provider(provider_url, settings):
    from xietong.org import oidc

    settings.XIETONG_OIDC_DISCOVERY_URL = f"{provider_url}/.well-known/openid-configuration"
    settings.XIETONG_OIDC_CLIENT_ID = CLIENT_ID
    settings.XIETONG_OIDC_CLIENT_SECRET = CLIENT_SECRET
    settings.XIETONG_OIDC_LABEL = "Keycloak"
    oidc.forget_discovery()
    yield provider_url
    oidc.forget_discovery()


def add_user(provider: str, username: str, **claims) -> None:
    body = {"username": username, "password": "pw-" + username, "sub": f"sub-{username}", **claims}
    httpx.post(f"{provider}/_test/users", json=body).raise_for_status()


def sign_in(client, provider: str, username: str, next_url: str = "/org/"):
    """Xietong's button, the provider's own sign-in page (fetched and submitted for real), and back."""
    start = client.get(f"/accounts/oidc/?next={next_url}")
    assert start.status_code == 302
    authorize = start["Location"]
    assert authorize.startswith(f"{provider}/authorize?")
    query = parse_qs(urlsplit(authorize).query)
    assert query["code_challenge_method"] == ["S256"] and len(query["code_challenge"][0]) == 43
    assert len(query["state"][0]) >= 32 and len(query["nonce"][0]) >= 32
    page = httpx.get(authorize)
    assert page.status_code == 200 and 'id="login"' in page.text
    form = {k: v[0] for k, v in query.items()} | {"username": username, "password": "pw-" + username}
    answer = httpx.post(f"{provider}/authorize", data=form)
    assert answer.status_code == 302, answer.text
    back = urlsplit(answer.headers["Location"])
    assert back.path == "/accounts/oidc/callback/"
    return client.get(f"{back.path}?{back.query}")


def signed_in_as(client) -> str | None:
    user_id = client.session.get("_auth_user_id")
    return Person.objects.get(pk=user_id).username if user_id else None


def test_login_page_offers_the_provider(client, company, provider):
    html = client.get("/accounts/login/?next=/org/").content.decode()
    assert '<a class="btn wide" id="sso-oidc" href="/accounts/oidc/?next=/org/">使用Keycloak登录</a>' in html


def test_no_provider_configured_no_button(client, company):
    assert "sso-oidc" not in client.get("/accounts/login/").content.decode()
    assert client.get("/accounts/oidc/").status_code == 404


def test_first_sign_in_matches_the_work_email_and_links_the_subject(client, company, provider):
    add_user(provider, "li.na", name="李娜", email="LiNa@xingchen.example.com")
    response = sign_in(client, provider, "li.na")
    assert response.status_code == 302 and response["Location"] == "/org/"
    assert signed_in_as(client) == "lina"
    assert company.person("lina").oidc_id == "sub-li.na"
    linked = AuditEvent.objects.get(action="org.person.change")
    assert linked.after == {"oidc_id": "sub-li.na", "source": "oidc", "reason": "matched on sign-in"}
    assert AuditEvent.objects.get(action="auth.login").actor.username == "lina"

    # Next time the subject alone finds her, even with another email at the provider.
    client.logout()
    add_user(provider, "li.na", name="李娜", email="someone.else@example.com")
    assert sign_in(client, provider, "li.na").status_code == 302
    assert signed_in_as(client) == "lina"


def test_matched_by_mobile_when_the_provider_has_no_email(client, company, provider):
    phone = company.person("wangqiang").phone
    add_user(provider, "wq", name="王强", phone_number=f"+86 {phone}")
    assert sign_in(client, provider, "wq").status_code == 302
    assert signed_in_as(client) == "wangqiang"
    assert company.person("wangqiang").oidc_id == "sub-wq"


def test_same_display_name_is_not_a_match_unknown_person_refused(client, company, provider):
    add_user(provider, "lina2", name="李娜", email="another.lina@elsewhere.example.com")
    response = sign_in(client, provider, "lina2")
    assert response.status_code == 403
    html = response.content.decode()
    assert (
        "您的Keycloak账号（another.lina@elsewhere.example.com）尚未关联协同账号，无法登录。"
        "请联系系统管理员添加或同步通讯录后再试。"
    ) in html
    assert signed_in_as(client) is None
    assert company.person("lina").oidc_id == ""
    refused = AuditEvent.objects.get(action="auth.sso_refused")
    assert refused.after == {"platform": "oidc", "user_id": "sub-lina2", "reason": "unknown"}
    assert not Person.objects.filter(oidc_id="sub-lina2").exists()


def test_just_in_time_account_in_a_department_that_allows_it(client, company, provider):
    qa = company.department("rd-qa")
    qa.jit_sign_in = True
    qa.save()
    add_user(
        provider,
        "chen.xin",
        name="陈新",
        email="chen.xin@xingchen.example.com",
        phone_number="13912345678",
        department="rd-qa",
    )
    response = sign_in(client, provider, "chen.xin")
    assert response.status_code == 302 and response["Location"] == "/org/"
    created = Person.objects.get(oidc_id="sub-chen.xin")
    assert (created.username, created.name, created.email, created.phone, created.department.code) == (
        "chen.xin",
        "陈新",
        "chen.xin@xingchen.example.com",
        "13912345678",
        "rd-qa",
    )
    assert not created.has_usable_password() and created.password_sign_in is False
    assert signed_in_as(client) == "chen.xin"
    event = AuditEvent.objects.get(action="org.person.create")
    assert event.after["reason"] == "jit" and event.after["department"] == qa.pk


def test_no_just_in_time_account_in_a_department_that_does_not_allow_it(client, company, provider):
    company.department("rd-qa").__class__.objects.filter(code="rd-qa").update(jit_sign_in=True)
    add_user(provider, "zhou", name="周一", email="zhou@xingchen.example.com", department="finance")
    assert sign_in(client, provider, "zhou").status_code == 403
    assert not Person.objects.filter(oidc_id="sub-zhou").exists()


def test_deactivated_person_is_refused(client, company, provider):
    Person.objects.filter(username="lina").update(is_active=False, oidc_id="sub-li.na")
    add_user(provider, "li.na", name="李娜", email="lina@xingchen.example.com")
    response = sign_in(client, provider, "li.na")
    assert response.status_code == 403 and "该账号已停用，请联系管理员。" in response.content.decode()
    assert signed_in_as(client) is None


def test_an_id_token_with_another_nonce_is_refused(client, company, provider):
    add_user(provider, "li.na", name="李娜", email="lina@xingchen.example.com")
    httpx.post(f"{provider}/_test/fault", json={"nonce": "replayed-from-another-sign-in"}).raise_for_status()
    response = sign_in(client, provider, "li.na")
    assert response.status_code == 400
    assert "Keycloak的登录凭证无效、已使用或已过期，请重新登录。" in response.content.decode()
    assert signed_in_as(client) is None and company.person("lina").oidc_id == ""


def test_an_id_token_from_another_issuer_is_refused(client, company, provider):
    add_user(provider, "li.na", name="李娜", email="lina@xingchen.example.com")
    httpx.post(f"{provider}/_test/fault", json={"issuer": "https://evil.example.com"}).raise_for_status()
    assert sign_in(client, provider, "li.na").status_code == 400
    assert signed_in_as(client) is None


def test_a_state_this_browser_was_not_given_is_refused(client, company, provider):
    add_user(provider, "li.na", name="李娜", email="lina@xingchen.example.com")
    start = client.get("/accounts/oidc/")
    query = {k: v[0] for k, v in parse_qs(urlsplit(start["Location"]).query).items()}
    answer = httpx.post(
        f"{provider}/authorize", data=query | {"state": "forged", "username": "li.na", "password": "pw-li.na"}
    )
    back = urlsplit(answer.headers["Location"])
    response = client.get(f"{back.path}?{back.query}")
    assert response.status_code == 400
    assert "登录请求已失效或并非由本页面发起，请重新登录。" in response.content.decode()
    assert signed_in_as(client) is None


def test_a_code_is_used_once(client, company, provider):
    add_user(provider, "li.na", name="李娜", email="lina@xingchen.example.com")
    start = client.get("/accounts/oidc/")
    query = {k: v[0] for k, v in parse_qs(urlsplit(start["Location"]).query).items()}
    answer = httpx.post(f"{provider}/authorize", data=query | {"username": "li.na", "password": "pw-li.na"})
    back = urlsplit(answer.headers["Location"])
    assert client.get(f"{back.path}?{back.query}").status_code == 302
    client.logout()
    # The same answer again (say, from the browser's history): the state was used up with the first.
    assert client.get(f"{back.path}?{back.query}").status_code == 400


def test_the_provider_refuses_a_code_without_the_pkce_verifier(provider):
    """The provider really checks PKCE: the verifier Xietong keeps is what makes its code worth anything."""
    add_user(provider, "pk", name="P K", email="pk@example.com")
    from xietong.org import oidc

    url, pending = oidc.authorization("http://testserver/accounts/oidc/callback/")
    query = {k: v[0] for k, v in parse_qs(urlsplit(url).query).items()}
    answer = httpx.post(f"{provider}/authorize", data=query | {"username": "pk", "password": "pw-pk"})
    code = parse_qs(urlsplit(answer.headers["Location"]).query)["code"][0]
    wrong = oidc.Pending(pending.state, pending.nonce, "x" * 64)
    with pytest.raises(oidc.OIDCError, match="PKCE verification failed"):
        oidc.identity_for_code(code, "http://testserver/accounts/oidc/callback/", wrong)
