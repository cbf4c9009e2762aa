"""Core pages: 我的工作台, API tokens, health, and the error pages."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_not_required
from django.db import connection
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from xietong.core.errors import ApplicationError, NotFound
from xietong.core.forms import ApiTokenForm
from xietong.core.http import AuthedRequest
from xietong.core.models import ApiToken
from xietong.core.tokens import api_token_create, api_token_revoke
from xietong.core.workbench import sections_for


def form_apply_error(form, error: ApplicationError) -> None:
    """Show a service's refusal on the form: per-field messages next to fields, the rest on top."""
    for name, message in error.fields.items():
        form.add_error(name if name in form.fields else None, str(message))
    if not error.fields:
        form.add_error(None, str(error.message))


@require_GET
def home(request: AuthedRequest) -> HttpResponse:
    return render(request, "core/home.html", {"sections": sections_for(request.user)})


@require_http_methods(["GET", "POST"])
def api_tokens(request: AuthedRequest) -> HttpResponse:
    form = ApiTokenForm(request.POST or None)
    new_secret = None
    if request.method == "POST" and form.is_valid():
        try:
            _token, new_secret = api_token_create(person=request.user, name=form.cleaned_data["name"])
        except ApplicationError as error:
            form_apply_error(form, error)
        else:
            form = ApiTokenForm()
    tokens = ApiToken.objects.filter(person=request.user)
    return render(request, "core/api_tokens.html", {"form": form, "tokens": tokens, "new_secret": new_secret})


@require_POST
def api_token_revoke_view(request: AuthedRequest, token_id: int) -> HttpResponse:
    try:
        token = api_token_revoke(person=request.user, token_id=token_id)
    except NotFound:
        raise  # someone else's token, or none: a 404 like every object out of reach
    except ApplicationError as error:
        messages.error(request, str(error.message))
    else:
        messages.success(request, _("已吊销令牌“%(name)s”") % {"name": token.name})
    return redirect("api-tokens")


@login_not_required
@require_GET
def healthz(request: HttpRequest) -> JsonResponse:
    """200 while this web process and the database answer (a load balancer keeps it in rotation); the body
    says whether a worker is alive too: "status" is "degraded" when none beat within the bound."""
    from xietong.core.heartbeat import worker_liveness

    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
    worker = worker_liveness()
    status = "ok" if worker["status"] == "ok" else "degraded"
    return JsonResponse({"status": status, "database": "ok", "worker": worker})


def page_not_found(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    return render(request, "404.html", status=404)


def server_error(request: HttpRequest) -> HttpResponse:
    return render(request, "500.html", status=500)


def permission_denied(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    return render(request, "403.html", status=403)


def bad_request(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    return render(request, "400.html", status=400)


@login_not_required
def csrf_failure(request: HttpRequest, reason: str = "") -> HttpResponse:
    return render(request, "403_csrf.html", status=403)
