"""用印申请: a document to be stamped with one of the company's seals."""

from __future__ import annotations

from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from xietong.items.models import WorkItem


class SealType(models.TextChoices):
    COMPANY = "company", _("公章")
    CONTRACT = "contract", _("合同专用章")
    FINANCE = "finance", _("财务专用章")
    LEGAL_REP = "legal_rep", _("法定代表人章")


class SealState(models.TextChoices):
    DRAFT = "draft", _("草稿")
    SUBMITTED = "submitted", _("待部门审批")
    APPROVED = "approved", _("待用印")
    STAMPED = "stamped", _("已用印")
    REJECTED = "rejected", _("已驳回")
    CANCELLED = "cancelled", _("已撤回")


class SealRequest(WorkItem):
    department_fields = ("department",)
    process = "seal"

    department = models.ForeignKey(
        "org.Department", verbose_name=_("申请部门"), on_delete=models.PROTECT, related_name="+"
    )
    seal_type = models.CharField(_("印章类型"), max_length=12, choices=SealType.choices)
    document = models.CharField(_("文件名称"), max_length=120)
    copies = models.PositiveSmallIntegerField(
        _("用印份数"), default=1, validators=[MinValueValidator(1), MaxValueValidator(100)]
    )
    purpose = models.TextField(_("用途说明"), max_length=1000)
    state = models.CharField(_("状态"), max_length=12, choices=SealState.choices, default=SealState.DRAFT)
    submitted_at = models.DateTimeField(_("提交时间"), null=True, blank=True)
    approved_at = models.DateTimeField(_("审批时间"), null=True, blank=True)
    stamped_at = models.DateTimeField(_("用印时间"), null=True, blank=True)

    class Meta:
        verbose_name = _("用印申请")
        verbose_name_plural = _("用印申请")
        ordering = ["-created_at", "-pk"]

    def get_absolute_url(self) -> str:
        return reverse("process-detail", args=["seal", self.pk])
