"""会议申请表 → 会议通知 → 会议纪要 → 决议事项: meetings, their participants, minutes and action items."""

from __future__ import annotations

from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from xietong.core import clock
from xietong.core.models import TimeStampedModel, VersionedModel
from xietong.core.permissions import Reach, RestrictedQuerySet
from xietong.items.collaboration import CollaborationType
from xietong.items.guard import StateGuarded, StateGuardedQuerySet
from xietong.items.models import WorkItem
from xietong.meetings.choices import (
    ActionState,
    MeetingMode,
    MeetingState,
    MinutesState,
    ParticipantRole,
    Response,
)


class MeetingType(TimeStampedModel):
    """A kind of meeting and its rules (an administrator edits them): longest duration, whether the
    division leader approves the application, how many working days ahead it is applied for and noticed."""

    name = models.CharField(_("名称"), max_length=40, unique=True)
    code = models.SlugField(_("编码"), max_length=40, unique=True)
    max_minutes = models.PositiveSmallIntegerField(_("最长时长（分钟）"), default=120)
    requires_approval = models.BooleanField(_("需分管领导审批"), default=True)
    application_working_days = models.PositiveSmallIntegerField(
        _("提前申请（工作日）"), default=3, help_text=_("会议申请表至少提前几个工作日提交；晚于此标记为迟报")
    )
    notice_working_days = models.PositiveSmallIntegerField(
        _("提前通知（工作日）"), default=2, help_text=_("会议通知至少提前几个工作日发出；晚于此标记为迟发并报告")
    )
    is_active = models.BooleanField(_("启用"), default=True)
    sort_order = models.PositiveSmallIntegerField(_("排序"), default=0)

    class Meta:
        verbose_name = _("会议类型")
        verbose_name_plural = _("会议类型")
        ordering = ["sort_order", "name"]

    def __str__(self) -> str:
        return self.name


class Room(TimeStampedModel):
    """A meeting room. Two meetings never hold the same room at the same time."""

    name = models.CharField(_("名称"), max_length=60, unique=True)
    location = models.CharField(_("位置"), max_length=120, blank=True)
    capacity = models.PositiveSmallIntegerField(_("容纳人数"), default=10)
    is_active = models.BooleanField(_("启用"), default=True)
    sort_order = models.PositiveSmallIntegerField(_("排序"), default=0)

    class Meta:
        verbose_name = _("会议室")
        verbose_name_plural = _("会议室")
        ordering = ["sort_order", "name"]

    def __str__(self) -> str:
        return self.name


class SeriesFrequency(models.TextChoices):
    WEEKLY = "weekly", _("每周")
    MONTH_END = "month_end", _("每月末")


class MeetingSeries(VersionedModel):
    """A recurring meeting: weekly (部门周会、周例会) or at each month's end (项目月度会), each occurrence a
    Meeting; editing the series changes the occurrences still to come."""

    title = models.CharField(_("主题"), max_length=120)
    frequency = models.CharField(
        _("重复方式"), max_length=10, choices=SeriesFrequency.choices, default=SeriesFrequency.WEEKLY
    )
    organizer = models.ForeignKey("org.Person", verbose_name=_("组织者"), on_delete=models.PROTECT, related_name="+")
    weekday = models.PositiveSmallIntegerField(_("星期"), help_text=_("0=星期一 … 6=星期日"))
    repeat_until = models.DateField(_("重复至"))

    class Meta:
        verbose_name = _("周期会议")
        verbose_name_plural = _("周期会议")

    def __str__(self) -> str:
        return self.title

    def get_absolute_url(self) -> str:
        return reverse("meeting-series", args=[self.pk])


class Meeting(WorkItem):
    department_fields = ("department",)
    participant_fields = ("organizer", "chair", "recorder", "approver", "participants", "readers")
    process = "meeting"
    # 跨部门会议纪要分发 is 日常信息同步; a meeting called by a request or an emergency takes its type.
    default_collaboration_type = CollaborationType.SYNC

    meeting_type = models.ForeignKey(
        MeetingType, verbose_name=_("会议类型"), on_delete=models.PROTECT, related_name="meetings"
    )
    organizer = models.ForeignKey("org.Person", verbose_name=_("组织者"), on_delete=models.PROTECT, related_name="+")
    department = models.ForeignKey(
        "org.Department", verbose_name=_("组织部门"), on_delete=models.PROTECT, related_name="+"
    )
    chair = models.ForeignKey(
        "org.Person",
        verbose_name=_("主持人"),
        on_delete=models.PROTECT,
        related_name="+",
        help_text=_("会后由主持人签字确认会议纪要"),
    )
    recorder = models.ForeignKey(
        "org.Person",
        verbose_name=_("记录人"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        help_text=_("负责编写会议纪要；留空由组织者编写"),
    )
    goal = models.TextField(_("会议目标"), help_text=_("本次会议要达成的结果，如“确定智能手表续航优化方案”"))
    agenda = models.JSONField(_("议程"), default=list, blank=True)
    materials = models.TextField(_("需提前准备的材料"), blank=True)
    start_at = models.DateTimeField(_("开始时间"))
    end_at = models.DateTimeField(_("结束时间"))
    mode = models.CharField(_("会议形式"), max_length=10, choices=MeetingMode.choices, default=MeetingMode.ROOM)
    room = models.ForeignKey(
        Room, verbose_name=_("会议室"), null=True, blank=True, on_delete=models.PROTECT, related_name="meetings"
    )
    online_link = models.CharField(_("线上会议链接或会议号"), max_length=300, blank=True)
    participants = models.ManyToManyField(
        "org.Person",
        through="Participation",
        through_fields=("meeting", "person"),
        verbose_name=_("参会人"),
        related_name="+",
    )
    readers = models.ManyToManyField(
        "org.Person", verbose_name=_("纪要分发对象"), blank=True, related_name="+", help_text=_("相关部门负责人")
    )
    series = models.ForeignKey(
        MeetingSeries,
        verbose_name=_("周期会议"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="meetings",
    )
    # What called the meeting (a request's 启动会, an exception's 问题协调会, a deliverable's 验收会 …): the
    # item's model label and id, as comments name their item (meetings.callers).
    called_by_type = models.CharField(_("召集事项类型"), max_length=80, blank=True)
    called_by_id = models.BigIntegerField(_("召集事项"), null=True, blank=True)
    state = models.CharField(_("状态"), max_length=20, choices=MeetingState.choices, default=MeetingState.DRAFT)
    approver = models.ForeignKey(
        "org.Person", verbose_name=_("审批人"), null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    submitted_at = models.DateTimeField(_("申请提交时间"), null=True, blank=True)
    late_application = models.BooleanField(_("申请迟于规定"), default=False)
    decided_at = models.DateTimeField(_("审批时间"), null=True, blank=True)
    decision_note = models.TextField(_("审批意见"), blank=True)
    notice_sent_at = models.DateTimeField(_("通知发出时间"), null=True, blank=True)
    notice_deadline = models.DateField(_("最迟通知日期"), null=True, blank=True)
    late_notice = models.BooleanField(_("通知迟于规定"), default=False)
    cancel_reason = models.TextField(_("取消原因"), blank=True)

    class Meta:
        verbose_name = pgettext_lazy("model", "会议")
        verbose_name_plural = _("会议")
        ordering = ["-start_at", "-pk"]
        indexes = [
            models.Index(fields=["start_at", "id"], name="meeting_start"),
            models.Index(fields=["room", "start_at"], name="meeting_room_start"),
            models.Index(fields=["state", "start_at"], name="meeting_state_start"),
            models.Index(fields=["organizer", "-start_at"], name="meeting_organizer"),
            models.Index(fields=["called_by_type", "called_by_id"], name="meeting_called_by"),
        ]
        constraints = [
            models.CheckConstraint(condition=Q(end_at__gt=models.F("start_at")), name="meeting_ends_after_start")
        ]

    def get_absolute_url(self) -> str:
        return reverse("meeting-detail", args=[self.pk])

    @property
    def duration_minutes(self) -> int:
        return int((self.end_at - self.start_at).total_seconds() // 60)

    @property
    def place(self) -> str:
        """地点/线上, as the notice states it."""
        parts = []
        if self.room_id and self.room is not None:
            parts.append(f"{self.room.name}（{self.room.location}）" if self.room.location else self.room.name)
        if self.online_link:
            parts.append(_("线上：%(link)s") % {"link": self.online_link})
        return "；".join(parts) or "—"

    @property
    def writer(self):
        return self.recorder or self.organizer

    def has_ended(self) -> bool:
        return self.end_at <= clock.now()


class Participation(models.Model):
    """One invitee of one meeting and their answer (确认参加 / 请假 with a reason)."""

    meeting = models.ForeignKey(Meeting, on_delete=models.CASCADE, related_name="participations")
    person = models.ForeignKey("org.Person", verbose_name=_("参会人"), on_delete=models.PROTECT, related_name="+")
    role = models.CharField(_("角色"), max_length=10, choices=ParticipantRole.choices, default=ParticipantRole.REQUIRED)
    response = models.CharField(_("答复"), max_length=10, choices=Response.choices, default=Response.PENDING)
    reason = models.CharField(_("请假原因"), max_length=300, blank=True)
    responded_at = models.DateTimeField(_("答复时间"), null=True, blank=True)

    class Meta:
        verbose_name = _("参会人")
        verbose_name_plural = _("参会人")
        ordering = ["meeting", "pk"]
        constraints = [models.UniqueConstraint(fields=["meeting", "person"], name="one_participation_per_person")]

    def __str__(self) -> str:
        return f"{self.person} · {self.get_response_display()}"


class MinutesQuerySet(RestrictedQuerySet, StateGuardedQuerySet):  # type: ignore[override]
    pass


class Minutes(StateGuarded, VersionedModel):
    """会议纪要: discussion points and decisions; the chair signs (签字确认) before it is distributed.
    Whoever may see the meeting may see its minutes."""

    meeting = models.OneToOneField(
        Meeting, verbose_name=pgettext_lazy("model", "会议"), on_delete=models.CASCADE, related_name="minutes"
    )
    discussion = models.TextField(_("讨论要点"), blank=True)
    decisions = models.TextField(_("决议事项"), blank=True)
    departments = models.ManyToManyField(
        "org.Department", verbose_name=_("分发部门"), blank=True, related_name="+", help_text=_("纪要同时分发其负责人")
    )
    state = models.CharField(_("状态"), max_length=10, choices=MinutesState.choices, default=MinutesState.DRAFT)
    written_by = models.ForeignKey("org.Person", verbose_name=_("记录人"), on_delete=models.PROTECT, related_name="+")
    submitted_at = models.DateTimeField(_("提交时间"), null=True, blank=True)
    approved_at = models.DateTimeField(_("签字确认时间"), null=True, blank=True)
    approved_by = models.ForeignKey(
        "org.Person", verbose_name=_("签字人"), null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    return_reason = models.TextField(_("退回意见"), blank=True)

    objects = MinutesQuerySet.as_manager()

    class Meta:
        verbose_name = _("会议纪要")
        verbose_name_plural = _("会议纪要")

    def __str__(self) -> str:
        return _("%(n)s 会议纪要") % {"n": self.meeting.number}

    @classmethod
    def reach_filter(cls, reach: Reach, action: str) -> Q | None:
        rule = Meeting.reach_filter(reach, action)
        return None if rule is None else Q(meeting__in=Meeting._base_manager.filter(rule).values("pk"))


class ActionItem(WorkItem):
    """决议事项: one decision with one owner and a due date, tracked with its own clock; overdue ones
    are warned to the owner's division leader (ladder "division")."""

    department_fields = ("department",)
    participant_fields = ("owner",)
    process = "action_item"

    meeting = models.ForeignKey(
        Meeting, verbose_name=pgettext_lazy("model", "会议"), on_delete=models.CASCADE, related_name="action_items"
    )
    position = models.PositiveSmallIntegerField(_("序号"))
    owner = models.ForeignKey("org.Person", verbose_name=_("负责人"), on_delete=models.PROTECT, related_name="+")
    department = models.ForeignKey(
        "org.Department", verbose_name=_("负责部门"), on_delete=models.PROTECT, related_name="+"
    )
    due_date = models.DateField(_("完成期限"))
    state = models.CharField(_("状态"), max_length=10, choices=ActionState.choices, default=ActionState.DRAFT)
    done_at = models.DateTimeField(pgettext_lazy("done", "完成时间"), null=True, blank=True)
    note = models.TextField(_("完成情况"), blank=True)

    class Meta:
        verbose_name = _("决议事项")
        verbose_name_plural = _("决议事项")
        ordering = ["meeting", "position"]
        constraints = [models.UniqueConstraint(fields=["meeting", "position"], name="one_action_per_position")]
        indexes = [
            models.Index(fields=["owner", "state"], name="action_owner_state"),
            models.Index(fields=["owner", "due_date", "id"], name="action_owner_due"),
        ]

    def get_absolute_url(self) -> str:
        return reverse("action-item-detail", args=[self.pk])

    @classmethod
    def reach_filter(cls, reach: Reach, action: str) -> Q | None:
        """Whoever may see the meeting may see its decisions (they were distributed with the minutes)."""
        own = super().reach_filter(reach, action)
        if own is None:
            return None
        meeting_rule = Meeting.reach_filter(reach, action)
        visible_meetings = (
            Meeting._base_manager.all() if meeting_rule is None else Meeting._base_manager.filter(meeting_rule)
        )
        return own | Q(meeting_id__in=visible_meetings.values("pk"))


class CalendarFeed(models.Model):
    """A person's private iCalendar subscription (Outlook / 钉钉 / 飞书). Only a digest of the token is
    kept; the address is shown once when it is made, and making a new one retires the old one."""

    person = models.OneToOneField(
        "org.Person", verbose_name=_("人员"), on_delete=models.CASCADE, related_name="calendar_feed"
    )
    digest = models.CharField(max_length=64, unique=True)
    prefix = models.CharField(_("前缀"), max_length=8)
    created_at = models.DateTimeField(_("创建时间"), default=clock.now)
    last_used_at = models.DateTimeField(_("最近订阅"), null=True, blank=True)

    class Meta:
        verbose_name = _("日历订阅")
        verbose_name_plural = _("日历订阅")

    def __str__(self) -> str:
        return f"{self.person} {self.prefix}…"
