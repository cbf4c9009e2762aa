"""When execution goes off plan: 异常问题反馈表 (附件3), 延期申请, and disagreements between departments."""

from __future__ import annotations

from django.db import models
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from xietong.core import clock
from xietong.items.models import WorkItem


class Severity(models.TextChoices):
    NORMAL = "normal", _("一般")
    MAJOR = "major", _("重大")
    # 《企业沟通与协作流程规范》二（三）「紧急事项需2小时内响应」: the initiator answers within 2 hours.
    URGENT = "urgent", _("紧急")


class ExceptionReport(WorkItem):
    """异常问题反馈表: raised by a task's owner within 1 working day of discovery, closed within 24 h
    (重大: 48 h with an updated expected time), or escalated."""

    department_fields = ("department", "initiator_department")
    participant_fields = ("created_by", "initiator", "resolver")
    process = "exception"

    class State(models.TextChoices):
        OPEN = "open", _("处理中")
        RESOLVED = "resolved", _("已闭环")

    request = models.ForeignKey("requests.Request", verbose_name=_("需求"), on_delete=models.PROTECT, related_name="+")
    task = models.ForeignKey(
        "tasks.Task",
        verbose_name=_("任务"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="exception_reports",
    )
    department = models.ForeignKey(
        "org.Department", verbose_name=_("责任部门"), on_delete=models.PROTECT, related_name="+"
    )
    initiator = models.ForeignKey("org.Person", verbose_name=_("发起方"), on_delete=models.PROTECT, related_name="+")
    initiator_department = models.ForeignKey(
        "org.Department", verbose_name=_("发起部门"), on_delete=models.PROTECT, related_name="+"
    )
    discovered_at = models.DateTimeField(_("发现时间"))
    problem = models.TextField(_("问题详情"))
    impact = models.TextField(_("影响范围"))
    proposal = models.TextField(_("建议解决方案"))
    severity = models.CharField(_("严重程度"), max_length=10, choices=Severity.choices, default=Severity.NORMAL)
    expected_resolution = models.DateTimeField(_("预计解决时间"), null=True, blank=True)
    late_filing = models.BooleanField(_("超过 1 个工作日才提报"), default=False)
    # 明确问题解决责任人及时间节点: named when the initiator responds; they own the closing clock.
    resolver = models.ForeignKey(
        "org.Person", verbose_name=_("解决责任人"), null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    responded_at = models.DateTimeField(_("响应时间"), null=True, blank=True)
    state = models.CharField(_("状态"), max_length=10, choices=State.choices, default=State.OPEN)
    resolution = models.TextField(_("处理结果"), blank=True)
    decided_by = models.ForeignKey(
        "org.Person", verbose_name=_("决定人"), null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        verbose_name = _("异常问题反馈表")
        verbose_name_plural = _("异常问题反馈表")
        ordering = ["-created_at", "-pk"]

    def get_absolute_url(self) -> str:
        return reverse("exception-detail", args=[self.pk])


class DelayRequest(WorkItem):
    """延期申请: filed at least 2 working days before the task's end date (else marked a late filing),
    approved by the project lead and the initiating department's head."""

    department_fields = ("department",)
    participant_fields = ("created_by",)
    process = "delay"

    class State(models.TextChoices):
        PENDING = "pending", _("待审批")
        APPROVED = "approved", _("已批准")
        REFUSED = "refused", _("已驳回")

    task = models.ForeignKey(
        "tasks.Task", verbose_name=_("任务"), on_delete=models.PROTECT, related_name="delay_requests"
    )
    department = models.ForeignKey("org.Department", verbose_name=_("部门"), on_delete=models.PROTECT, related_name="+")
    reason = models.TextField(_("延期原因"))
    new_plan = models.TextField(_("调整后的计划"))
    original_end_date = models.DateField(_("原计划完成"))
    new_end_date = models.DateField(_("申请延至"))
    late_filing = models.BooleanField(_("迟于提前 2 个工作日"), default=False)
    state = models.CharField(_("状态"), max_length=10, choices=State.choices, default=State.PENDING)

    class Meta:
        verbose_name = _("延期申请")
        verbose_name_plural = _("延期申请")
        ordering = ["-created_at", "-pk"]
        indexes = [
            models.Index(fields=["created_at", "id"], name="delay_created"),
        ]

    def get_absolute_url(self) -> str:
        return reverse("delay-detail", args=[self.pk])


class DelayApproval(models.Model):
    class Role(models.TextChoices):
        PROJECT_LEAD = "project_lead", _("项目负责人")
        INITIATOR_HEAD = "initiator_head", _("发起部门负责人")

    delay = models.ForeignKey(DelayRequest, on_delete=models.CASCADE, related_name="approvals")
    role = models.CharField(_("审批角色"), max_length=20, choices=Role.choices)
    approver = models.ForeignKey("org.Person", verbose_name=_("审批人"), on_delete=models.PROTECT, related_name="+")
    approved = models.BooleanField(_("同意"))
    note = models.TextField(_("意见"), blank=True)
    at = models.DateTimeField(default=clock.now)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["delay", "role"], name="one_approval_per_role")]

    def __str__(self) -> str:
        verdict = _("同意") if self.approved else _("驳回")
        return f"{self.get_role_display()} {verdict}"


class Dispute(WorkItem):
    """部门分歧: first the two heads negotiate; after 3 working days it goes to their division leaders,
    then to the general manager, whose decision is recorded and sent to all parties."""

    department_fields = ("department_a", "department_b")
    participant_fields = ("created_by",)
    process = "dispute"

    class State(models.TextChoices):
        OPEN = "open", _("协商中")
        AGREED = "agreed", _("已达成一致")
        DECIDED = "decided", _("已裁决")

    request = models.ForeignKey(
        "requests.Request", verbose_name=_("需求"), null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    department_a = models.ForeignKey(
        "org.Department", verbose_name=_("提出部门"), on_delete=models.PROTECT, related_name="+"
    )
    department_b = models.ForeignKey(
        "org.Department", verbose_name=_("对方部门"), on_delete=models.PROTECT, related_name="+"
    )
    position_a = models.TextField(_("提出方意见"))
    position_b = models.TextField(_("对方意见"), blank=True)
    state = models.CharField(_("状态"), max_length=10, choices=State.choices, default=State.OPEN)
    resolution = models.TextField(_("结论"), blank=True)
    decided_by = models.ForeignKey(
        "org.Person", verbose_name=_("决定人"), null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        verbose_name = _("部门分歧")
        verbose_name_plural = _("部门分歧")
        ordering = ["-created_at", "-pk"]

    def get_absolute_url(self) -> str:
        return reverse("dispute-detail", args=[self.pk])

    @property
    def department(self):
        return self.department_a
