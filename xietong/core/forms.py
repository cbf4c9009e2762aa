"""Forms of the core pages: sign-in with throttling, API tokens."""

from __future__ import annotations

from django import forms
from django.contrib.auth.forms import AuthenticationForm
from django.utils.translation import gettext_lazy as _

from xietong.core.middleware import request_ip
from xietong.core.throttle import login_failure_record, login_failures_clear, login_locked_minutes


class ThrottledAuthenticationForm(AuthenticationForm):
    """Django's sign-in form, refusing further attempts after repeated failures."""

    error_messages = {
        "invalid_login": _("用户名或密码不正确。请注意区分大小写。"),
        "inactive": _("该账号已停用，请联系管理员。"),
        "locked": _("登录失败次数过多，请 %(minutes)d 分钟后再试。"),
    }

    def clean(self):
        username = (self.data.get("username") or "").strip()
        ip = request_ip(self.request) if self.request is not None else None
        minutes = login_locked_minutes(username, ip) if username else 0
        if minutes:
            raise forms.ValidationError(self.error_messages["locked"], code="locked", params={"minutes": minutes})
        try:
            cleaned = super().clean()
        except forms.ValidationError:
            if username:
                login_failure_record(username, ip)
            raise
        login_failures_clear(username)
        return cleaned


class ApiTokenForm(forms.Form):
    name = forms.CharField(label=_("令牌名称"), max_length=80, help_text=_("用途说明，例如“周报导出脚本”"))
