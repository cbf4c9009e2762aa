"""A new person's first sign-in (issue 23).

When an administrator chose the password (the person was added in 系统管理, or their password was reset there or
with `xietong changepassword`), every page — and the JSON API used with the browser's session — sends them to
修改密码 until they set their own. A personal API token is not affected: it was created by the person.

A new account then sees the short guide (what the workbench is, where their items and time limits are, how to set
up notifications) once, on its first page; the guide stays in the user menu.
"""

from __future__ import annotations

from collections.abc import Callable
from urllib.parse import urlencode

from django import forms
from django.contrib.auth import views as auth_views
from django.contrib.auth.forms import PasswordChangeForm
from django.db import transaction
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from xietong.core.audit import audit_record
from xietong.org.models import Person

# Pages a person who must change their password can still reach: the change itself, signing out, the
# language switch, static files and the health check.
_ALWAYS_OPEN = ("/accounts/", "/i18n/", "/static/", "/healthz", "/favicon.ico", "/media/")


def _signed_in_person(request: HttpRequest):
    user = getattr(request, "user", None)
    return user if user is not None and user.is_authenticated else None


class FirstSignInMiddleware:
    """After authentication: the forced password change first, then the guide once."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        path = request.path_info
        if path.startswith(_ALWAYS_OPEN):
            return self.get_response(request)
        if path.startswith("/api/") and request.META.get("HTTP_AUTHORIZATION", "").lower().startswith("bearer "):
            return self.get_response(request)  # a personal token decides who calls, not the session
        person = _signed_in_person(request)
        if person is None:
            return self.get_response(request)
        if person.must_change_password:
            if path.startswith("/api/"):
                return JsonResponse(
                    {
                        "code": "password_change_required",
                        "message": _("管理员为您设置了初始密码，请先在“修改密码”页面设置您自己的密码"),
                        "fields": {},
                    },
                    status=403,
                )
            return redirect(reverse("password_change"))
        if (
            person.guide_pending
            and request.method == "GET"
            and not path.startswith(("/api/", "/guide/", "/admin/"))
            and not request.headers.get("HX-Request")
        ):
            return redirect(f"{reverse('guide')}?{urlencode({'next': request.get_full_path()})}")
        return self.get_response(request)


def guide(request: HttpRequest) -> HttpResponse:
    """The short guide: shown once on the first page of a new account, reachable from the user menu."""
    person = request.user
    first_time = bool(getattr(person, "guide_pending", False))
    if first_time:
        Person.objects.filter(pk=person.pk).update(guide_pending=False)
        person.guide_pending = False  # type: ignore[union-attr]
    target = request.GET.get("next") or ""
    if not url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}, require_https=False):
        target = ""
    if not target.startswith("/") or target.startswith("//"):
        target = reverse("home")
    return render(request, "org/guide.html", {"first_time": first_time, "next_url": target})


class OwnPasswordForm(PasswordChangeForm):
    """Django's change form; a password an administrator chose must really be replaced."""

    def clean_new_password1(self):
        new = self.cleaned_data.get("new_password1")
        if new and self.user.must_change_password and self.user.check_password(new):
            raise forms.ValidationError(gettext_lazy("新密码不能与管理员设置的密码相同"), code="password_unchanged")
        return new


class OwnPasswordChangeView(auth_views.PasswordChangeView):
    """修改密码: also where a person whose password an administrator set is sent. Once they set their own, the
    pages open again — to the guide first if they have not seen it."""

    form_class = OwnPasswordForm
    template_name = "registration/password_form.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["forced"] = self.request.user.must_change_password  # type: ignore[union-attr]
        return context

    def form_valid(self, form):
        person = form.user
        was_forced = person.must_change_password
        person.must_change_password = False
        with transaction.atomic():
            response = super().form_valid(form)  # saves the person with the new password
            if was_forced:
                audit_record(actor=person, action="org.person.own_password_set", obj=person, after={})
        if person.guide_pending:
            return redirect("guide")
        return response


class OwnPasswordResetConfirmView(auth_views.PasswordResetConfirmView):
    """A reset by email is the person's own password too."""

    template_name = "registration/password_form.html"

    def form_valid(self, form):
        form.user.must_change_password = False
        return super().form_valid(form)
