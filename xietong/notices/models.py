"""内部事务通知确认单: a notice to people, departments or everyone; each recipient confirms (已阅)."""

from __future__ import annotations

from django.db import models
from django.urls import reverse
from django.utils.safestring import SafeString
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from xietong.items.collaboration import CollaborationType
from xietong.items.models import WorkItem
from xietong.notices.choices import NoticeState
from xietong.notices.richtext import render


class Notice(WorkItem):
    department_fields = ("department",)
    participant_fields = ("recipients", "observers")
    process = "notice"
    default_collaboration_type = CollaborationType.SYNC
    rich_text_fields = ("body",)

    # A notice to the whole company, or to departments, is no project's business: demanding one made the
    # coordinating office pick an unrelated project for a company-wide notice (issue 23).
    project = models.ForeignKey(  # type: ignore[assignment]
        "org.Project", verbose_name=_("所属项目"), null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    department = models.ForeignKey(
        "org.Department", verbose_name=_("发布部门"), on_delete=models.PROTECT, related_name="+"
    )
    body = models.TextField(_("通知内容"), help_text=_("可使用简单格式（段落、加粗、列表、链接）"))
    effective_date = models.DateField(_("生效日期"))
    requires_confirmation = models.BooleanField(_("需确认已阅"), default=True)
    confirm_by = models.DateTimeField(_("确认截止时间"), null=True, blank=True)
    target_everyone = models.BooleanField(_("全体人员"), default=False)
    target_departments = models.ManyToManyField(
        "org.Department", verbose_name=_("涉及部门"), blank=True, related_name="+", help_text=_("含下级部门")
    )
    target_people = models.ManyToManyField("org.Person", verbose_name=_("指定人员"), blank=True, related_name="+")
    recipients = models.ManyToManyField(
        "org.Person",
        through="NoticeReceipt",
        through_fields=("notice", "person"),
        verbose_name=_("需确认人员"),
        related_name="+",
    )
    observers = models.ManyToManyField(
        "org.Person",
        verbose_name=_("接收人的部门负责人"),
        blank=True,
        related_name="+",
        help_text=_("截止后收到本部门未确认名单"),
    )
    state = models.CharField(_("状态"), max_length=10, choices=NoticeState.choices, default=NoticeState.DRAFT)
    published_at = models.DateTimeField(_("发布时间"), null=True, blank=True)
    withdraw_reason = models.TextField(_("撤回原因"), blank=True)
    deadline_report = models.JSONField(_("截止时未确认名单"), default=list, blank=True, editable=False)

    class Meta:
        verbose_name = pgettext_lazy("model", "通知")
        verbose_name_plural = _("通知")
        ordering = ["-created_at", "-pk"]
        indexes = [
            models.Index(fields=["state", "-created_at"], name="notice_state"),
            models.Index(fields=["-created_at", "-id"], name="notice_created"),
        ]

    def get_absolute_url(self) -> str:
        return reverse("notice-detail", args=[self.pk])

    @property
    def body_html(self) -> SafeString:
        return render(self.body)


class NoticeReceipt(models.Model):
    """One recipient of one notice and when they confirmed (已阅)."""

    notice = models.ForeignKey(Notice, on_delete=models.CASCADE, related_name="receipts")
    person = models.ForeignKey("org.Person", verbose_name=_("人员"), on_delete=models.PROTECT, related_name="+")
    department = models.ForeignKey(
        "org.Department",
        verbose_name=_("部门"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        help_text=_("发布时所在部门"),
    )
    confirmed_at = models.DateTimeField(_("确认时间"), null=True, blank=True)

    class Meta:
        verbose_name = _("确认回执")
        verbose_name_plural = _("确认回执")
        ordering = ["notice", "pk"]
        constraints = [models.UniqueConstraint(fields=["notice", "person"], name="one_receipt_per_person")]
        indexes = [models.Index(fields=["person", "confirmed_at"], name="receipt_person")]

    def __str__(self) -> str:
        state = _("已确认") if self.confirmed_at else _("待确认")
        return f"{self.person} · {state}"
