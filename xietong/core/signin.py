"""Signing in: who the caller is (address behind trusted proxies), what username they meant, and throttling.

Throttling is django-axes with two tiers, both counted over the same window (XIETONG_LOGIN_WINDOW_MINUTES):
- one account from one address: XIETONG_LOGIN_MAX_FAILURES failures lock that pair;
- one account from anywhere: XIETONG_LOGIN_ACCOUNT_MAX_FAILURES failures lock the account (a spread-out guess).
An address alone never locks anyone: behind a company's NAT or proxy one address is everybody, and one
person typing wrong passwords must not keep a colleague with the right ones out.
Usernames are compared as people mean them: NFKC (full-width ｈｅｌｉ is heli) and case-insensitive.
"""

from __future__ import annotations

import math
import unicodedata

from axes.handlers.database import AxesDatabaseHandler
from axes.helpers import get_client_username, get_cool_off, get_failure_limit
from django.conf import settings
from django.db.models import Max, Sum
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.translation import gettext as _

from xietong.core import clock


def username_normalise(raw: str | None) -> str:
    """The account a typed username means: NFKC (full-width letters, ligatures), trimmed, case-folded."""
    return unicodedata.normalize("NFKC", raw or "").strip().casefold()


def axes_username(request: HttpRequest, credentials: dict | None = None) -> str:
    """AXES_USERNAME_CALLABLE: throttle the account meant, not the spelling typed."""
    if credentials and credentials.get("username") is not None:
        return username_normalise(credentials.get("username"))
    data = getattr(request, "POST", None) or {}
    return username_normalise(data.get("username"))


def account_failure_limit() -> int:
    return getattr(settings, "XIETONG_LOGIN_ACCOUNT_MAX_FAILURES", 4 * settings.XIETONG_LOGIN_MAX_FAILURES)


class TieredAxesHandler(AxesDatabaseHandler):
    """django-axes' database handler, with the account-wide tier its own (higher) limit.

    AXES_LOCKOUT_PARAMETERS is [["username", "ip_address"], "username"]: the first group is held to
    AXES_FAILURE_LIMIT, the second to XIETONG_LOGIN_ACCOUNT_MAX_FAILURES. get_failures answers on the
    first group's scale, so axes' own "failures >= limit" decides both.
    """

    def _tier_failures(self, request, credentials) -> list[tuple[int, int, object]]:
        limits = [get_failure_limit(request, credentials), account_failure_limit()]
        tiers = []
        for attempts, limit in zip(self.get_user_attempts(request, credentials), limits, strict=True):
            totals = attempts.aggregate(failures=Sum("failures_since_start"), last=Max("attempt_time"))
            tiers.append((totals["failures"] or 0, limit, totals["last"]))
        return tiers

    def get_failures(self, request, credentials: dict | None = None) -> int:
        (pair, pair_limit, _last), (account, limit, _account_last) = self._tier_failures(request, credentials)
        return max(pair, pair_limit) if account >= limit else pair

    def locked_minutes(self, request, credentials: dict | None = None) -> int:
        """Minutes until this account may be tried again from this address (0: it may now)."""
        cool_off = get_cool_off(request)
        ends = [
            last + cool_off for failures, limit, last in self._tier_failures(request, credentials) if failures >= limit
        ]
        if not ends or cool_off is None:
            return 0
        return max(1, math.ceil((max(ends) - clock.now()).total_seconds() / 60))


def lockout_response(request: HttpRequest, original_response=None, credentials: dict | None = None) -> HttpResponse:
    """AXES_LOCKOUT_CALLABLE: the sign-in page again, saying how long to wait, with 429."""
    from axes.handlers.proxy import AxesProxyHandler

    from xietong.core.forms import SignInForm

    handler = AxesProxyHandler.get_implementation()
    if credentials is None:
        credentials = {"username": get_client_username(request, credentials)}
    minutes = handler.locked_minutes(request, credentials) if isinstance(handler, TieredAxesHandler) else 0
    minutes = minutes or math.ceil(settings.XIETONG_LOGIN_WINDOW_MINUTES)
    form = SignInForm(request, initial={"username": request.POST.get("username", "")})
    message = _("登录失败次数过多，请 %(minutes)d 分钟后再试。") % {"minutes": minutes}
    next_url = request.POST.get("next") or request.GET.get("next") or ""
    if not next_url and request.path.startswith("/admin/"):
        next_url = "/admin/"
    return render(
        request,
        "core/login.html",
        {"form": form, "locked_message": message, "next": next_url},
        status=429,
    )
