"""Notifications: one event, an inbox line per recipient, and an outbox of deliveries per channel."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from xietong.core import clock
from xietong.core.models import TimeStampedModel


class MessageKind(models.TextChoices):
    REMINDER = "reminder", _("到期提醒")
    OVERDUE = "overdue", _("超时")
    ESCALATION = "escalation", _("升级")
    MENTION = "mention", _("提及我")
    ASSIGNMENT = "assignment", _("待我处理")
    INFO = "info", pgettext_lazy("message kind", "通知")
    DIGEST = "digest", _("每日摘要")
    TEST = "test", _("测试消息")


class Urgency(models.TextChoices):
    NORMAL = "normal", _("普通")
    URGENT = "urgent", _("紧急（不受免打扰限制）")
    EMERGENCY = "emergency", _("紧急事项")


class Notification(models.Model):
    """Something happened that people must hear about (an event), written in the transaction that caused it."""

    kind = models.CharField(_("类型"), max_length=20, choices=MessageKind.choices)
    urgency = models.CharField(_("紧急程度"), max_length=10, choices=Urgency.choices, default=Urgency.NORMAL)
    title = models.CharField(_("标题"), max_length=200)
    body = models.TextField(_("内容"), blank=True)
    url = models.CharField(_("链接"), max_length=300, blank=True)
    subject_type = models.CharField(_("事项类型"), max_length=80, blank=True)
    subject_id = models.BigIntegerField(_("事项编号"), null=True, blank=True)
    project = models.ForeignKey(
        "org.Project", verbose_name=_("项目"), null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    department = models.ForeignKey(
        "org.Department", verbose_name=_("部门"), null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    dedupe_key = models.CharField(_("去重键"), max_length=120, null=True, blank=True, unique=True)
    created_at = models.DateTimeField(_("时间"), default=clock.now, db_index=True)

    class Meta:
        verbose_name = _("通知事件")
        verbose_name_plural = _("通知事件")
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return self.title


class InboxMessage(models.Model):
    """One line in one person's 收件箱."""

    notification = models.ForeignKey(Notification, on_delete=models.CASCADE, related_name="inbox")
    recipient = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="inbox")
    read_at = models.DateTimeField(_("已读时间"), null=True, blank=True)
    created_at = models.DateTimeField(_("时间"), default=clock.now)

    class Meta:
        verbose_name = _("收件箱消息")
        verbose_name_plural = _("收件箱消息")
        ordering = ["-created_at", "-pk"]
        constraints = [models.UniqueConstraint(fields=["notification", "recipient"], name="one_inbox_line")]
        indexes = [
            models.Index(fields=["recipient", "-created_at"], name="inbox_recipient"),
            models.Index(fields=["recipient"], condition=Q(read_at__isnull=True), name="inbox_unread"),
        ]

    def __str__(self) -> str:
        return f"{self.recipient} · {self.notification}"


class ChannelKind(models.TextChoices):
    EMAIL = "email", _("电子邮件")
    DINGTALK = "dingtalk", _("钉钉群机器人")
    FEISHU = "feishu", _("飞书群机器人")
    WECOM = "wecom", _("企业微信群机器人")
    WEBHOOK = "webhook", _("通用 Webhook（HMAC 签名）")
    # Personal messages in the person's own app (not a group): cards with the steps they may take.
    APP_DINGTALK = "app_dingtalk", _("钉钉工作通知")
    APP_WECOM = "app_wecom", _("企业微信应用消息")
    APP_FEISHU = "app_feishu", _("飞书应用消息")


ROBOT_KINDS = [ChannelKind.DINGTALK, ChannelKind.FEISHU, ChannelKind.WECOM, ChannelKind.WEBHOOK]
# The platform behind each personal app channel (xietong.core.platforms) and the person's id field there.
APP_KINDS = {
    ChannelKind.APP_DINGTALK: ("dingtalk", "dingtalk_id"),
    ChannelKind.APP_WECOM: ("wecom", "wecom_id"),
    ChannelKind.APP_FEISHU: ("feishu", "feishu_id"),
}


class Channel(TimeStampedModel):
    """A group robot or webhook an administrator configured, for the whole company, a department or a
    project. Its secret is stored encrypted and never shown again after saving."""

    kind = models.CharField(_("类型"), max_length=10, choices=[(k.value, k.label) for k in ROBOT_KINDS])
    name = models.CharField(_("名称"), max_length=80)
    url = models.URLField(_("Webhook 地址"), max_length=500)
    secret_encrypted = models.TextField(_("密钥（已加密）"), blank=True, editable=False)
    department = models.ForeignKey(
        "org.Department",
        verbose_name=_("部门"),
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="channels",
        help_text=_("只推送该部门（含下级部门）的事项；与项目都留空表示全公司"),
    )
    project = models.ForeignKey(
        "org.Project",
        verbose_name=_("项目"),
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="channels",
        help_text=_("只推送该项目的事项"),
    )
    kinds = models.JSONField(_("推送的消息类型"), default=list, blank=True, help_text=_("留空表示全部类型"))
    rate_per_minute = models.PositiveSmallIntegerField(
        _("每分钟上限"), default=20, help_text=_("钉钉与企业微信机器人：每分钟 20 条；0 表示不限（自建 Webhook）")
    )
    quiet_hours = models.BooleanField(
        _("工作时间外免打扰"), default=True, help_text=_("非紧急消息在工作时间外暂存，下一个工作时段发出")
    )
    is_active = models.BooleanField(_("启用"), default=True)

    class Meta:
        verbose_name = _("推送渠道")
        verbose_name_plural = _("推送渠道（群机器人 / Webhook）")
        ordering = ["kind", "name"]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} · {self.name}"

    @property
    def has_secret(self) -> bool:
        return bool(self.secret_encrypted)


class DeliveryState(models.TextChoices):
    PENDING = "pending", _("待发送")
    SENDING = "sending", _("发送中")
    SENT = "sent", _("已送达")
    FAILED = "failed", _("发送失败（已放弃）")


class Delivery(models.Model):
    """One message to send through one channel (the outbox). Written with its event; sent by the worker."""

    notification = models.ForeignKey(
        Notification,
        verbose_name=pgettext_lazy("notification", "通知"),
        on_delete=models.CASCADE,
        related_name="deliveries",
    )
    channel_kind = models.CharField(_("渠道"), max_length=20, choices=ChannelKind.choices)
    channel = models.ForeignKey(
        Channel, verbose_name=_("推送渠道"), null=True, blank=True, on_delete=models.CASCADE, related_name="deliveries"
    )
    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("收件人"),
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="+",
    )
    mentions = models.ManyToManyField(settings.AUTH_USER_MODEL, verbose_name=_("@提及"), blank=True, related_name="+")
    # Email to someone who is not a person of the company (a customer reading a 用户告知函).
    address = models.EmailField(_("收件地址"), blank=True)
    idempotency_key = models.CharField(_("幂等键"), max_length=120, unique=True)
    state = models.CharField(_("状态"), max_length=10, choices=DeliveryState.choices, default=DeliveryState.PENDING)
    attempts = models.PositiveSmallIntegerField(_("尝试次数"), default=0)
    next_attempt_at = models.DateTimeField(_("下次发送时间"), default=clock.now)
    lease_until = models.DateTimeField(_("占用至"), null=True, blank=True)
    last_status = models.IntegerField(_("最近响应码"), null=True, blank=True)
    last_error = models.TextField(_("最近错误"), blank=True)
    sent_at = models.DateTimeField(_("送达时间"), null=True, blank=True)
    created_at = models.DateTimeField(_("创建时间"), default=clock.now)

    class Meta:
        verbose_name = _("投递")
        verbose_name_plural = _("投递（发件箱）")
        ordering = ["-created_at", "-pk"]
        indexes = [
            # The claim reads pending rows in (next_attempt_at, id) order: an index range scan, no sort.
            models.Index(fields=["next_attempt_at", "id"], condition=Q(state="pending"), name="delivery_pending_due"),
            models.Index(fields=["lease_until"], condition=Q(state="sending"), name="delivery_sending_lease"),
            models.Index(fields=["state", "-created_at"], name="delivery_state"),
        ]

    def __str__(self) -> str:
        return f"{self.get_channel_kind_display()} · {self.notification}"


class DeliveryAttempt(models.Model):
    """One try at sending: what the other side answered. Also counts toward a robot's rate limit."""

    delivery = models.ForeignKey(Delivery, on_delete=models.CASCADE, related_name="attempt_log")
    channel = models.ForeignKey(Channel, null=True, blank=True, on_delete=models.CASCADE, related_name="+")
    at = models.DateTimeField(_("时间"), default=clock.now)
    ok = models.BooleanField(_("成功"), null=True)
    status_code = models.IntegerField(_("响应码"), null=True, blank=True)
    error = models.TextField(_("错误"), blank=True)
    duration_ms = models.PositiveIntegerField(_("耗时（毫秒）"), null=True, blank=True)

    class Meta:
        verbose_name = _("发送尝试")
        verbose_name_plural = _("发送尝试")
        ordering = ["-at"]
        indexes = [models.Index(fields=["channel", "at"], name="attempt_channel_at")]

    def __str__(self) -> str:
        return f"{self.at:%Y-%m-%d %H:%M:%S} {'ok' if self.ok else self.error[:40]}"


# Reminders, escalations, requests for action and notices to confirm reach the person in their app.
DEFAULT_APP_KINDS = [
    MessageKind.REMINDER,
    MessageKind.OVERDUE,
    MessageKind.ESCALATION,
    MessageKind.ASSIGNMENT,
    MessageKind.MENTION,
    MessageKind.INFO,
]


def default_app_kinds() -> list[str]:
    return [str(k) for k in DEFAULT_APP_KINDS]


class Preference(models.Model):
    """Which kinds of message reach a person by email and by chat-robot @mention; and quiet hours."""

    person = models.OneToOneField(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notify_preference")
    email_kinds = models.JSONField(_("邮件接收的类型"), default=list, blank=True)
    chat_kinds = models.JSONField(_("群机器人 @ 我的类型"), default=list, blank=True)
    app_kinds = models.JSONField(_("在钉钉、企业微信或飞书中接收的类型"), default=default_app_kinds, blank=True)
    quiet_hours = models.BooleanField(_("工作时间外免打扰"), default=True)
    digest = models.BooleanField(_("每日 09:00 摘要"), default=True)
    version = models.PositiveIntegerField(default=1)

    class Meta:
        verbose_name = _("通知偏好")
        verbose_name_plural = _("通知偏好")

    def __str__(self) -> str:
        return str(self.person)


DEFAULT_EMAIL_KINDS = [
    MessageKind.OVERDUE,
    MessageKind.ESCALATION,
    MessageKind.ASSIGNMENT,
    MessageKind.MENTION,
    MessageKind.DIGEST,
]
DEFAULT_CHAT_KINDS = [
    MessageKind.REMINDER,
    MessageKind.OVERDUE,
    MessageKind.ESCALATION,
    MessageKind.ASSIGNMENT,
    MessageKind.MENTION,
]


class DigestRun(models.Model):
    """Marks the daily digest of one date as sent, so that several workers send it once."""

    date = models.DateField(unique=True)
    at = models.DateTimeField(default=clock.now)

    class Meta:
        verbose_name = _("每日摘要发送记录")

    def __str__(self) -> str:
        return str(self.date)


class CardState(models.TextChoices):
    SENDING = "sending", _("发送中")
    OPEN = "open", _("待处理")
    DONE = "done", _("已处理")


class AppCard(models.Model):
    """A card sent to one person in their app: which item it is about and which steps its buttons take,
    and what the platform calls it (to update it when a button was pressed)."""

    delivery = models.OneToOneField(Delivery, on_delete=models.CASCADE, related_name="card")
    platform = models.CharField(_("平台"), max_length=10)
    key = models.CharField(_("卡片标识"), max_length=64, unique=True)  # outTrackId / task_id / uuid
    recipient = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    platform_user = models.CharField(_("平台用户 ID"), max_length=64)
    subject_type = models.CharField(_("事项类型"), max_length=80, blank=True)
    subject_id = models.BigIntegerField(_("事项编号"), null=True, blank=True)
    steps = models.JSONField(_("按钮对应的操作"), default=list, blank=True)
    content = models.JSONField(_("卡片内容"), default=dict, blank=True)
    message_ref = models.CharField(_("平台消息标识"), max_length=200, blank=True)  # response_code / message_id
    state = models.CharField(_("状态"), max_length=10, choices=CardState.choices, default=CardState.SENDING)
    result = models.CharField(_("处理结果"), max_length=300, blank=True)
    created_at = models.DateTimeField(_("创建时间"), default=clock.now)
    updated_at = models.DateTimeField(_("更新时间"), default=clock.now)

    class Meta:
        verbose_name = _("应用消息卡片")
        verbose_name_plural = _("应用消息卡片")
        indexes = [models.Index(fields=["subject_type", "subject_id"], name="appcard_subject")]

    def __str__(self) -> str:
        return f"{self.platform} · {self.key}"


class CallbackReceipt(models.Model):
    """A platform callback already handled (its signature or event id): the same one again is a replay."""

    platform = models.CharField(max_length=10)
    fingerprint = models.CharField(max_length=128)
    at = models.DateTimeField(default=clock.now)

    class Meta:
        verbose_name = _("平台回调记录")
        verbose_name_plural = _("平台回调记录")
        constraints = [models.UniqueConstraint(fields=["platform", "fingerprint"], name="one_callback")]

    def __str__(self) -> str:
        return f"{self.platform} {self.fingerprint[:12]}"
