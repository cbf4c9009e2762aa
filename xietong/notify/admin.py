from django import forms
from django.contrib import admin, messages
from django.utils.translation import gettext_lazy as _

from xietong.core.admin import ReadOnlyAdmin
from xietong.core.errors import ApplicationError
from xietong.notify.models import Channel, Delivery, DeliveryAttempt, DeliveryState, MessageKind, Notification
from xietong.notify.services import channel_save, channel_send_test, channel_validate, delivery_retry


class ChannelForm(forms.ModelForm):
    url = forms.URLField(label=_("Webhook 地址"), max_length=500, assume_scheme="https")
    secret = forms.CharField(
        label=_("密钥"),
        required=False,
        widget=forms.PasswordInput(render_value=False, attrs={"autocomplete": "new-password"}),
        help_text=_(
            "钉钉：加签密钥（SEC 开头）；飞书：签名校验密钥；通用 Webhook：HMAC 密钥；企业微信无需密钥。"
            "保存后不再显示；留空表示保持原密钥不变。"
        ),
    )
    clear_secret = forms.BooleanField(label=_("清除已保存的密钥"), required=False)
    kinds = forms.MultipleChoiceField(
        label=_("推送的消息类型"),
        required=False,
        choices=[(k.value, k.label) for k in MessageKind if k != MessageKind.TEST],
        widget=forms.CheckboxSelectMultiple,
        help_text=_("都不选表示全部类型"),
    )

    class Meta:
        model = Channel
        fields = (
            "kind",
            "name",
            "url",
            "department",
            "project",
            "kinds",
            "rate_per_minute",
            "quiet_hours",
            "is_active",
        )

    def clean(self):
        cleaned = super().clean()
        secret = cleaned.get("secret") or None
        if cleaned.get("kind") and cleaned.get("url"):
            for field, message in channel_validate(kind=cleaned["kind"], url=cleaned["url"], secret=secret).items():
                self.add_error(field, message)
        if cleaned.get("department") and cleaned.get("project"):
            self.add_error("project", _("部门与项目只能选一个"))
        return cleaned


@admin.register(Channel)
class ChannelAdmin(admin.ModelAdmin):
    form = ChannelForm
    list_display = ("name", "kind", "scope", "rate_per_minute", "quiet_hours", "is_active", "secret_state")
    list_filter = ("kind", "is_active")
    actions = ["send_test_message"]

    @admin.display(description=_("范围"))
    def scope(self, obj: Channel) -> str:
        return str(obj.project or obj.department or _("全公司"))

    @admin.display(description=_("密钥"))
    def secret_state(self, obj: Channel) -> str:
        return str(_("已设置（不显示）")) if obj.has_secret else "—"

    def save_model(self, request, obj, form, change):
        secret = form.cleaned_data.get("secret") or None
        if form.cleaned_data.get("clear_secret"):
            secret = ""
        try:
            channel_save(actor=request.user, channel=obj, secret=secret)
        except ApplicationError as error:  # validated in the form already; kept as the single write path
            messages.error(request, str(error.message))
            raise

    @admin.action(description=_("发送测试消息"))
    def send_test_message(self, request, queryset):
        for channel in queryset:
            channel_send_test(actor=request.user, channel=channel)
        messages.success(request, _("测试消息已进入发送队列，稍后可在“投递”中查看结果"))


class AttemptInline(admin.TabularInline):
    model = DeliveryAttempt
    extra = 0
    can_delete = False
    fields = ("at", "ok", "status_code", "error", "duration_ms")
    readonly_fields = fields

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(Delivery)
class DeliveryAdmin(ReadOnlyAdmin):
    list_display = (
        "notification",
        "channel_kind",
        "channel",
        "recipient",
        "state",
        "attempts",
        "next_attempt_at",
        "last_status",
        "short_error",
        "sent_at",
    )
    list_filter = ("state", "channel_kind")
    search_fields = ("notification__title", "idempotency_key")
    inlines = [AttemptInline]
    actions = ["retry"]

    @admin.display(description=_("最近错误"))
    def short_error(self, obj: Delivery) -> str:
        return obj.last_error[:60]

    def has_change_permission(self, request, obj=None):
        return False

    @admin.action(description=_("重新发送（仅发送失败的）"))
    def retry(self, request, queryset):
        done = 0
        for delivery in queryset.filter(state=DeliveryState.FAILED):
            delivery_retry(actor=request.user, delivery_id=delivery.pk)
            done += 1
        messages.success(request, _("已重新排队 %(n)d 条投递") % {"n": done})

    def get_actions(self, request):
        # Actions are how an administrator retries; ReadOnlyAdmin's delete action stays off.
        actions = super().get_actions(request)
        actions.pop("delete_selected", None)
        return actions


@admin.register(Notification)
class NotificationAdmin(ReadOnlyAdmin):
    list_display = ("title", "kind", "urgency", "created_at")
    list_filter = ("kind", "urgency")
    search_fields = ("title",)
