"""收件箱: list with filters, mark read, the unread badge (polled by htmx), notification settings."""

from __future__ import annotations

from django.conf import settings
from django.contrib import messages
from django.core.paginator import Paginator
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from xietong.core.errors import ApplicationError
from xietong.core.http import AuthedRequest, wants_fragment
from xietong.core.views import form_apply_error
from xietong.notify.forms import PreferenceForm
from xietong.notify.selectors import FILTERS, inbox_for, unread_count
from xietong.notify.services import inbox_mark_all_read, inbox_mark_read, preference_of, preference_update


@require_GET
def inbox(request: AuthedRequest) -> HttpResponse:
    key = request.GET.get("filter", "all")
    if key not in FILTERS:
        key = "all"
    page = Paginator(inbox_for(request.user, key), 30).get_page(request.GET.get("page"))
    context = {"page": page, "filter": key, "unread": unread_count(request.user)}
    template = "notify/_inbox_list.html" if wants_fragment(request) else "notify/inbox.html"
    return render(request, template, context)


@require_POST
def message_read(request: AuthedRequest, message_id: int) -> HttpResponse:
    message = inbox_mark_read(person=request.user, message_id=message_id)
    if request.htmx:
        response = render(request, "notify/_inbox_item.html", {"item": message})
        response["HX-Trigger"] = "inbox-changed"
        return response
    return redirect("inbox")


@require_GET
def message_open(request: AuthedRequest, message_id: int) -> HttpResponse:
    """Follow a message's link, marking it read on the way."""
    message = inbox_mark_read(person=request.user, message_id=message_id)
    target = message.notification.url or "/"
    if not url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}):
        target = "/"
    return redirect(target)


@require_POST
def mark_all_read(request: AuthedRequest) -> HttpResponse:
    count = inbox_mark_all_read(person=request.user)
    messages.success(request, _("已将 %(n)d 条消息标为已读") % {"n": count})
    return redirect(request.POST.get("next") or "inbox")


@require_GET
def badge(request: AuthedRequest) -> HttpResponse:
    return render(
        request,
        "notify/_badge.html",
        {"unread": unread_count(request.user), "poll_seconds": settings.XIETONG_BADGE_POLL_SECONDS},
    )


@require_http_methods(["GET", "POST"])
def preferences(request: AuthedRequest) -> HttpResponse:
    current = preference_of(request.user)
    if request.method == "POST":
        form = PreferenceForm(request.POST)
        if form.is_valid():
            try:
                preference_update(person=request.user, **form.cleaned_data)
            except ApplicationError as error:
                form_apply_error(form, error)
            else:
                messages.success(request, _("通知设置已保存"))
                return redirect("notify-preferences")
    else:
        form = PreferenceForm(
            initial={
                "email_kinds": current.email_kinds,
                "chat_kinds": current.chat_kinds,
                "app_kinds": current.app_kinds,
                "quiet_hours": current.quiet_hours,
                "digest": current.digest,
            }
        )
    return render(request, "notify/preferences.html", {"form": form})
