"""Sign-in with DingTalk, WeCom or Feishu (单点登录): which platforms are configured, the platform's own
sign-in page (QR code on a desktop, the silent 免登 inside its app), and the person a sign-in code stands for.

A person is recognised by the platform's user id stored on them (Person.dingtalk_id / wecom_id / feishu_id),
else — their first sign-in — by work email, then mobile (org.accounts), never by a display name. Someone the
platform knows but Xietong does not is refused (and audited) unless just-in-time accounts are enabled for a
department; otherwise an administrator adds them (or org sync does) and they sign in again.
"""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import urlencode

from django.conf import settings

from xietong.core.platforms import DingTalk, Feishu, PlatformError, WeCom, platform_client
from xietong.org.accounts import Identity
from xietong.org.models import Person

QR = "qr"  # the platform's sign-in page (a QR code on a desktop)
APP = "app"  # inside the platform's app: a code without any question (免登)


@dataclass(frozen=True)
class SignInPlatform:
    key: str
    label: str
    person_field: str  # where a person's id on this platform is kept
    required: tuple[str, ...]  # the settings sign-in needs
    app_marker: str  # what the app's own browser puts in its User-Agent
    js_app: bool  # the in-app code comes from a JS-API (True) or from an OAuth redirect (False)


PLATFORMS: dict[str, SignInPlatform] = {
    "dingtalk": SignInPlatform(
        "dingtalk",
        DingTalk.label,
        "dingtalk_id",
        ("XIETONG_DINGTALK_APP_KEY", "XIETONG_DINGTALK_APP_SECRET", "XIETONG_DINGTALK_CORP_ID"),
        "dingtalk",
        True,
    ),
    "wecom": SignInPlatform(
        "wecom",
        WeCom.label,
        "wecom_id",
        ("XIETONG_WECOM_CORP_ID", "XIETONG_WECOM_SECRET", "XIETONG_WECOM_AGENT_ID"),
        "wxwork",
        False,
    ),
    "feishu": SignInPlatform(
        "feishu",
        Feishu.label,
        "feishu_id",
        ("XIETONG_FEISHU_APP_ID", "XIETONG_FEISHU_APP_SECRET"),
        "lark",  # Feishu's browser says "Lark/…" (and "Feishu/…")
        True,
    ),
}


def configured_platforms() -> list[SignInPlatform]:
    """The platforms whose keys are set, in a fixed order: the login page offers only these."""
    return [p for p in PLATFORMS.values() if all(getattr(settings, name, "") for name in p.required)]


def configured(key: str) -> SignInPlatform | None:
    return next((p for p in configured_platforms() if p.key == key), None)


def app_platform(user_agent: str) -> SignInPlatform | None:
    """The configured platform whose app's browser sent `user_agent`, if any."""
    agent = (user_agent or "").lower()
    return next((p for p in configured_platforms() if p.app_marker in agent), None)


def authorize_url(key: str, *, redirect_uri: str, state: str, mode: str) -> str:
    """Where the browser goes to sign in on the platform; it comes back to `redirect_uri` with a code and
    `state`. (DingTalk's and Feishu's in-app code comes from their JS-API instead: see sso_views.)"""
    if key == "dingtalk":
        query = {
            "redirect_uri": redirect_uri,
            "response_type": "code",
            "client_id": settings.XIETONG_DINGTALK_APP_KEY,
            "scope": "openid",
            "state": state,
            "prompt": "consent",
        }
        return f"{settings.XIETONG_DINGTALK_LOGIN_URL.rstrip('/')}/oauth2/auth?{urlencode(query)}"
    if key == "wecom":
        if mode == APP:
            query = {
                "appid": settings.XIETONG_WECOM_CORP_ID,
                "redirect_uri": redirect_uri,
                "response_type": "code",
                "scope": "snsapi_base",
                "state": state,
                "agentid": settings.XIETONG_WECOM_AGENT_ID,
            }
            base = settings.XIETONG_WECOM_OAUTH_URL.rstrip("/")
            return f"{base}/connect/oauth2/authorize?{urlencode(query)}#wechat_redirect"
        query = {
            "login_type": "CorpApp",
            "appid": settings.XIETONG_WECOM_CORP_ID,
            "agentid": settings.XIETONG_WECOM_AGENT_ID,
            "redirect_uri": redirect_uri,
            "state": state,
        }
        return f"{settings.XIETONG_WECOM_LOGIN_URL.rstrip('/')}/wwlogin/sso/login?{urlencode(query)}"
    if key == "feishu":
        query = {
            "client_id": settings.XIETONG_FEISHU_APP_ID,
            "response_type": "code",
            "redirect_uri": redirect_uri,
            "state": state,
        }
        return f"{settings.XIETONG_FEISHU_LOGIN_URL.rstrip('/')}/open-apis/authen/v1/authorize?{urlencode(query)}"
    raise KeyError(key)


def user_id_for_code(key: str, code: str, mode: str) -> str:
    """The platform's user id behind a one-use sign-in code, asked of the platform's server (PlatformError
    for a code that is wrong, used or expired)."""
    client = platform_client(key)
    if isinstance(client, DingTalk):
        # The QR page's authCode belongs to the OAuth flow; the app's JS-API code to the corp API.
        return client.userid_by_login_code(code) if mode == QR else client.userid_by_code(code)
    if isinstance(client, WeCom):
        return client.userid_by_code(code)
    if isinstance(client, Feishu):
        return str(client.user_by_code(code)["open_id"])
    raise KeyError(key)


def identity_for_code(key: str, code: str, mode: str) -> Identity:
    """The person behind a one-use sign-in code as the platform describes them (PlatformError for a code that
    is wrong, used or expired). Feishu's sign-in gives email and mobile at once; DingTalk's and WeCom's only
    the user id, so their contact card is asked for when no account has that id yet (the first sign-in of a
    person an administrator typed in: matched by work email, then mobile — org.accounts)."""
    platform = PLATFORMS[key]
    client = platform_client(key)
    if isinstance(client, Feishu):
        info = client.user_by_code(code)
        return Identity(
            source=key,
            label=platform.label,
            user_id=str(info["open_id"]),
            name=str(info.get("name") or ""),
            email=str(info.get("enterprise_email") or info.get("email") or ""),
            mobile=str(info.get("mobile") or ""),
        )
    user_id = user_id_for_code(key, code, mode)
    if not user_id or person_for(key, user_id) is not None or not isinstance(client, DingTalk | WeCom):
        return Identity(source=key, label=platform.label, user_id=user_id)
    try:
        card = client.person(user_id)
    except PlatformError:
        return Identity(source=key, label=platform.label, user_id=user_id)
    return Identity(
        source=key, label=platform.label, user_id=user_id, name=card.name, email=card.email, mobile=card.mobile
    )


def person_for(key: str, user_id: str) -> Person | None:
    """The one person whose id on platform `key` is `user_id` (None when no one, or — a data error an
    administrator must fix — more than one)."""
    if not user_id:
        return None
    found = list(Person.objects.filter(**{PLATFORMS[key].person_field: user_id})[:2])
    return found[0] if len(found) == 1 else None
