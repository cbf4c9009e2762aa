"""Processes a company defines as data (流程设计): a definition, its published versions, the items started
on a version, and one approval task per approver and step.

A published version compiles to a spine `Process` (designer.compile); every item records the version it
started on and finishes on it. The item's state changes only through `items.runner.run_step`.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from xietong.core import clock
from xietong.core.models import TimeStampedModel, VersionedModel
from xietong.core.permissions import Reach, RestrictedQuerySet
from xietong.items.models import WorkItem


class ApproverGroup(TimeStampedModel):
    """审批组: people a step may name as its approvers by the group's code (财务 = "finance")."""

    code = models.SlugField(_("编码"), max_length=40, unique=True)
    name = models.CharField(_("名称"), max_length=60)
    members = models.ManyToManyField(settings.AUTH_USER_MODEL, verbose_name=_("成员"), blank=True, related_name="+")

    class Meta:
        verbose_name = _("审批组")
        verbose_name_plural = _("审批组")
        ordering = ["code"]

    def __str__(self) -> str:
        return self.name


class DefinitionQuerySet(RestrictedQuerySet["ProcessDefinition"]):
    pass


class ProcessDefinition(VersionedModel):
    """A process made in the designer: its key, name and owner; `draft` is the editor's unpublished JSON."""

    key = models.SlugField(_("流程标识"), max_length=30, unique=True)
    name = models.CharField(_("流程名称"), max_length=60)
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("负责人"), on_delete=models.PROTECT, related_name="+"
    )
    draft = models.JSONField(_("草稿"), default=dict, blank=True)
    is_active = models.BooleanField(_("启用"), default=True)
    # The published version's 编号前缀 ("" until the first publish): one process per prefix, held by the
    # database too, so that two publishes at the same moment cannot both take it (services.definition_publish).
    prefix = models.CharField(_("编号前缀"), max_length=10, blank=True)

    objects = DefinitionQuerySet.as_manager()

    class Meta:
        verbose_name = _("流程定义")
        verbose_name_plural = _("流程定义")
        ordering = ["key"]
        constraints = [
            models.UniqueConstraint(fields=["prefix"], condition=~Q(prefix=""), name="one_definition_per_prefix")
        ]

    def __str__(self) -> str:
        return f"{self.name}（{self.key}）"

    @classmethod
    def reach_filter(cls, reach: Reach, action: str) -> Q | None:
        """Administrators and the coordinating office see every definition; an owner sees their own."""
        if reach.is_admin or (reach.sees_all and action == "view"):
            return None
        return Q(owner_id=reach.person_id)

    @property
    def current(self) -> DefinitionVersion | None:
        return self.versions.order_by("-n").first()


class DefinitionVersion(models.Model):
    """One published version of a definition: the document as it was published, never changed after."""

    definition = models.ForeignKey(
        ProcessDefinition, verbose_name=_("流程定义"), on_delete=models.CASCADE, related_name="versions"
    )
    n = models.PositiveIntegerField(_("版本号"))
    document = models.JSONField(_("定义"))
    published_at = models.DateTimeField(_("发布时间"), default=clock.now)
    published_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("发布人"), on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        verbose_name = _("流程版本")
        verbose_name_plural = _("流程版本")
        ordering = ["definition", "-n"]
        constraints = [models.UniqueConstraint(fields=["definition", "n"], name="one_definition_version_number")]

    def __str__(self) -> str:
        return f"{self.definition.key} v{self.n}"

    @property
    def policy_process(self) -> str:
        """The clock policies' process name of this version (its steps' limits as published)."""
        return policy_process(self.definition.key, self.n)


def policy_process(key: str, n: int) -> str:
    """Version `n` of definition `key`'s clock policies' process: "expense@2"."""
    return f"{key}@{n}"


class ItemState(models.TextChoices):
    DRAFT = "draft", _("草稿")
    RUNNING = "running", _("审批中")
    RETURNED = "returned", _("已退回")
    APPROVED = "approved", _("已通过")
    REJECTED = "rejected", _("已拒绝")
    WITHDRAWN = "withdrawn", _("已撤回")


class Visibility(models.TextChoices):
    PARTICIPANTS = "participants", _("参与人")
    DEPARTMENT = "department", _("本部门")
    EVERYONE = "everyone", _("所有人")


class DesignedItem(WorkItem):
    """An item of a designed process: the form's values as JSON, checked on the server against its version."""

    department_fields = ("department",)
    process = "designed"

    definition = models.ForeignKey(
        ProcessDefinition, verbose_name=_("流程"), on_delete=models.PROTECT, related_name="items"
    )
    definition_version = models.ForeignKey(
        DefinitionVersion, verbose_name=_("流程版本"), on_delete=models.PROTECT, related_name="items"
    )
    department = models.ForeignKey(
        "org.Department", verbose_name=_("申请部门"), on_delete=models.PROTECT, related_name="+"
    )
    values = models.JSONField(_("表单内容"), default=dict)
    state = models.CharField(_("状态"), max_length=12, choices=ItemState.choices, default=ItemState.DRAFT)
    step = models.CharField(_("当前步骤"), max_length=40, blank=True)
    resume_step = models.CharField(_("重新提交后从此步骤继续"), max_length=40, blank=True)
    round = models.PositiveIntegerField(_("提交次数"), default=0)
    chosen = models.JSONField(_("发起人选择的审批人"), default=dict, blank=True)  # step key → [person pks]
    visibility = models.CharField(
        _("可见范围"), max_length=12, choices=Visibility.choices, default=Visibility.PARTICIPANTS
    )
    submitted_at = models.DateTimeField(_("提交时间"), null=True, blank=True)
    decided_at = models.DateTimeField(_("办结时间"), null=True, blank=True)
    urged_at = models.DateTimeField(_("上次催办"), null=True, blank=True)

    class Meta:
        verbose_name = _("审批事项")
        verbose_name_plural = _("审批事项")
        ordering = ["-created_at", "-pk"]
        indexes = [models.Index(fields=["definition", "state"], name="designed_item_definition_state")]

    def get_absolute_url(self) -> str:
        return reverse("process-detail", args=[self.definition.key, self.pk])

    def plain_texts(self) -> list[tuple[str, Any, Any]]:
        """The form's required texts for the plain-wording rule (items.plain_wording), keyed as its fields."""
        from xietong.designer.definitions import definition_of

        values = self.values or {}
        return [
            (f"f_{field.key}", field.label, values.get(field.key))
            for field in definition_of(self).fields
            if field.type in ("text", "textarea") and field.required and not field.formula
        ]

    @classmethod
    def reach_filter(cls, reach: Reach, action: str) -> Q | None:
        """Who sees an item: the requester, everyone who has or had a task on it (approvers, cc), the heads
        of its department; by its definition's visibility its department or everyone; those who see all."""
        if reach.sees_all:
            return None
        condition = Q(created_by_id=reach.person_id) | Q(department_id__in=reach.led_department_ids)
        condition |= Q(pk__in=ApprovalTask.objects.filter(person_id=reach.person_id).values("item_id"))
        condition |= Q(visibility=Visibility.EVERYONE)
        if reach.department_id is not None:
            condition |= Q(visibility=Visibility.DEPARTMENT, department_id=reach.department_id)
        return condition

    def value(self, key: str) -> Any:
        return (self.values or {}).get(key)

    # Search and the archive read the form through these (its values are JSON keyed by field keys):
    content_fields = ("values",)
    # … and show these codes in words (shown_code): a step by its version's name for it, 财务会签 not "finance".
    coded_fields = ("step", "resume_step")

    def shown_code(self, name: str, value: str, item: WorkItem | None = None) -> str:
        from xietong.designer.definitions import definition_of

        return definition_of(self).step_name(value)

    def content_rows(self) -> list[tuple[str, str]]:
        """(label, text) of each field of the form as the item page shows it (a table: its lines)."""
        from xietong.designer.definitions import definition_of
        from xietong.designer.shown import shown_values

        rows = []
        for shown in shown_values(definition_of(self), self):
            if shown["table"]:
                text = "；".join(" ".join(cell for cell in line if cell) for line in shown["rows"])
            else:
                text = shown["text"]
            rows.append((str(shown["label"]), text))
        return rows

    @property
    def kind_label(self) -> str:
        """The archive's and search's 类型: the process's own name (费用报销)."""
        return self.definition.name


class TaskState(models.TextChoices):
    WAITING = "waiting", _("未到")
    OPEN = "open", _("待处理")
    APPROVED = "approved", _("已同意")
    REJECTED = "rejected", _("已拒绝")
    RETURNED = "returned", _("已退回")
    TRANSFERRED = "transferred", _("已转交")
    DONE = "done", _("已完成")
    CANCELLED = "cancelled", _("已取消")
    SENT = "sent", _("已抄送")


OPEN_TASKS = (TaskState.WAITING, TaskState.OPEN)


ADD_SIGN_HOW = {"before": _("在我之前"), "after": _("在我之后")}


class ApprovalTask(models.Model):
    """One approver's part in one step of one round: 会签 opens one per approver, 依次 opens them in order
    (the rest wait), 或签 closes the others when one decides. 加签 and 转交 add rows; nothing is deleted."""

    item = models.ForeignKey(DesignedItem, verbose_name=_("事项"), on_delete=models.CASCADE, related_name="tasks")
    step = models.CharField(_("步骤"), max_length=40)
    round = models.PositiveIntegerField(_("轮次"), default=1)
    position = models.PositiveIntegerField(_("顺序"), default=0)
    person = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("处理人"), on_delete=models.PROTECT, related_name="+"
    )
    status = models.CharField(_("状态"), max_length=12, choices=TaskState.choices, default=TaskState.OPEN)
    added_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("加签人"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    added_how = models.CharField(_("加签方式"), max_length=8, blank=True)  # "" | before | after
    blocked = models.BooleanField(default=False)  # waits for the people added before this approver
    acted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("实际处理人"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    note = models.CharField(_("意见"), max_length=3000, blank=True)
    created_at = models.DateTimeField(_("创建时间"), default=clock.now)
    # When this approver got the task — their own clock under the step's limit starts here: on entering the
    # step, or when an approver added after someone (加签) or next in line (依次) is reached. 转交 and 离职交接
    # pass it on unchanged: the time left continues with whoever takes the task over.
    started_at = models.DateTimeField(_("收到时间"), null=True, blank=True)
    acted_at = models.DateTimeField(_("处理时间"), null=True, blank=True)

    class Meta:
        verbose_name = _("审批任务")
        verbose_name_plural = _("审批任务")
        ordering = ["item", "round", "position", "pk"]
        indexes = [
            models.Index(
                fields=["person", "created_at", "id"], condition=Q(status="open"), name="approval_task_person_open"
            ),
            models.Index(fields=["person", "status"], name="approval_task_person_status"),
            models.Index(fields=["item", "step", "round"], name="approval_task_item_step"),
        ]

    def __str__(self) -> str:
        return f"{self.item_id}/{self.step}/{self.person_id}: {self.status}"

    # Search and the archive show these codes in words (the item's `shown_code`): its step by name, 加签 how.
    coded_fields = ("step", "added_how")

    def shown_code(self, name: str, value: str, item: WorkItem | None = None) -> str:
        """`item`: the task's item when the caller has it (a bulk reindex: no query per task)."""
        if name == "added_how":
            return str(ADD_SIGN_HOW.get(value, value))
        from xietong.designer.definitions import definition_of

        return definition_of(item if item is not None else self.item).step_name(value)
