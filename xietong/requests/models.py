"""需求说明书 (template 附件1): a collaboration request from one department to another."""

from __future__ import annotations

from django.db import models
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from xietong.core import clock
from xietong.core.models import VersionedModel
from xietong.core.permissions import RestrictedManager
from xietong.items.collaboration import CollaborationType
from xietong.items.guard import StateGuarded
from xietong.items.models import WorkItem
from xietong.requests.choices import Priority, RequestState


class Feasibility(models.TextChoices):
    FEASIBLE = "feasible", _("可行")
    ADJUST = "adjust", _("调整后可行")
    INFEASIBLE = "infeasible", _("不可行")


class Request(WorkItem):
    department_fields = ("requesting_department", "receiving_department")
    participant_fields = ("requester", "receiver")
    process = "request"

    collaboration_type = models.CharField(
        _("协作类型"),
        max_length=12,
        choices=CollaborationType.choices,
        blank=True,
        help_text=_("归档名称“协作类型-项目名称-日期”中的协作类型，如 常规项目协作、跨部门事务对接"),
    )
    requesting_department = models.ForeignKey(
        "org.Department", verbose_name=_("发起部门"), on_delete=models.PROTECT, related_name="+"
    )
    requester = models.ForeignKey("org.Person", verbose_name=_("发起人"), on_delete=models.PROTECT, related_name="+")
    receiving_department = models.ForeignKey(
        "org.Department", verbose_name=_("接收部门"), on_delete=models.PROTECT, related_name="+"
    )
    receiver = models.ForeignKey(
        "org.Person",
        verbose_name=_("接收人"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        help_text=_("留空时由接收部门负责人接收"),
    )
    background = models.TextField(
        _("需求背景"), help_text=_("简要说明提出需求的原因，如“因客户投诉率上升，需优化售后服务响应流程”")
    )
    goal = models.TextField(_("需求目标"), help_text=_("明确要达成的结果，如“将客户投诉响应时间从48小时缩短至24小时”"))
    content = models.TextField(_("具体内容"), help_text=_("详细描述需求细节，可分条列出"))
    expected_date = models.DateField(_("期望完成时间"))
    priority = models.CharField(_("优先级"), max_length=10, choices=Priority.choices, default=Priority.MEDIUM)
    state = models.CharField(_("状态"), max_length=20, choices=RequestState.choices, default=RequestState.DRAFT)
    submitted_at = models.DateTimeField(_("提交时间"), null=True, blank=True)
    acknowledged_at = models.DateTimeField(_("接收确认时间"), null=True, blank=True)
    decided_at = models.DateTimeField(_("受理决定时间"), null=True, blank=True)
    decision_note = models.TextField(_("修改建议 / 替代方案"), blank=True)
    # 内部评估 (the receiving side's answers within its limit after 接收确认): they make the 需求确认函.
    feasibility = models.CharField(_("可行性"), max_length=12, choices=Feasibility.choices, blank=True)
    resource_people = models.TextField(_("资源：人力"), blank=True)
    resource_time = models.TextField(_("资源：时间"), blank=True)
    resource_access = models.TextField(_("资源：权限"), blank=True)
    schedule = models.TextField(_("初步时间节点"), blank=True)
    evaluated_at = models.DateTimeField(_("评估时间"), null=True, blank=True)
    evaluated_by = models.ForeignKey(
        "org.Person", verbose_name=_("评估人"), null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        verbose_name = _("需求说明书")
        verbose_name_plural = _("需求说明书")
        ordering = ["-created_at", "-pk"]
        indexes = [
            models.Index(fields=["-created_at", "-id"], name="request_created"),
            models.Index(fields=["expected_date", "-id"], name="request_expected"),
            models.Index(fields=["priority", "-id"], name="request_priority"),
            models.Index(fields=["state", "-created_at"], name="request_state"),
            models.Index(fields=["requester", "-created_at"], name="request_requester"),
            models.Index(fields=["receiver", "-created_at"], name="request_receiver"),
        ]

    def get_absolute_url(self) -> str:
        return reverse("request-detail", args=[self.pk])

    @property
    def receiver_or_head(self):
        """Who answers for the receiving side: the named receiver, else the receiving department's head."""
        return self.receiver or self.receiving_department.head

    @property
    def department(self):
        """The department notifications are scoped to (robots of the receiving department hear it)."""
        return self.receiving_department

    def is_receiver_side(self, person) -> bool:
        return person.pk in {
            getattr(self.receiver, "pk", None),
            self.receiving_department.head_id,
        }

    def is_requester_side(self, person) -> bool:
        return person.pk in {self.requester_id, self.created_by_id, self.requesting_department.head_id}

    @classmethod
    def reach_filter(cls, reach, action: str) -> models.Q | None:
        """Besides the two sides, every participating department's head, contact and 协作负责人 see it."""
        condition = super().reach_filter(reach, action)
        if condition is None:
            return None
        taking_part = Participation._base_manager.filter(
            models.Q(department_id__in=reach.led_department_ids)
            | models.Q(contact_id=reach.person_id)
            | models.Q(coordinator_id=reach.person_id)
        )
        return condition | models.Q(pk__in=taking_part.values("request_id"))

    def is_participant_head(self, person) -> bool:
        return any(p.head is not None and p.head.pk == person.pk for p in self.participations.all())

    def signature_of(self, role: str):
        return next((s for s in self.signatures.all() if s.role == role), None)


class AcceptanceCriterion(models.Model):
    """验收标准: one quantified condition per line; verdicts in acceptance refer to these."""

    request = models.ForeignKey(Request, on_delete=models.CASCADE, related_name="criteria")
    position = models.PositiveSmallIntegerField()
    text = models.CharField(_("验收标准"), max_length=300)

    class Meta:
        verbose_name = _("验收标准")
        verbose_name_plural = _("验收标准")
        ordering = ["position"]
        constraints = [models.UniqueConstraint(fields=["request", "position"], name="one_criterion_per_position")]

    def __str__(self) -> str:
        return f"{self.position}. {self.text}"


class Signature(models.Model):
    """确认签字: the requester's or the receiver's explicit confirmation of the agreed request."""

    class Role(models.TextChoices):
        REQUESTER = "requester", _("发起人")
        RECEIVER = "receiver", _("接收人")

    request = models.ForeignKey(Request, on_delete=models.CASCADE, related_name="signatures")
    role = models.CharField(_("签字方"), max_length=10, choices=Role.choices)
    person = models.ForeignKey("org.Person", verbose_name=_("签字人"), on_delete=models.PROTECT, related_name="+")
    signed_at = models.DateTimeField(_("签字时间"), default=clock.now)

    class Meta:
        verbose_name = _("确认签字")
        verbose_name_plural = _("确认签字")
        constraints = [models.UniqueConstraint(fields=["request", "role"], name="one_signature_per_side")]

    def __str__(self) -> str:
        return f"{self.get_role_display()}：{self.person}"


class Participation(StateGuarded, VersionedModel):
    """参与部门及职责: one department taking part in a request, with its contact person (对接人) and its duties;
    its head confirms (签字) on the platform, and may name the department's own 协作负责人."""

    class State(models.TextChoices):
        DRAFT = "draft", _("未发出")
        AWAITING = "awaiting", _("待签字")
        CONFIRMED = "confirmed", _("已签字")
        WITHDRAWN = "withdrawn", _("已撤回")

    request = models.ForeignKey(Request, on_delete=models.CASCADE, related_name="participations")
    position = models.PositiveSmallIntegerField(default=1)
    department = models.ForeignKey(
        "org.Department", verbose_name=_("参与部门"), on_delete=models.PROTECT, related_name="+"
    )
    contact = models.ForeignKey(
        "org.Person", verbose_name=_("对接人"), null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    duties = models.CharField(_("职责"), max_length=300, blank=True)
    coordinator = models.ForeignKey(
        "org.Person", verbose_name=_("协作负责人"), null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    state = models.CharField(_("状态"), max_length=10, choices=State.choices, default=State.DRAFT)
    confirmed_by = models.ForeignKey(
        "org.Person", verbose_name=_("签字人"), null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    confirmed_at = models.DateTimeField(_("签字时间"), null=True, blank=True)

    objects = RestrictedManager()

    class Meta:
        verbose_name = _("参与部门")
        verbose_name_plural = _("参与部门及职责")
        ordering = ["request", "position"]
        constraints = [models.UniqueConstraint(fields=["request", "department"], name="one_participation_per_dept")]

    def __str__(self) -> str:
        return f"{self.department}：{self.duties}" if self.duties else str(self.department)

    def get_absolute_url(self) -> str:
        return self.request.get_absolute_url() + "#participants"

    @property
    def project(self):
        return self.request.project

    @property
    def requester(self):
        return self.request.requester

    @property
    def head(self):
        """Who signs for the department: its head (the contact when the department has none)."""
        return self.department.head or self.contact

    @property
    def number(self) -> str:
        return self.request.number

    @property
    def title(self) -> str:
        return f"{self.request.title}（{self.department.name}）"

    @classmethod
    def reach_filter(cls, reach, action: str) -> models.Q | None:
        """Whoever sees the request sees its participating departments."""
        condition = Request.reach_filter(reach, action)
        if condition is None:
            return None
        return models.Q(request__in=Request._base_manager.filter(condition).values("pk"))


class Milestone(StateGuarded, VersionedModel):
    """关键时间节点 (里程碑) of a request: dated (需求确认：2024-05-20), or relative — the N-th working day counted
    from a start date (第10个工作日), as 《多部门协同作业标准沟通流程》 lays them out. Each one is a clock."""

    class State(models.TextChoices):
        PLANNED = "planned", _("进行中")
        REACHED = "reached", _("已达成")
        CANCELLED = "cancelled", _("已取消")

    request = models.ForeignKey(Request, on_delete=models.CASCADE, related_name="milestones")
    position = models.PositiveSmallIntegerField(default=1)
    title = models.CharField(_("节点名称"), max_length=100)
    owner = models.ForeignKey("org.Person", verbose_name=_("责任人"), on_delete=models.PROTECT, related_name="+")
    start_date = models.DateField(_("起算日"), null=True, blank=True, help_text=_("按工作日计的节点从这一天起算"))
    workday = models.PositiveSmallIntegerField(
        _("第几个工作日"), null=True, blank=True, help_text=_("起算日当天（如为工作日）为第1个工作日")
    )
    due_date = models.DateField(_("节点日期"))
    after = models.ForeignKey(
        "self",
        verbose_name=_("前置节点"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        help_text=_("依赖的上一个节点：两者之间应留出缓冲期"),
    )
    state = models.CharField(_("状态"), max_length=10, choices=State.choices, default=State.PLANNED)
    reached_at = models.DateTimeField(_("达成时间"), null=True, blank=True)

    objects = RestrictedManager()

    class Meta:
        verbose_name = _("关键时间节点")
        verbose_name_plural = _("关键时间节点")
        ordering = ["request", "due_date", "position"]

    def __str__(self) -> str:
        return f"{self.title}（{self.due_date:%Y-%m-%d}）"

    def get_absolute_url(self) -> str:
        return self.request.get_absolute_url() + "#milestones"

    @property
    def project(self):
        return self.request.project

    @property
    def requester(self):
        return self.request.requester

    @property
    def department(self):
        return self.request.receiving_department

    @property
    def number(self) -> str:
        return self.request.number

    @property
    def is_relative(self) -> bool:
        return self.workday is not None

    @classmethod
    def reach_filter(cls, reach, action: str) -> models.Q | None:
        """Whoever sees the request sees its milestones."""
        condition = Request.reach_filter(reach, action)
        if condition is None:
            return None
        return models.Q(request__in=Request._base_manager.filter(condition).values("pk"))


class RequestVersion(StateGuarded, VersionedModel):
    """One version of an accepted request. V1 is the request as agreed; each 需求变更 makes the next one, with
    its diff (each changed field, old → new), sent in writing to every participant, each of whom confirms
    (已阅)."""

    class State(models.TextChoices):
        ORIGINAL = "original", _("原始版本")
        DRAFT = "draft", _("未发出")
        AWAITING = "awaiting", _("待确认已阅")
        READ = "read", _("全部已阅")

    request = models.ForeignKey(Request, on_delete=models.CASCADE, related_name="versions")
    number = models.PositiveSmallIntegerField(_("版本号"))
    snapshot = models.JSONField(_("版本内容"), default=dict)
    changes = models.JSONField(_("变更内容"), default=list)
    replanned = models.JSONField(_("受影响的日期"), default=list)
    reason = models.TextField(_("变更原因"), blank=True)
    author = models.ForeignKey(
        "org.Person", verbose_name=_("变更人"), null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    state = models.CharField(_("状态"), max_length=10, choices=State.choices, default=State.DRAFT)
    sent_at = models.DateTimeField(_("发出时间"), null=True, blank=True)

    objects = RestrictedManager()

    class Meta:
        verbose_name = _("需求变更")
        verbose_name_plural = _("需求版本")
        ordering = ["request", "number"]
        constraints = [models.UniqueConstraint(fields=["request", "number"], name="one_request_version_number")]

    def __str__(self) -> str:
        return f"{self.request.number} V{self.number}"

    def get_absolute_url(self) -> str:
        return reverse("request-versions", args=[self.request_id]) + f"#v{self.number}"

    @property
    def project(self):
        return self.request.project

    @property
    def requester(self):
        return self.request.requester

    @property
    def department(self):
        return self.request.receiving_department

    @property
    def title(self) -> str:
        return f"{self.request.title}（V{self.number}）"

    @classmethod
    def reach_filter(cls, reach, action: str) -> models.Q | None:
        condition = Request.reach_filter(reach, action)
        if condition is None:
            return None
        return models.Q(request__in=Request._base_manager.filter(condition).values("pk"))


class ChangeReceipt(models.Model):
    """One participant of one 需求变更 and when they confirmed it (已阅)."""

    change = models.ForeignKey(RequestVersion, on_delete=models.CASCADE, related_name="receipts")
    person = models.ForeignKey("org.Person", verbose_name=_("人员"), on_delete=models.PROTECT, related_name="+")
    roles = models.CharField(_("身份"), max_length=200, blank=True)
    confirmed_at = models.DateTimeField(_("已阅时间"), null=True, blank=True)

    class Meta:
        verbose_name = _("已阅确认")
        verbose_name_plural = _("已阅确认")
        ordering = ["change", "pk"]
        constraints = [models.UniqueConstraint(fields=["change", "person"], name="one_change_receipt_per_person")]

    def __str__(self) -> str:
        return f"{self.change} {self.person}"
