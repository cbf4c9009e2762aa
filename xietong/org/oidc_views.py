"""OpenID Connect sign-in pages: off to the provider (state, nonce and PKCE verifier kept in this browser's
session, one use) and back (state compared in constant time, code exchanged, ID token checked, account
matched or created just in time, else a clear refusal)."""

from __future__ import annotations

import logging
import secrets
from types import SimpleNamespace

from django.conf import settings
from django.contrib.auth import login
from django.contrib.auth.decorators import login_not_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from xietong.org import accounts, oidc
from xietong.org.sso_views import BACKEND, _password_login, _safe_next

logger = logging.getLogger("xietong.sso")
SESSION_KEY = "sso:oidc"


def refused(request: HttpRequest, message: str, status: int) -> HttpResponse:
    context = {
        "message": message,
        "platform": SimpleNamespace(label=oidc.label()),
        "again": reverse("oidc-start"),
        "retry": _password_login(settings.LOGIN_REDIRECT_URL),
    }
    return render(request, "org/sso_refused.html", context, status=status)


def unknown_person_message(identity: accounts.Identity) -> str:
    return _(
        "您的%(platform)s账号（%(user_id)s）尚未关联协同账号，无法登录。请联系系统管理员添加或同步通讯录后再试。"
    ) % {"platform": identity.label, "user_id": identity.email or identity.username or identity.user_id}


@login_not_required
@require_GET
def oidc_start(request: HttpRequest) -> HttpResponse:
    if not oidc.configured():
        raise Http404
    callback = request.build_absolute_uri(reverse("oidc-callback"))
    try:
        url, pending = oidc.authorization(callback)
    except oidc.OIDCError as error:
        logger.warning("OpenID Connect provider unavailable: %s", error)
        return refused(request, _("暂时无法连接%(provider)s，请稍后重试。") % {"provider": oidc.label()}, 502)
    request.session[SESSION_KEY] = {
        "state": pending.state,
        "nonce": pending.nonce,
        "verifier": pending.code_verifier,
        "next": _safe_next(request, request.GET.get("next")),
    }
    return redirect(url)


@login_not_required
@require_GET
def oidc_callback(request: HttpRequest) -> HttpResponse:
    if not oidc.configured():
        raise Http404
    kept = request.session.pop(SESSION_KEY, None)
    state = request.GET.get("state", "")
    if not kept or not state or not secrets.compare_digest(state, str(kept.get("state", ""))):
        logger.warning("OpenID Connect sign-in with a state this browser was not given")
        return refused(request, _("登录请求已失效或并非由本页面发起，请重新登录。"), 400)
    if request.GET.get("error"):
        logger.info("OpenID Connect provider answered %s", request.GET.get("error"))
        return refused(request, _("%(provider)s未完成认证，请重新登录。") % {"provider": oidc.label()}, 403)
    code = request.GET.get("code", "")
    pending = oidc.Pending(state=kept["state"], nonce=kept["nonce"], code_verifier=kept["verifier"])
    try:
        if not code:
            raise oidc.OIDCError("no code")
        identity = oidc.identity_for_code(code, request.build_absolute_uri(reverse("oidc-callback")), pending)
    except oidc.OIDCError as error:
        logger.warning("OpenID Connect sign-in refused: %s", error)
        message = _("%(provider)s的登录凭证无效、已使用或已过期，请重新登录。") % {"provider": oidc.label()}
        return refused(request, message, 400)
    person, reason = accounts.link_or_create(identity)
    if person is None or reason:
        accounts.record_refusal(identity, person, reason)
        if reason == accounts.INACTIVE:
            return refused(request, _("该账号已停用，请联系管理员。"), 403)
        return refused(request, unknown_person_message(identity), 403)
    login(request, person, backend=BACKEND)
    return redirect(kept.get("next") or settings.LOGIN_REDIRECT_URL)
