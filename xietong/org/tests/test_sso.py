"""Sign-in with DingTalk, WeCom and Feishu against their local stand-in servers (real HTTP): the platform's
QR page and back, the silent sign-in inside the app, a refused unknown or deactivated person, a replayed
code, a bad state, and passwords that an administrator switched off."""

from __future__ import annotations

import re
from html import unescape
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest
from django.test import Client

from xietong.core.models import AuditEvent

PERSON_FIELD = {"dingtalk": "dingtalk_id", "wecom": "wecom_id", "feishu": "feishu_id"}
# The path of the call that turns a sign-in code into a user id, per platform and way of signing in.
EXCHANGE_PATH = {
    ("dingtalk", "qr"): "/v1.0/oauth2/userAccessToken",
    ("dingtalk", "app"): "/topapi/v2/user/getuserinfo",
    ("wecom", "qr"): "/cgi-bin/auth/getuserinfo",
    ("wecom", "app"): "/cgi-bin/auth/getuserinfo",
    ("feishu", "qr"): "/open-apis/authen/v1/oidc/access_token",
    ("feishu", "app"): "/open-apis/authen/v1/oidc/access_token",
}
APP_AGENT = {
    "dingtalk": "Mozilla/5.0 (Linux; Android 14) AppleWebKit/537.36 Mobile DingTalk/7.6.0",
    "wecom": "Mozilla/5.0 (Linux; Android 14) AppleWebKit/537.36 Mobile wxwork/4.1.20",
    "feishu": "Mozilla/5.0 (Linux; Android 14) AppleWebKit/537.36 Mobile Lark/7.20.0 LarkLocale/zh_CN",
}


@pytest.fixture(params=["dingtalk", "wecom", "feishu"])
def platform(request, company):
    """A platform's server whose company has 李娜 (linked to her Xietong account) and 新同事 (not linked)."""
    server = request.getfixturevalue(request.param)
    root = server.root_department
    server.add_user("u-lina", "李娜", [root], mobile="13800000001", email="lina@xingchen.example.com")
    server.add_user("u-new", "新同事", [root], mobile="13900000009", email="new@xingchen.example.com")
    server.name = request.param
    lina = company.person("lina")
    setattr(lina, PERSON_FIELD[request.param], "u-lina")
    lina.save()
    return server


def start(client: Client, platform, next_url: str = "/org/", app: bool = False) -> tuple[str, str]:
    """Ask Xietong to sign in with the platform: (where it sends the browser, the state it gave)."""
    query = f"?next={next_url}" + ("&app=1" if app else "")
    response = client.get(f"/accounts/sso/{platform.name}/{query}")
    assert response.status_code == 302
    location = response["Location"]
    assert location.startswith(platform.url)
    return location, parse_qs(urlsplit(location).query)["state"][0]


def scan_as(platform, authorize_url: str, user_id: str) -> str:
    """The platform's hosted QR page, fetched for real; 'scanning' as `user_id` gives the way back."""
    page = httpx.get(authorize_url).text
    link = re.search(rf'data-user="{user_id}" href="([^"]+)"', page)
    assert link, page
    back = urlsplit(unescape(link.group(1)))
    assert back.path == f"/accounts/sso/{platform.name}/callback/"
    return f"{back.path}?{back.query}"


def signed_in_as(client: Client) -> str | None:
    from xietong.org.models import Person

    user_id = client.session.get("_auth_user_id")
    return Person.objects.get(pk=user_id).username if user_id else None


def test_login_page_offers_only_the_configured_platforms(client, company, dingtalk, settings):
    settings.XIETONG_FEISHU_APP_ID = ""
    settings.XIETONG_WECOM_CORP_ID = ""
    html = client.get("/accounts/login/?next=/org/").content.decode()
    assert '<a class="btn wide" id="sso-dingtalk" href="/accounts/sso/dingtalk/?next=/org/">钉钉扫码登录</a>' in html
    assert "sso-wecom" not in html and "sso-feishu" not in html
    assert client.get("/accounts/sso/wecom/").status_code == 404


def test_no_platform_configured_no_buttons(client, company):
    html = client.get("/accounts/login/").content.decode()
    assert "sso-buttons" not in html
    assert client.get("/accounts/sso/dingtalk/").status_code == 404


def test_qr_sign_in_of_a_known_person(client, platform):
    authorize, state = start(client, platform)
    assert len(state) >= 32
    callback = scan_as(platform, authorize, "u-lina")
    response = client.get(callback)
    assert response.status_code == 302 and response["Location"] == "/org/"
    assert signed_in_as(client) == "lina"
    assert len(platform.calls_to(EXCHANGE_PATH[platform.name, "qr"])) == 1
    login = AuditEvent.objects.get(action="auth.login")
    assert login.actor.username == "lina"


def test_unknown_person_is_refused_with_a_clear_page_and_audited(client, platform):
    authorize, _state = start(client, platform)
    response = client.get(scan_as(platform, authorize, "u-new"))
    assert response.status_code == 403
    html = response.content.decode()
    label = {"dingtalk": "钉钉", "wecom": "企业微信", "feishu": "飞书"}[platform.name]
    assert f"您的{label}账号（u-new）尚未关联协同账号，无法登录。请联系系统管理员添加或同步通讯录后再试。" in html
    assert signed_in_as(client) is None
    refused = AuditEvent.objects.get(action="auth.sso_refused")
    assert refused.actor is None
    assert refused.after == {"platform": platform.name, "user_id": "u-new", "reason": "unknown"}
    assert refused.object_label == f"{label} u-new"
    assert not AuditEvent.objects.filter(action="auth.login").exists()


def test_deactivated_person_is_refused(client, platform, company):
    lina = company.person("lina")
    lina.is_active = False
    lina.save()
    authorize, _state = start(client, platform)
    response = client.get(scan_as(platform, authorize, "u-lina"))
    assert response.status_code == 403
    assert "该账号已停用，请联系管理员。" in response.content.decode()
    assert signed_in_as(client) is None
    refused = AuditEvent.objects.get(action="auth.sso_refused")
    assert refused.object_id == str(lina.pk) and refused.after["reason"] == "inactive"


def test_a_replayed_callback_and_a_replayed_code_are_refused(client, platform):
    authorize, _state = start(client, platform)
    callback = scan_as(platform, authorize, "u-lina")
    assert client.get(callback).status_code == 302
    client.logout()
    # The same address again: its state was used up by the first sign-in.
    again = client.get(callback)
    assert again.status_code == 400
    assert "登录请求已失效或并非由本页面发起，请重新登录。" in again.content.decode()
    # The same code with a state this browser was just given: the platform refuses a used code.
    _authorize, fresh_state = start(client, platform)
    code = parse_qs(urlsplit(callback).query)["authCode" if platform.name == "dingtalk" else "code"][0]
    replay = client.get(f"/accounts/sso/{platform.name}/callback/?code={code}&state={fresh_state}")
    assert replay.status_code == 400
    label = {"dingtalk": "钉钉", "wecom": "企业微信", "feishu": "飞书"}[platform.name]
    assert f"{label} 登录码无效、已使用或已过期，请重新登录。" in replay.content.decode()
    assert signed_in_as(client) is None
    assert len(platform.calls_to(EXCHANGE_PATH[platform.name, "qr"])) == 2


def test_a_state_this_browser_was_not_given_is_refused_before_the_platform_is_asked(client, platform):
    authorize, state = start(client, platform)
    callback = scan_as(platform, authorize, "u-lina")
    forged = callback.replace(f"state={state}", "state=someone-elses-state")
    response = client.get(forged)
    assert response.status_code == 400
    assert "登录请求已失效或并非由本页面发起，请重新登录。" in response.content.decode()
    assert signed_in_as(client) is None
    assert platform.calls_to(EXCHANGE_PATH[platform.name, "qr"]) == []
    # A browser that never started a sign-in (a link sent by someone else) is refused the same way.
    stranger = Client()
    assert stranger.get(callback).status_code == 400
    assert signed_in_as(stranger) is None


def test_next_must_stay_on_this_site(client, platform):
    authorize, _state = start(client, platform, next_url="https://evil.example/")
    response = client.get(scan_as(platform, authorize, "u-lina"))
    assert response.status_code == 302 and response["Location"] == "/"


def test_inside_the_app_the_login_page_signs_in_silently(platform):
    """A link in a work notification opened in the app's browser: no form, the app vouches for the person."""
    platform.app_user = "u-lina"
    client = Client(headers={"user-agent": APP_AGENT[platform.name]})
    response = client.get("/accounts/login/?next=/org/")
    assert response.status_code == 302
    assert response["Location"] == f"/accounts/sso/{platform.name}/?next=%2Forg%2F&app=1"
    response = client.get(response["Location"])
    if platform.name == "wecom":
        # WeCom's in-app OAuth answers with a redirect carrying the code.
        assert response.status_code == 302 and "/connect/oauth2/authorize?" in response["Location"]
        assert "scope=snsapi_base" in response["Location"]
        back = httpx.get(response["Location"], follow_redirects=False)
        callback = urlsplit(back.headers["location"])
    else:
        # DingTalk and Feishu: a page whose script asks the app's JS-API for a code (tried in Chromium in
        # tests/test_browser_sso.py); here the code the app would give is taken the same way.
        assert response.status_code == 200
        html = response.content.decode()
        assert f'<script src="{platform.url}/jsapi/' in html
        assert f"script-src 'self' {platform.url};" in response["Content-Security-Policy"]
        state = re.search(r'data-state="([^"]+)"', html).group(1)
        code = platform.issue_code(platform.app_user)
        callback = urlsplit(f"/accounts/sso/{platform.name}/callback/?code={code}&state={state}")
    response = client.get(f"{callback.path}?{callback.query}")
    assert response.status_code == 302 and response["Location"] == "/org/"
    assert signed_in_as(client) == "lina"
    assert len(platform.calls_to(EXCHANGE_PATH[platform.name, "app"])) == 1
    # ?password=1 keeps the form inside the app (someone without the app account signing in).
    other = Client(headers={"user-agent": APP_AGENT[platform.name]})
    assert other.get("/accounts/login/?password=1").status_code == 200


def test_password_sign_in_switched_off_by_the_administrator(client, company):
    lina = company.person("lina")
    lina.password_sign_in = False
    lina.save()
    right = client.post("/accounts/login/", {"username": "lina", "password": "xietong2026"})
    assert right.status_code == 200
    assert "该账号已关闭密码登录，请使用钉钉、企业微信或飞书登录。" in right.content.decode()
    assert signed_in_as(client) is None
    # Someone guessing learns nothing more than a wrong password tells them.
    wrong = client.post("/accounts/login/", {"username": "lina", "password": "wrong"})
    assert "用户名或密码不正确（密码区分大小写）。" in wrong.content.decode()
    # Others are unaffected.
    assert client.post("/accounts/login/", {"username": "wangqiang", "password": "xietong2026"}).status_code == 302


def test_first_sign_in_of_a_person_typed_in_matches_the_work_email_and_links_the_platform_id(client, platform, company):
    root = platform.root_department
    platform.add_user("u-wq", "王强", [root], email="WangQiang@xingchen.example.com")
    authorize, _state = start(client, platform)
    response = client.get(scan_as(platform, authorize, "u-wq"))
    assert response.status_code == 302 and signed_in_as(client) == "wangqiang"
    assert getattr(company.person("wangqiang"), PERSON_FIELD[platform.name]) == "u-wq"
    linked = AuditEvent.objects.get(action="org.person.change")
    assert linked.after == {
        PERSON_FIELD[platform.name]: "u-wq",
        "source": platform.name,
        "reason": "matched on sign-in",
    }


def test_first_sign_in_matched_by_mobile_but_never_by_name(client, platform, company):
    root = platform.root_department
    platform.add_user("u-cj", "陈静", [root], mobile=company.person("chenjing").phone)
    platform.add_user("u-lina2", "李娜", [root], email="lina2@elsewhere.example.com")
    authorize, _state = start(client, platform)
    assert client.get(scan_as(platform, authorize, "u-cj")).status_code == 302
    assert signed_in_as(client) == "chenjing"
    client.logout()
    authorize, _state = start(client, platform)
    assert client.get(scan_as(platform, authorize, "u-lina2")).status_code == 403  # same name as 李娜: refused
    assert signed_in_as(client) is None


def test_just_in_time_account_for_a_platform_sign_in(client, platform, company):
    from xietong.org.models import Department, Person

    Department.objects.filter(code="rd-qa").update(jit_sign_in=True)
    authorize, _state = start(client, platform)
    assert client.get(scan_as(platform, authorize, "u-new")).status_code == 302
    created = Person.objects.get(**{PERSON_FIELD[platform.name]: "u-new"})
    assert (created.name, created.email, created.phone, created.department.code) == (
        "新同事",
        "new@xingchen.example.com",
        "13900000009",
        "rd-qa",
    )
    assert signed_in_as(client) == created.username
