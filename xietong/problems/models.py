"""问题提报表 → 问题分派通知 → 问题处理进度表 → 问题解决报告 (seed: 内部沟通与协调工作机制 模板1)."""

from __future__ import annotations

from django.db import models
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from xietong.core import clock
from xietong.items.models import WorkItem
from xietong.problems.choices import ProblemState, ProblemUrgency


class Problem(WorkItem):
    """A cross-department problem: filed by anyone, dispatched by 综合管理部 to a lead department,
    worked with progress reports on a cadence, solved with a report, confirmed by the filer."""

    department_fields = ("filing_department", "lead_department")
    participant_fields = ("endorser", "owner", "helpers", "cc")
    process = "problem"

    filing_department = models.ForeignKey(
        "org.Department", verbose_name=_("提报部门"), on_delete=models.PROTECT, related_name="+"
    )
    background = models.TextField(_("问题背景"), help_text=_("问题是在什么情况下发现的"))
    current_state = models.TextField(_("现状"), help_text=_("目前的情况，尽量用数据说明"))
    impact = models.TextField(_("影响范围"), help_text=_("影响哪些部门、客户或业务，影响多大"))
    urgency = models.CharField(
        _("紧急程度"), max_length=10, choices=ProblemUrgency.choices, default=ProblemUrgency.MEDIUM
    )
    expected_date = models.DateField(_("期望解决时间"))
    state = models.CharField(_("状态"), max_length=20, choices=ProblemState.choices, default=ProblemState.ENDORSING)
    filed_at = models.DateTimeField(_("提报时间"), default=clock.now)

    # 步骤2 责任人：发起部门负责人→综合管理部: the filing department's head reviews and signs it first.
    endorser = models.ForeignKey(
        "org.Person",
        verbose_name=_("审核签署的部门负责人"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    endorsed_at = models.DateTimeField(_("部门负责人签署时间"), null=True, blank=True)
    return_note = models.TextField(_("退回原因"), blank=True)

    # 问题分派通知: basis, lead department, owner, helpers, deadline; the division leaders are copied.
    lead_department = models.ForeignKey(
        "org.Department",
        verbose_name=_("主责部门"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    owner = models.ForeignKey(
        "org.Person", verbose_name=_("主责负责人"), null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    helper_departments = models.ManyToManyField(
        "org.Department", verbose_name=_("配合部门"), blank=True, related_name="+"
    )
    helpers = models.ManyToManyField("org.Person", verbose_name=_("配合部门负责人"), blank=True, related_name="+")
    cc = models.ManyToManyField("org.Person", verbose_name=_("抄送分管领导"), blank=True, related_name="+")
    basis = models.TextField(_("分派依据"), blank=True)
    deadline = models.DateField(_("完成时限"), null=True, blank=True)
    dispatched_by = models.ForeignKey(
        "org.Person", verbose_name=_("分派人"), null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    dispatched_at = models.DateTimeField(_("分派时间"), null=True, blank=True)
    first_progress_at = models.DateTimeField(_("首次反馈时间"), null=True, blank=True)
    solved_at = models.DateTimeField(_("解决时间"), null=True, blank=True)
    confirmed_at = models.DateTimeField(_("确认时间"), null=True, blank=True)

    class Meta:
        verbose_name = _("问题提报")
        verbose_name_plural = _("问题提报")
        ordering = ["-filed_at", "-pk"]
        indexes = [
            models.Index(fields=["-filed_at", "-id"], name="problem_filed"),
            models.Index(fields=["state", "-filed_at"], name="problem_state"),
            models.Index(fields=["owner", "state"], name="problem_owner"),
        ]

    def get_absolute_url(self) -> str:
        return reverse("problem-detail", args=[self.pk])

    @property
    def department(self):
        """Robots of the lead department hear about it once dispatched; the filing department's before."""
        return self.lead_department or self.filing_department

    @property
    def is_urgent(self) -> bool:
        return self.urgency == ProblemUrgency.HIGH


class ProgressUpdate(models.Model):
    """One line of 问题处理进度表: stage results and risks, with the cadence due time it answered."""

    problem = models.ForeignKey(Problem, on_delete=models.CASCADE, related_name="updates")
    author = models.ForeignKey("org.Person", verbose_name=_("反馈人"), on_delete=models.PROTECT, related_name="+")
    progress = models.TextField(_("阶段性成果"))
    risk = models.TextField(_("风险说明"), blank=True)
    next_step = models.TextField(_("下一步计划"), blank=True)
    major_risk = models.BooleanField(_("重大风险"), default=False)
    due_at = models.DateTimeField(_("应反馈时间"), null=True, blank=True)
    created_at = models.DateTimeField(_("反馈时间"), default=clock.now)

    class Meta:
        verbose_name = _("问题处理进度")
        verbose_name_plural = _("问题处理进度")
        ordering = ["created_at", "pk"]

    def __str__(self) -> str:
        return _("%(n)s 进度 %(at)s") % {"n": self.problem.number, "at": f"{self.created_at:%Y-%m-%d %H:%M}"}

    @property
    def on_time(self) -> bool:
        return self.due_at is None or self.created_at <= self.due_at


class SolutionReport(models.Model):
    """问题解决报告: measures and the verified effect; the filer confirms it or sends it back."""

    class Verdict(models.TextChoices):
        PENDING = "pending", _("待确认")
        CONFIRMED = "confirmed", _("已确认")
        RETURNED = "returned", _("已退回")

    problem = models.ForeignKey(Problem, on_delete=models.CASCADE, related_name="reports")
    author = models.ForeignKey("org.Person", verbose_name=_("提交人"), on_delete=models.PROTECT, related_name="+")
    cause = models.TextField(_("问题原因"), blank=True)
    measures = models.TextField(_("解决措施"))
    effect = models.TextField(_("效果验证"))
    created_at = models.DateTimeField(_("提交时间"), default=clock.now)
    verdict = models.CharField(_("确认结果"), max_length=10, choices=Verdict.choices, default=Verdict.PENDING)
    verdict_note = models.TextField(_("确认意见"), blank=True)
    verdict_by = models.ForeignKey(
        "org.Person", verbose_name=_("确认人"), null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    verdict_at = models.DateTimeField(_("确认时间"), null=True, blank=True)

    class Meta:
        verbose_name = _("问题解决报告")
        verbose_name_plural = _("问题解决报告")
        ordering = ["created_at", "pk"]

    def __str__(self) -> str:
        return _("%(n)s 解决报告") % {"n": self.problem.number}


class SolutionPlan(models.Model):
    """解决方案 (步骤3「制定解决方案（需与配合部门协商），明确具体措施、责任人、时间节点」): recorded by the lead
    department before it reports progress or solves; a later one replaces it (the earlier stay on the page)."""

    problem = models.ForeignKey(Problem, on_delete=models.CASCADE, related_name="plans")
    author = models.ForeignKey("org.Person", verbose_name=_("制定人"), on_delete=models.PROTECT, related_name="+")
    consultation = models.TextField(_("与配合部门协商情况"), blank=True)
    created_at = models.DateTimeField(_("制定时间"), default=clock.now)

    class Meta:
        verbose_name = _("解决方案")
        verbose_name_plural = _("解决方案")
        ordering = ["created_at", "pk"]

    def __str__(self) -> str:
        return _("%(n)s 解决方案") % {"n": self.problem.number}


class PlanMeasure(models.Model):
    """One line of the 解决方案: a concrete measure, the person answerable for it and its planned date."""

    plan = models.ForeignKey(SolutionPlan, on_delete=models.CASCADE, related_name="measures")
    position = models.PositiveSmallIntegerField(_("序号"), default=0)
    measure = models.TextField(_("具体措施"))
    owner = models.ForeignKey("org.Person", verbose_name=_("责任人"), on_delete=models.PROTECT, related_name="+")
    due_date = models.DateField(_("计划完成时间"))

    class Meta:
        verbose_name = _("解决措施")
        verbose_name_plural = _("解决措施")
        ordering = ["plan", "position", "pk"]

    def __str__(self) -> str:
        return f"{self.position}. {self.measure[:40]}"
