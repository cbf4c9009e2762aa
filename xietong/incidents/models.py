"""紧急事务初始信息表 → 应急小组 → 状态通报 → 紧急事务处理报告 → 用户告知函 → 复盘 (seeds: 紧急事务响应流程,
紧急事项协调流程). Every time limit here runs in wall-clock time except the review's."""

from __future__ import annotations

import datetime as dt

from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from xietong.core import clock
from xietong.incidents.choices import ActionState, EntryKind, IncidentState
from xietong.items.collaboration import CollaborationType
from xietong.items.models import WorkItem


class Incident(WorkItem):
    """紧急事项: reported from any page in one step, steered by a lead with a team under wall-clock limits."""

    department_fields = ("reporting_department", "responsible_department")
    participant_fields = ("lead", "members")
    process = "emergency"
    default_collaboration_type = CollaborationType.EMERGENCY

    # An emergency is reported from any page or a robot's link, in one step: it may belong to a project,
    # but demanding one would slow the report down and shut out people who are in no project.
    project = models.ForeignKey(  # type: ignore[assignment]
        "org.Project", verbose_name=_("关联项目"), null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    description = models.TextField(_("发生了什么"), help_text=_("简要说明问题，如“官网无法访问，用户反馈量激增”"))
    occurred_at = models.DateTimeField(_("发生时间"))
    scope = models.TextField(_("影响范围"), blank=True, help_text=_("如“全国用户，约 1000+ 访问/分钟”"))
    measures_taken = models.TextField(_("已采取的临时措施"), blank=True, help_text=_("如“重启服务器无效”"))
    reporting_department = models.ForeignKey(
        "org.Department", verbose_name=_("上报部门"), on_delete=models.PROTECT, related_name="+"
    )
    responsible_department = models.ForeignKey(
        "org.Department", verbose_name=_("主责部门"), on_delete=models.PROTECT, related_name="+"
    )
    lead = models.ForeignKey("org.Person", verbose_name=_("应急负责人"), on_delete=models.PROTECT, related_name="+")
    members = models.ManyToManyField(
        "org.Person",
        verbose_name=_("应急小组"),
        through="IncidentMember",
        through_fields=("incident", "person"),
        related_name="+",
    )
    state = models.CharField(_("状态"), max_length=20, choices=IncidentState.choices, default=IncidentState.REPORTED)
    reported_at = models.DateTimeField(_("上报时间"), default=clock.now)
    team_assigned_at = models.DateTimeField(_("组建小组时间"), null=True, blank=True)
    controlled_at = models.DateTimeField(_("控制时间"), null=True, blank=True)
    resolved_at = models.DateTimeField(_("解决时间"), null=True, blank=True)
    reviewed_at = models.DateTimeField(_("复盘时间"), null=True, blank=True)
    # 《紧急事项报告》(含详细说明): the reporter's written report, due 1 hour after the report
    detailed_report = models.TextField(_("紧急事项报告"), blank=True)
    detailed_report_at = models.DateTimeField(_("报告提交时间"), null=True, blank=True)
    # 应急方案 (各小组职责、资源调配需求), due 2 hours after the report
    emergency_plan = models.TextField(_("应急方案"), blank=True)
    plan_at = models.DateTimeField(_("方案制定时间"), null=True, blank=True)
    # 紧急事务处理报告
    cause = models.TextField(_("问题原因"), blank=True)
    resolution_measures = models.TextField(_("解决措施"), blank=True)
    # 用户告知函, drafted from the report
    customer_notice = models.TextField(_("用户告知函"), blank=True)
    notice_published_at = models.DateTimeField(_("告知函发布时间"), null=True, blank=True)
    notice_published_by = models.ForeignKey(
        "org.Person", verbose_name=_("发布人"), null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    notice_sent_to = models.TextField(_("告知函发送至"), blank=True)
    # 复盘
    review_summary = models.TextField(_("复盘结论"), blank=True)

    class Meta:
        verbose_name = _("紧急事项")
        verbose_name_plural = _("紧急事项")
        ordering = ["-reported_at", "-pk"]
        indexes = [
            models.Index(fields=["state", "-reported_at"], name="incident_state"),
            models.Index(fields=["-reported_at", "-id"], name="incident_reported"),
        ]

    def get_absolute_url(self) -> str:
        return reverse("incident-detail", args=[self.pk])

    @property
    def department(self):
        """Robots of the responsible department (and every department above it) hear the incident."""
        return self.responsible_department

    @property
    def impact_duration(self) -> dt.timedelta | None:
        """影响时长: from the moment it happened to the announcement that it was solved."""
        if self.resolved_at is None:
            return None
        return max(dt.timedelta(0), self.resolved_at - self.occurred_at)

    @property
    def impact_minutes(self) -> int | None:
        duration = self.impact_duration
        return None if duration is None else int(duration.total_seconds() // 60)


class IncidentMember(models.Model):
    """One member of the 应急小组 with their 分工; they confirm they are in place (到位)."""

    incident = models.ForeignKey(Incident, on_delete=models.CASCADE, related_name="memberships")
    person = models.ForeignKey("org.Person", verbose_name=_("成员"), on_delete=models.PROTECT, related_name="+")
    duty = models.CharField(_("分工"), max_length=200)
    assigned_by = models.ForeignKey("org.Person", verbose_name=_("指定人"), on_delete=models.PROTECT, related_name="+")
    assigned_at = models.DateTimeField(_("指定时间"), default=clock.now)
    acknowledged_at = models.DateTimeField(_("到位时间"), null=True, blank=True)
    ready_note = models.CharField(_("准备情况"), max_length=300, blank=True)

    class Meta:
        verbose_name = _("应急小组成员")
        verbose_name_plural = _("应急小组成员")
        ordering = ["assigned_at", "pk"]
        constraints = [models.UniqueConstraint(fields=["incident", "person"], name="one_membership_per_incident")]

    def __str__(self) -> str:
        return f"{self.person}：{self.duty}"


class IncidentEntry(models.Model):
    """A line of the live timeline: a status update, a decision, or what the system recorded."""

    incident = models.ForeignKey(Incident, on_delete=models.CASCADE, related_name="entries")
    kind = models.CharField(_("类型"), max_length=10, choices=EntryKind.choices)
    author = models.ForeignKey(
        "org.Person",
        verbose_name=pgettext_lazy("incident entry", "记录人"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    body = models.TextField(_("内容"))
    due_at = models.DateTimeField(_("应更新时间"), null=True, blank=True)
    created_at = models.DateTimeField(_("时间"), default=clock.now)

    class Meta:
        verbose_name = _("处置记录")
        verbose_name_plural = _("处置记录")
        ordering = ["-created_at", "-pk"]

    def __str__(self) -> str:
        return self.body[:40]

    @property
    def late(self) -> bool:
        """A status update posted after the time it was due."""
        return self.kind == EntryKind.STATUS and self.due_at is not None and self.created_at > self.due_at


class ImprovementAction(WorkItem):
    """An improvement action from the 复盘, tracked like a task: one owner, a due date, its own clock."""

    department_fields = ("department",)
    participant_fields = ("owner",)
    process = "improvement"

    project = models.ForeignKey(  # type: ignore[assignment]
        "org.Project", verbose_name=_("关联项目"), null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    incident = models.ForeignKey(
        Incident, verbose_name=_("紧急事项"), on_delete=models.CASCADE, related_name="improvement_actions"
    )
    owner = models.ForeignKey("org.Person", verbose_name=_("负责人"), on_delete=models.PROTECT, related_name="+")
    department = models.ForeignKey(
        "org.Department", verbose_name=_("负责部门"), on_delete=models.PROTECT, related_name="+"
    )
    due_date = models.DateField(_("完成时间"))
    state = models.CharField(_("状态"), max_length=10, choices=ActionState.choices, default=ActionState.OPEN)
    done_at = models.DateTimeField(_("完成于"), null=True, blank=True)
    done_note = models.TextField(_("完成情况"), blank=True)

    class Meta:
        verbose_name = _("改进措施")
        verbose_name_plural = _("改进措施")
        ordering = ["due_date", "pk"]
        indexes = [
            models.Index(fields=["owner", "state"], name="improvement_owner"),
            models.Index(fields=["owner", "due_date"], condition=Q(state="open"), name="improvement_owner_due"),
        ]

    def get_absolute_url(self) -> str:
        return reverse("improvement-detail", args=[self.pk])
