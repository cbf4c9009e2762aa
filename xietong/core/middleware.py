"""Request-wide middleware: the client's address for the audit trail, a per-request memo, and security headers."""

from __future__ import annotations

import ipaddress
from collections.abc import Callable

from django.conf import settings
from django.contrib.auth.middleware import LoginRequiredMiddleware as _DjangoLoginRequiredMiddleware
from django.http import HttpRequest, HttpResponse
from django.utils.cache import patch_vary_headers
from ipware import get_client_ip

from xietong.core.memo import memo_scope
from xietong.core.request_context import client_ip


def request_ip(request: HttpRequest) -> str | None:
    """The client's address as django-ipware resolves it behind XIETONG_TRUSTED_PROXY_COUNT reverse proxies.

    No proxy (the default): the socket's peer, REMOTE_ADDR. N proxies: the address the outermost proxy
    appended to X-Forwarded-For, counted from the right; anything the client wrote itself further left
    is ignored, so a spoofed left-most entry never becomes the address throttled and audited. A request
    that did not pass through every proxy keeps REMOTE_ADDR. Also django-axes' AXES_CLIENT_IP_CALLABLE.
    """
    proxies = trusted_proxy_count()
    candidate: str | None = None
    if proxies:
        # python-ipware counts the proxies listed in the header besides the client; the last proxy's own
        # address is REMOTE_ADDR, not in the header: N trusted proxies leave N - 1 of them there.
        candidate, _routable = get_client_ip(
            request, proxy_order="left-most", proxy_count=proxies - 1,
            request_header_order=["HTTP_X_FORWARDED_FOR"], strict=False,
        )  # fmt: skip
    if candidate is None:
        candidate = request.META.get("REMOTE_ADDR")
    try:
        return str(ipaddress.ip_address(candidate)) if candidate else None
    except ValueError:
        return None


def trusted_proxy_count() -> int:
    return int(getattr(settings, "XIETONG_TRUSTED_PROXY_COUNT", 0) or 0)


class RequestContextMiddleware:
    """The client's address for the audit trail, and one memo for the request: the department tree,
    calendars and preferences are read once per request, not once per service call (see core.memo)."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        with client_ip(request_ip(request)), memo_scope():
            return self.get_response(request)


CONTENT_SECURITY_POLICY = "; ".join(
    [
        "default-src 'self'",
        "script-src 'self'",
        "style-src 'self' 'unsafe-inline'",
        "img-src 'self' data:",
        "font-src 'self' data:",
        "connect-src 'self'",
        "frame-ancestors 'none'",
        "base-uri 'self'",
        "form-action 'self'",
        "object-src 'none'",
    ]
)


class SecurityHeadersMiddleware:
    """Content-Security-Policy (no inline script anywhere) and a restrictive Permissions-Policy."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        response.headers.setdefault("Content-Security-Policy", CONTENT_SECURITY_POLICY)
        response.headers.setdefault("Permissions-Policy", "camera=(), microphone=(), geolocation=()")
        return response


class VaryOnHtmxMiddleware:
    """A list answers an htmx request with its table alone and a page load with the whole page, at one URL:
    every response says it varies on HX-Request, so no cache (the browser's, a proxy's) hands the table back
    as the page (Back to a filtered list showed a bare table)."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        patch_vary_headers(response, ("HX-Request",))
        return response


class ApplicationErrorMiddleware:
    """A service's refusal that escaped a view becomes the matching Chinese error page, never a 500."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        return self.get_response(request)

    def process_exception(self, request: HttpRequest, exception: Exception) -> HttpResponse | None:
        from django.db import DataError
        from django.shortcuts import render

        from xietong.core.errors import ApplicationError, NotFound

        if isinstance(exception, OverflowError | DataError):
            # An id too large for the database in a URL or a filter: such a thing does not exist.
            exception = NotFound()
        if not isinstance(exception, ApplicationError):
            return None
        if request.path.startswith("/api/"):
            from django.http import JsonResponse

            return JsonResponse(exception.as_dict(), status=exception.status)
        template = "404.html" if isinstance(exception, NotFound) else "error.html"
        return render(request, template, {"error": exception}, status=exception.status)


class LoginRequiredMiddleware(_DjangoLoginRequiredMiddleware):
    """Django's: every page needs a login unless marked login_not_required. The JSON API is exempt
    here because it authenticates itself (session or personal token) and answers 401 in JSON."""

    def process_view(self, request, view_func, view_args, view_kwargs):
        if request.path_info.startswith("/api/"):
            return None
        return super().process_view(request, view_func, view_args, view_kwargs)
