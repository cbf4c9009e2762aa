"""The lighter templates: 客户需求沟通进度同步表 (seed 模板2) and 新人入职 (seed: 新人融入引导)."""

from __future__ import annotations

from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from xietong.core import clock
from xietong.core.links import link_is_safe
from xietong.items.models import WorkItem
from xietong.lighter.choices import CustomerState, OnboardingState


class CustomerRequirement(WorkItem):
    """One customer request, followed in dated rows (客户需求沟通进度同步表)."""

    department_fields = ("department",)
    participant_fields = ("owner", "participants")
    process = "customer"

    # A customer's request is often not a project of ours yet: a project is optional here.
    project = models.ForeignKey(  # type: ignore[assignment]
        "org.Project", verbose_name=_("关联项目"), null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    customer = models.CharField(_("客户"), max_length=80)
    description = models.TextField(_("需求概述"), blank=True)
    owner = models.ForeignKey("org.Person", verbose_name=_("客户对接人"), on_delete=models.PROTECT, related_name="+")
    department = models.ForeignKey(
        "org.Department", verbose_name=_("负责部门"), on_delete=models.PROTECT, related_name="+"
    )
    participants = models.ManyToManyField("org.Person", verbose_name=_("参与人"), blank=True, related_name="+")
    state = models.CharField(_("状态"), max_length=10, choices=CustomerState.choices, default=CustomerState.OPEN)

    class Meta:
        verbose_name = _("客户需求沟通进度")
        verbose_name_plural = _("客户需求沟通进度")
        ordering = ["-created_at", "-pk"]
        indexes = [
            models.Index(fields=["-created_at", "-id"], name="customer_requirement_created"),
        ]

    def get_absolute_url(self) -> str:
        return reverse("customer-detail", args=[self.pk])


class SyncRow(models.Model):
    """A dated row: 日期、沟通阶段、进展描述、参与人、下一步计划、风险与应对."""

    requirement = models.ForeignKey(CustomerRequirement, on_delete=models.CASCADE, related_name="rows")
    date = models.DateField(_("日期"))
    stage = models.CharField(_("沟通阶段"), max_length=40)
    progress = models.TextField(_("进展描述"))
    people = models.ManyToManyField("org.Person", verbose_name=_("参与人"), related_name="+")
    next_step = models.TextField(_("下一步计划"))
    risk = models.TextField(_("风险"), blank=True)
    response = models.TextField(_("应对"), blank=True)
    author = models.ForeignKey("org.Person", verbose_name=_("填写人"), on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(_("填写时间"), default=clock.now)

    class Meta:
        verbose_name = _("沟通进度")
        verbose_name_plural = _("沟通进度")
        ordering = ["date", "pk"]

    def __str__(self) -> str:
        return f"{self.date} {self.stage}"


class Onboarding(WorkItem):
    """新人入职: duties, a contact person, process links and a checklist of steps with owners and dates;
    the newcomer's department head follows the progress."""

    department_fields = ("department",)
    participant_fields = ("newcomer", "contact", "step_owners")
    process = "onboarding"

    project = models.ForeignKey(  # type: ignore[assignment]
        "org.Project", verbose_name=_("关联项目"), null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    newcomer = models.ForeignKey("org.Person", verbose_name=_("新员工"), on_delete=models.PROTECT, related_name="+")
    department = models.ForeignKey(
        "org.Department", verbose_name=_("所在部门"), on_delete=models.PROTECT, related_name="+"
    )
    contact = models.ForeignKey("org.Person", verbose_name=_("对接人"), on_delete=models.PROTECT, related_name="+")
    start_date = models.DateField(_("入职日期"))
    duties = models.TextField(_("岗位职责"))
    process_links = models.TextField(
        _("流程链接"), blank=True, help_text=_("每行一个：名称 链接，例如“需求说明书填写指南 /requests/new/”")
    )
    step_owners = models.ManyToManyField("org.Person", verbose_name=_("事项负责人"), blank=True, related_name="+")
    state = models.CharField(_("状态"), max_length=10, choices=OnboardingState.choices, default=OnboardingState.OPEN)

    class Meta:
        verbose_name = _("新人入职")
        verbose_name_plural = _("新人入职")
        ordering = ["-start_date", "-pk"]
        indexes = [
            models.Index(fields=["-start_date", "-id"], name="onboarding_started"),
        ]

    def get_absolute_url(self) -> str:
        return reverse("onboarding-detail", args=[self.pk])

    def links(self) -> list[tuple[str, str]]:
        """(name, url) for each line "名称 链接"; a line without a link is shown as a name."""
        result = []
        for raw in self.process_links.splitlines():
            line = raw.strip()
            if not line:
                continue
            name, _sep, url = line.rpartition(" ")
            # Only site paths and web addresses become links (never javascript:, never //another.site).
            if name.strip() and link_is_safe(url):
                result.append((name.strip(), url))
            else:
                result.append((line, ""))
        return result


class OnboardingStep(models.Model):
    """One checklist step with its owner and due date; its clock reminds the owner and, when late,
    tells the newcomer's department head."""

    onboarding = models.ForeignKey(Onboarding, on_delete=models.CASCADE, related_name="steps")
    position = models.PositiveSmallIntegerField(_("序号"))
    title = models.CharField(_("事项"), max_length=120)
    owner = models.ForeignKey("org.Person", verbose_name=_("负责人"), on_delete=models.PROTECT, related_name="+")
    due_date = models.DateField(_("完成时间"))
    done_at = models.DateTimeField(_("完成于"), null=True, blank=True)
    done_by = models.ForeignKey(
        "org.Person", verbose_name=_("确认人"), null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    note = models.CharField(_("备注"), max_length=300, blank=True)

    class Meta:
        verbose_name = _("入职事项")
        verbose_name_plural = _("入职事项")
        ordering = ["position"]
        indexes = [
            models.Index(
                fields=["owner", "due_date"], condition=Q(done_at__isnull=True), name="onboarding_step_owner_due"
            ),
        ]
        constraints = [models.UniqueConstraint(fields=["onboarding", "position"], name="one_step_per_position")]

    def __str__(self) -> str:
        return _("%(who)s入职：%(step)s") % {"who": self.onboarding.newcomer.display_name, "step": self.title}

    def get_absolute_url(self) -> str:
        return self.onboarding.get_absolute_url() + f"#step-{self.pk}"

    @property
    def department(self):
        """Robots of the newcomer's department hear about late steps."""
        return self.onboarding.department
