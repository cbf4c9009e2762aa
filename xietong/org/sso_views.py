"""The sign-in pages: the login page with a button per configured platform, the trip to the platform's
sign-in page and back (state kept in the session, one use, compared in constant time), and the silent
sign-in inside the platform's app."""

from __future__ import annotations

import logging
import secrets
from urllib.parse import urlencode, urlsplit

from django.conf import settings
from django.contrib.auth import login
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_not_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from xietong.core.forms import SignInForm
from xietong.core.middleware import CONTENT_SECURITY_POLICY
from xietong.core.platforms import PlatformError
from xietong.org import accounts, oidc, sso

logger = logging.getLogger("xietong.sso")

BACKEND = "xietong.org.backends.PersonBackend"


def _session_key(key: str) -> str:
    return f"sso:{key}"


def _safe_next(request: HttpRequest, candidate: str | None) -> str:
    if candidate and url_has_allowed_host_and_scheme(
        candidate, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return candidate
    return settings.LOGIN_REDIRECT_URL


class SignInView(auth_views.LoginView):
    """Django's login page, with a button for each configured platform. Opened inside a platform's app (a
    link in a work notification), it goes straight to the silent sign-in; ?password=1 keeps the form."""

    template_name = "core/login.html"
    authentication_form = SignInForm
    redirect_authenticated_user = True

    def get(self, request, *args, **kwargs):
        platform = sso.app_platform(request.headers.get("User-Agent", ""))
        if platform is not None and not request.user.is_authenticated and request.GET.get("password") != "1":
            query = request.GET.copy()
            query["app"] = "1"
            return redirect(f"{reverse('sso-start', args=[platform.key])}?{query.urlencode()}")
        return super().get(request, *args, **kwargs)

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["sso_platforms"] = sso.configured_platforms()
        context["oidc_label"] = oidc.label() if oidc.configured() else ""
        return context


def _password_login(next_url: str) -> str:
    """The login form even inside a platform's app, going on to `next_url` afterwards."""
    return f"{reverse('login')}?{urlencode({'password': '1', 'next': next_url})}"


def _refused(request: HttpRequest, message: str, status: int, platform: sso.SignInPlatform) -> HttpResponse:
    again = reverse("sso-start", args=[platform.key])
    if sso.app_platform(request.headers.get("User-Agent", "")) == platform:
        again += "?app=1"  # inside the app: its silent sign-in again, not a QR code
    context = {
        "message": message,
        "platform": platform,
        "again": again,
        "retry": _password_login(settings.LOGIN_REDIRECT_URL),
    }
    return render(request, "org/sso_refused.html", context, status=status)


@login_not_required
@require_GET
def sso_start(request: HttpRequest, key: str) -> HttpResponse:
    """Off to the platform: its QR page, or inside its app the silent sign-in."""
    platform = sso.configured(key)
    if platform is None:
        raise Http404
    mode = sso.APP if request.GET.get("app") == "1" else sso.QR
    state = secrets.token_urlsafe(24)
    request.session[_session_key(key)] = {
        "state": state,
        "mode": mode,
        "next": _safe_next(request, request.GET.get("next")),
    }
    callback = request.build_absolute_uri(reverse("sso-callback", args=[key]))
    if mode == sso.APP and platform.js_app:
        context = {
            "platform": platform,
            "state": state,
            "callback": callback,
            "jsapi_url": getattr(settings, f"XIETONG_{key.upper()}_JSAPI_URL"),
            "corp_id": settings.XIETONG_DINGTALK_CORP_ID if key == "dingtalk" else "",
            "app_id": settings.XIETONG_FEISHU_APP_ID if key == "feishu" else "",
            "fallback": _password_login(request.session[_session_key(key)]["next"]),
        }
        response = render(request, "org/sso_app.html", context)
        # This page alone may load the platform's JS-API (the bridge to its app).
        origin = "{0.scheme}://{0.netloc}".format(urlsplit(context["jsapi_url"]))
        response["Content-Security-Policy"] = CONTENT_SECURITY_POLICY.replace(
            "script-src 'self'", f"script-src 'self' {origin}"
        )
        return response
    return redirect(sso.authorize_url(key, redirect_uri=callback, state=state, mode=mode))


@login_not_required
@require_GET
def sso_callback(request: HttpRequest, key: str) -> HttpResponse:
    """Back from the platform with a one-use code: the state must be the one this browser was given (and is
    used up now), the platform's server names the person, and a known, active person is signed in."""
    platform = sso.configured(key)
    if platform is None:
        raise Http404
    pending = request.session.pop(_session_key(key), None)
    state = request.GET.get("state", "")
    if not pending or not state or not secrets.compare_digest(state, str(pending.get("state", ""))):
        logger.warning("%s sign-in with a state this browser was not given", key)
        return _refused(request, _("登录请求已失效或并非由本页面发起，请重新登录。"), 400, platform)
    code = request.GET.get("code") or request.GET.get("authCode") or ""
    try:
        identity = sso.identity_for_code(key, code, pending.get("mode", sso.QR)) if code else None
    except PlatformError as error:
        logger.warning("%s refused the sign-in code: %s", key, error)
        identity = None
    if identity is None or not identity.user_id:
        message = _("%(platform)s 登录码无效、已使用或已过期，请重新登录。") % {"platform": platform.label}
        return _refused(request, message, 400, platform)
    person, reason = accounts.link_or_create(identity)
    if person is None or reason:
        accounts.record_refusal(identity, person, reason)
        if reason == accounts.INACTIVE:
            return _refused(request, _("该账号已停用，请联系管理员。"), 403, platform)
        message = _(
            "您的%(platform)s账号（%(user_id)s）尚未关联协同账号，无法登录。请联系系统管理员添加或同步通讯录后再试。"
        ) % {"platform": platform.label, "user_id": identity.user_id}
        return _refused(request, message, 403, platform)
    login(request, person, backend=BACKEND)
    return redirect(pending.get("next") or settings.LOGIN_REDIRECT_URL)
