"""协作任务分解表 (template 附件2): tasks of an accepted request, with one owner, helpers, dates,
dependencies and a RACI assignment each."""

from __future__ import annotations

from django.db import models
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from xietong.core import clock
from xietong.core.models import VersionedModel
from xietong.core.permissions import RestrictedManager
from xietong.items.guard import StateGuarded
from xietong.items.models import WorkItem
from xietong.requests.choices import Priority
from xietong.tasks.choices import RaciRole, TaskState


class Breakdown(StateGuarded, VersionedModel):
    """The breakdown of one request: built by both sides while a draft, then published to its people."""

    class State(models.TextChoices):
        DRAFT = "draft", _("编制中")
        PUBLISHED = "published", _("已发布")

    request = models.OneToOneField(
        "requests.Request", verbose_name=_("需求"), on_delete=models.CASCADE, related_name="breakdown"
    )
    state = models.CharField(_("状态"), max_length=10, choices=State.choices, default=State.DRAFT)
    published_at = models.DateTimeField(_("发布时间"), null=True, blank=True)
    published_by = models.ForeignKey("org.Person", null=True, blank=True, on_delete=models.PROTECT, related_name="+")

    objects = RestrictedManager()

    class Meta:
        verbose_name = _("任务分解表")
        verbose_name_plural = _("任务分解表")

    def __str__(self) -> str:
        return _("%(n)s 任务分解表") % {"n": self.request.number}

    def get_absolute_url(self) -> str:
        return reverse("breakdown", args=[self.request_id])

    @classmethod
    def reach_filter(cls, reach, action: str) -> models.Q | None:
        """Whoever sees the request sees its breakdown (the participating departments' heads sign it)."""
        from xietong.requests.models import Request

        condition = Request.reach_filter(reach, action)
        if condition is None:
            return None
        return models.Q(request__in=Request._base_manager.filter(condition).values("pk"))

    @property
    def project(self):
        """The request's project: where messages about the breakdown are scoped."""
        return self.request.project


class Task(WorkItem):
    department_fields = ("department",)
    participant_fields = ("owner", "helpers", "coordinator")
    process = "task"

    breakdown = models.ForeignKey(
        Breakdown, verbose_name=_("任务分解表"), on_delete=models.CASCADE, related_name="tasks"
    )
    request = models.ForeignKey(
        "requests.Request", verbose_name=_("需求"), on_delete=models.CASCADE, related_name="tasks"
    )
    position = models.PositiveSmallIntegerField(_("序号"))
    content = models.TextField(_("具体内容"), blank=True)
    owner = models.ForeignKey(
        "org.Person", verbose_name=_("负责人（唯一责任人）"), on_delete=models.PROTECT, related_name="+"
    )
    department = models.ForeignKey(
        "org.Department", verbose_name=_("负责部门"), on_delete=models.PROTECT, related_name="+"
    )
    helpers = models.ManyToManyField("org.Person", verbose_name=_("协助人"), blank=True, related_name="+")
    coordinator = models.ForeignKey(
        "org.Person", verbose_name=_("协调人"), null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    start_date = models.DateField(_("开始时间"))
    end_date = models.DateField(_("结束时间"))
    priority = models.CharField(_("优先级"), max_length=10, choices=Priority.choices, default=Priority.MEDIUM)
    resources = models.TextField(_("所需资源"), blank=True, help_text=_("人力、物料、技术支持等"))
    # 《多部门协同作业标准沟通流程》二: 明确任务名称、责任部门/人、任务描述、完成标准 — required when a task is
    # added (tasks.services.task_validate); tasks made before it was asked for keep it empty.
    completion_criteria = models.TextField(
        _("完成标准"), blank=True, help_text=_("怎样算完成，如“输出功耗测试报告，待机续航≥5天”")
    )
    state = models.CharField(_("状态"), max_length=20, choices=TaskState.choices, default=TaskState.DRAFT)
    predecessors = models.ManyToManyField(
        "self",
        verbose_name=_("前置任务"),
        symmetrical=False,
        blank=True,
        through="TaskDependency",
        related_name="successors",
    )
    accepted_at = models.DateTimeField(_("接收时间"), null=True, blank=True)
    auto_accepted = models.BooleanField(_("超时默认接收"), default=False)
    started_at = models.DateTimeField(_("开始执行时间"), null=True, blank=True)
    done_at = models.DateTimeField(pgettext_lazy("done", "完成时间"), null=True, blank=True)

    class Meta:
        verbose_name = _("协作任务")
        verbose_name_plural = _("协作任务")
        ordering = ["request", "position"]
        constraints = [models.UniqueConstraint(fields=["breakdown", "position"], name="one_task_per_position")]
        indexes = [
            models.Index(fields=["owner", "state"], name="task_owner_state"),
            models.Index(fields=["owner", "end_date", "id"], name="task_owner_end"),
            models.Index(fields=["end_date", "id"], name="task_end"),
        ]

    def get_absolute_url(self) -> str:
        return reverse("task-detail", args=[self.pk])


class BreakdownSignature(models.Model):
    """A participating department's head signed the 分工表 and its RACI (《协同任务分工表》含各部门负责人签字确认;
    RACI矩阵需经所有部门签字确认). Any change to the tasks or the RACI while a draft voids the signatures."""

    breakdown = models.ForeignKey(Breakdown, on_delete=models.CASCADE, related_name="signatures")
    department = models.ForeignKey("org.Department", verbose_name=_("部门"), on_delete=models.PROTECT, related_name="+")
    signed_by = models.ForeignKey("org.Person", verbose_name=_("签字人"), on_delete=models.PROTECT, related_name="+")
    signed_at = models.DateTimeField(_("签字时间"), default=clock.now)

    class Meta:
        verbose_name = _("分工表签字")
        verbose_name_plural = _("分工表签字")
        ordering = ["breakdown", "signed_at"]
        constraints = [
            models.UniqueConstraint(fields=["breakdown", "department"], name="one_breakdown_signature_per_dept")
        ]

    def __str__(self) -> str:
        return f"{self.department}：{self.signed_by}"


class TaskDependency(models.Model):
    """Task `task` starts after `predecessor` ends (任务A需在任务B完成后启动)."""

    task = models.ForeignKey(Task, on_delete=models.CASCADE, related_name="dependency_links")
    predecessor = models.ForeignKey(Task, on_delete=models.CASCADE, related_name="successor_links")

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["task", "predecessor"], name="one_dependency"),
            models.CheckConstraint(condition=~models.Q(task=models.F("predecessor")), name="no_self_dependency"),
        ]

    def __str__(self) -> str:
        return f"{self.predecessor_id} → {self.task_id}"


class TaskRole(models.Model):
    """One letter of the RACI matrix for one person on one task."""

    task = models.ForeignKey(Task, on_delete=models.CASCADE, related_name="roles")
    person = models.ForeignKey("org.Person", on_delete=models.PROTECT, related_name="+")
    role = models.CharField(_("角色"), max_length=1, choices=RaciRole.choices)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["task", "person", "role"], name="one_raci_letter")]
        ordering = ["role", "person_id"]

    def __str__(self) -> str:
        return f"{self.role}: {self.person}"


class Consultation(models.Model):
    """A Consulted (C) person was asked before the task could be done."""

    task = models.ForeignKey(Task, on_delete=models.CASCADE, related_name="consultations")
    person = models.ForeignKey("org.Person", on_delete=models.PROTECT, related_name="+")
    asked_at = models.DateTimeField(default=clock.now)
    answer = models.TextField(blank=True)
    answered_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["task", "person"], name="one_consultation")]

    def __str__(self) -> str:
        return f"{self.task_id} ← {self.person}"
