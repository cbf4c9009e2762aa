"""Changing one's password, and resetting a forgotten one by email (Django's views and tokens; the mail goes
through the configured backend — SMTP when EMAIL_HOST is set). The reset mail never says whether an address
is known: the page reads the same either way."""

from __future__ import annotations

from django.contrib.auth import views as auth_views
from django.urls import path, reverse_lazy

from xietong.org.first_sign_in import OwnPasswordChangeView, OwnPasswordResetConfirmView, guide

account_urlpatterns = [
    path("guide/", guide, name="guide"),
    path(
        "accounts/password/change/",
        OwnPasswordChangeView.as_view(),
        name="password_change",
    ),
    path(
        "accounts/password/change/done/",
        auth_views.PasswordChangeDoneView.as_view(template_name="registration/password_message.html"),
        name="password_change_done",
    ),
    path(
        "accounts/password/reset/",
        auth_views.PasswordResetView.as_view(
            template_name="registration/password_form.html",
            email_template_name="registration/reset_email.txt",
            subject_template_name="registration/reset_subject.txt",
            success_url=reverse_lazy("password_reset_done"),
        ),
        name="password_reset",
    ),
    path(
        "accounts/password/reset/sent/",
        auth_views.PasswordResetDoneView.as_view(template_name="registration/password_message.html"),
        name="password_reset_done",
    ),
    path(
        "accounts/password/reset/<uidb64>/<token>/",
        OwnPasswordResetConfirmView.as_view(),
        name="password_reset_confirm",
    ),
    path(
        "accounts/password/reset/done/",
        auth_views.PasswordResetCompleteView.as_view(template_name="registration/password_message.html"),
        name="password_reset_complete",
    ),
]
