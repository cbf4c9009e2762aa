"""Forms of the core pages: sign-in, API tokens."""

from __future__ import annotations

from django import forms
from django.contrib.auth.forms import AuthenticationForm
from django.utils.translation import gettext_lazy as _


class SignInForm(AuthenticationForm):
    """Django's sign-in form in Chinese. Throttling is django-axes (see core.signin): a locked attempt never
    reaches the password check, and the page says how long to wait."""

    error_messages = {
        "invalid_login": _("用户名或密码不正确（密码区分大小写）。"),
        "inactive": _("该账号已停用，请联系管理员。"),
        "password_off": _("该账号已关闭密码登录，请使用钉钉、企业微信或飞书登录。"),
    }

    def get_invalid_login_error(self):
        refused = getattr(self.request, "sign_in_refused", "")
        if refused:  # the directory (LDAP) checked the password but no account may sign in: org.ldap_auth
            return forms.ValidationError(refused, code="refused")
        if getattr(self.request, "password_sign_in_off", False):
            return forms.ValidationError(self.error_messages["password_off"], code="password_off")
        return super().get_invalid_login_error()


class ApiTokenForm(forms.Form):
    name = forms.CharField(label=_("令牌名称"), max_length=80, help_text=_("用途说明，例如“周报导出脚本”"))
