"""成果交付清单 (附件4) and 成果验收报告: deliverables, their versions, and verdicts per criterion."""

from __future__ import annotations

from django.db import models
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from xietong.core import clock
from xietong.items.models import WorkItem


class DeliverableForm(models.TextChoices):
    ELECTRONIC = "electronic", _("电子档")
    PAPER = "paper", _("纸质档")


class Deliverable(WorkItem):
    """A deliverable of a request. Each (re)submission is a new version; the acceptor has 2 working days."""

    department_fields = ("department",)
    participant_fields = ("submitter", "acceptor")
    process = "deliverable"

    class State(models.TextChoices):
        SUBMITTED = "submitted", _("待验收")
        PASSED = "passed", _("通过")
        REWORK = "rework", _("需整改")
        REWORKING = "reworking", _("整改中")
        FAILED = "failed", _("不通过")

    request = models.ForeignKey(
        "requests.Request", verbose_name=_("需求"), on_delete=models.PROTECT, related_name="deliverables"
    )
    task = models.ForeignKey(
        "tasks.Task", verbose_name=_("任务"), null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    department = models.ForeignKey(
        "org.Department", verbose_name=_("交付部门"), on_delete=models.PROTECT, related_name="+"
    )
    submitter = models.ForeignKey("org.Person", verbose_name=_("交付人"), on_delete=models.PROTECT, related_name="+")
    acceptor = models.ForeignKey("org.Person", verbose_name=_("验收人"), on_delete=models.PROTECT, related_name="+")
    form = models.CharField(
        _("交付形式"), max_length=12, choices=DeliverableForm.choices, default=DeliverableForm.ELECTRONIC
    )
    version = models.PositiveSmallIntegerField(_("当前版本"), default=1)
    state = models.CharField(_("状态"), max_length=12, choices=State.choices, default=State.SUBMITTED)

    class Meta:
        verbose_name = _("交付成果")
        verbose_name_plural = _("成果交付清单")
        ordering = ["request", "pk"]

    def get_absolute_url(self) -> str:
        return reverse("deliverable-detail", args=[self.pk])

    @property
    def version_label(self) -> str:
        return f"V{self.version}"


class Submission(models.Model):
    """One version handed in, with its 《成果交付说明》 (002 二（一）步骤4: 版本号、功能清单、测试报告)."""

    deliverable = models.ForeignKey(Deliverable, on_delete=models.CASCADE, related_name="submissions")
    version = models.PositiveSmallIntegerField(_("版本"))
    release = models.CharField(_("版本号"), max_length=40, blank=True)
    features = models.TextField(_("功能清单"), blank=True, help_text=_("每行一项"))
    test_report = models.TextField(_("测试报告"), blank=True)
    test_report_file = models.ForeignKey(
        "items.Attachment",
        verbose_name=_("测试报告附件"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    note = models.TextField(_("交付说明"), blank=True)
    attachment = models.ForeignKey(
        "items.Attachment", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    submitted_by = models.ForeignKey("org.Person", on_delete=models.PROTECT, related_name="+")
    submitted_at = models.DateTimeField(default=clock.now)

    class Meta:
        ordering = ["version"]
        constraints = [models.UniqueConstraint(fields=["deliverable", "version"], name="one_submission_per_version")]

    def __str__(self) -> str:
        return f"{self.deliverable} V{self.version}"

    @property
    def feature_list(self) -> list[str]:
        return [line.strip() for line in self.features.splitlines() if line.strip()]


class Verdict(models.Model):
    """成果验收报告 for one version: 通过 / 需整改 / 不通过, with a result per acceptance criterion."""

    class Outcome(models.TextChoices):
        PASS = "pass", _("通过")
        REWORK = "rework", _("需整改")
        FAIL = "fail", _("不通过")

    submission = models.OneToOneField(Submission, on_delete=models.CASCADE, related_name="verdict")
    outcome = models.CharField(_("结论"), max_length=10, choices=Outcome.choices)
    reason = models.TextField(_("验收意见"), blank=True)
    acceptor = models.ForeignKey("org.Person", on_delete=models.PROTECT, related_name="+")
    at = models.DateTimeField(default=clock.now)

    def __str__(self) -> str:
        return f"{self.submission} {self.get_outcome_display()}"


class CriterionResult(models.Model):
    verdict = models.ForeignKey(Verdict, on_delete=models.CASCADE, related_name="results")
    criterion = models.ForeignKey("requests.AcceptanceCriterion", on_delete=models.PROTECT, related_name="+")
    passed = models.BooleanField(_("达标"))
    reason = models.TextField(_("说明"), blank=True)

    class Meta:
        ordering = ["criterion__position"]
        constraints = [models.UniqueConstraint(fields=["verdict", "criterion"], name="one_result_per_criterion")]

    def __str__(self) -> str:
        return f"{self.criterion_id} {'✔' if self.passed else '✘'}"


class ResultConfirmation(models.Model):
    """结果确认表 (《企业协作沟通标准化平台使用指南》三 步骤4): once every deliverable has passed, the initiator sums up
    the final plan or results and every key receiver signs it on the platform; until all have signed the
    request may not be closed (未确认结果的事项不得关闭)."""

    request = models.OneToOneField(
        "requests.Request", verbose_name=_("需求"), on_delete=models.CASCADE, related_name="result_confirmation"
    )
    summary = models.TextField(_("最终方案/成果汇总"))
    issued_by = models.ForeignKey("org.Person", verbose_name=_("发起人"), on_delete=models.PROTECT, related_name="+")
    issued_at = models.DateTimeField(_("发起时间"), default=clock.now)
    confirmed_at = models.DateTimeField(_("全部确认时间"), null=True, blank=True)
    # Set when the request is sent back after the form was issued: its results change, so its signatures no
    # longer confirm them; the initiator issues it again once the results have passed again.
    voided_at = models.DateTimeField(_("作废时间"), null=True, blank=True)

    class Meta:
        verbose_name = _("结果确认表")
        verbose_name_plural = _("结果确认表")

    def __str__(self) -> str:
        return f"{self.request} {self._meta.verbose_name}"


class ResultSignature(models.Model):
    """One key receiver's line on the 结果确认表: who signs for which department, and when they signed."""

    class Role(models.TextChoices):
        RECEIVER = "receiver", _("接收方")
        PARTICIPANT = "participant", _("参与部门")

    confirmation = models.ForeignKey(ResultConfirmation, on_delete=models.CASCADE, related_name="signatures")
    position = models.PositiveSmallIntegerField(default=1)
    role = models.CharField(_("角色"), max_length=12, choices=Role.choices)
    department = models.ForeignKey("org.Department", verbose_name=_("部门"), on_delete=models.PROTECT, related_name="+")
    person = models.ForeignKey("org.Person", verbose_name=_("关键接收人"), on_delete=models.PROTECT, related_name="+")
    signed_at = models.DateTimeField(_("签字时间"), null=True, blank=True)
    signed_by = models.ForeignKey(
        "org.Person", verbose_name=_("签字人"), null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        ordering = ["confirmation", "position"]
        constraints = [
            models.UniqueConstraint(fields=["confirmation", "person"], name="one_result_signature_per_person")
        ]

    def __str__(self) -> str:
        return f"{self.department} {self.person}"


class Retrospective(WorkItem):
    """项目复盘 (《企业内部沟通指南与协作工具》二（一）步骤4): within 3 working days of the project's go-live (上线) the
    project manager holds the 复盘会 and files the 《项目复盘报告》 — lessons learned — which the archive keeps as
    a 复盘报告 (类型-项目名称-日期)."""

    participant_fields = ("manager",)
    process = "retrospective"

    class State(models.TextChoices):
        DUE = "due", _("待复盘")
        FILED = "filed", _("已归档")

    request = models.OneToOneField(
        "requests.Request", verbose_name=_("需求"), on_delete=models.PROTECT, related_name="retrospective"
    )
    manager = models.ForeignKey("org.Person", verbose_name=_("项目经理"), on_delete=models.PROTECT, related_name="+")
    went_live_at = models.DateTimeField(_("上线时间"))
    report = models.TextField(_("经验教训"), blank=True)
    filed_at = models.DateTimeField(_("提交时间"), null=True, blank=True)
    state = models.CharField(_("状态"), max_length=10, choices=State.choices, default=State.DUE)

    class Meta:
        verbose_name = _("复盘报告")
        verbose_name_plural = _("复盘报告")

    def get_absolute_url(self) -> str:
        return self.request.get_absolute_url() + "#retrospective"
