"""Time limits as data (policies and escalation ladders) and the stored clocks that enforce them."""

from __future__ import annotations

from collections.abc import Callable, Mapping

from django.contrib.admin import display as admin_display
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from xietong.clocks.choices import TimeMode, WhenLate
from xietong.clocks.durations import duration_text
from xietong.core.models import TimeStampedModel
from xietong.workcal.engine import parse_duration


def validate_duration(value: str) -> None:
    try:
        parse_duration(value)
    except ValueError as exc:
        raise ValidationError(str(exc)) from exc


class LimitKind(models.TextChoices):
    """What a time limit measures. The first five are the spec's clock kinds; the rest name the other
    limits of the seed templates so that each can have its own policy row."""

    RESPOND = "respond", _("响应")
    RESOLVE = "resolve", _("解决/闭环")
    UPDATE_DUE = "update_due", _("进度更新")
    ACCEPT = "accept", _("确认接收")
    REVIEW = "review", _("验收/审核")
    REWORK = "rework", _("启动整改")
    DISPATCH = "dispatch", _("分派")
    MINUTES = "minutes", _("会议纪要")
    NOTICE = "notice", _("提前通知")
    CONFIRM = "confirm", _("确认已阅")
    ASSIGN_TEAM = "assign_team", _("指定应急小组")
    TEAM_READY = "team_ready", _("小组到位")
    STATUS = "status", _("状态通报")
    CONTROL = "control", _("控制事态")
    DUE = "due", _("截止")


# Limits a declared process names beyond the kinds above (用印申请's "approve"): registered with their labels
# when the process is (items.registry), for the code in every process.
_more_limits: dict[str, object] = {}
_more_processes: dict[str, object] = {}  # declared processes' names (用印申请), by process key

# A designed process's clocks are named by its steps, and a step's key is that process's own word: two designed
# processes may both have a step 「finance」 (费用报销's 财务会签, 采购申请's 财务审核), and a step 「notice」
# (发送会议通知) is not the built-in 提前通知. So step names are kept per policy process ("expense@2"), and the
# clocks of the subject types they time (designed items) are named from them.
_step_names: dict[str, dict[str, object]] = {}  # code → {policy process → the step's name}
_step_subjects: set[str] = set()  # subject types whose clocks are named by their process's steps


def register_limit_labels(labels: Mapping[str, object]) -> None:
    """What declared processes' own limit codes are called, in every process."""
    _more_limits.update(labels)


def register_step_names(names: Mapping[str, object], process: str) -> None:
    """The names of `process`'s steps that have a limit, by step key (`process`: its policies' process)."""
    for code, name in names.items():
        _step_names.setdefault(code, {})[process] = name
        if code not in LimitKind.values:
            _more_limits.setdefault(code, name)  # for a code alone (a choice list), the first name it had


# Those that register names only when their process is first used (a designed process is compiled when a page
# or a clock needs it): a process that has not needed it yet — the worker sending the 每日摘要 — asks them for a
# step it does not know, instead of showing the code (「finance」 for 财务会签).
_label_loaders: list[Callable[[], None]] = []


def register_limit_label_loader(loader: Callable[[], None], subject_type: str = "") -> None:
    """`loader` registers step names not known yet; `subject_type`: the items whose clocks they name."""
    if loader not in _label_loaders:
        _label_loaders.append(loader)
    if subject_type:
        _step_subjects.add(subject_type)


def register_process_labels(labels: dict[str, object]) -> None:
    """Names of declared processes the defaults do not know (items.registry registers each one's)."""
    _more_processes.update(labels)


def limit_choices() -> list[tuple[str, object]]:
    return [*LimitKind.choices, *((code, label) for code, label in _more_limits.items() if code not in LimitKind)]


def _load_labels() -> None:
    for load in _label_loaders:
        load()


def limit_label(code: str, process: str = "") -> str:
    """响应, 会议纪要, 财务会签 …: what a limit is called — in `process` (a policy's process) when given: a
    designed process's step by its own name."""
    if process:
        own = _step_names.get(code, {}).get(process)
        if own is None and "@" in process:  # a designed version's policies: its names may not be loaded yet
            _load_labels()
            own = _step_names.get(code, {}).get(process)
        if own is not None:
            return str(own)
    if code in LimitKind.values:
        return str(LimitKind(code).label)
    if code not in _more_limits:
        _load_labels()
    return str(_more_limits.get(code, code))


def clock_limit_label(clock: Clock) -> str:
    """What `clock`'s limit is called in its own process. A designed item's clock: its step's name — with no
    query when every designed process names that step key alike, else by the clock's policy's process."""
    code = clock.limit
    if clock.subject_type not in _step_subjects:
        return limit_label(code)
    if code not in _step_names:
        _load_labels()
    names = {str(name) for name in _step_names.get(code, {}).values()}
    if len(names) == 1:
        return names.pop()
    if names and clock.policy is not None:
        return limit_label(code, clock.policy.process)
    return limit_label(code)


class ClockKind(models.TextChoices):
    """What firing a clock does: the limit's own clock marks it due; remind and escalate are its helpers."""

    RESPOND = "respond", _("响应")
    RESOLVE = "resolve", _("解决/闭环")
    UPDATE_DUE = "update_due", _("进度更新")
    ACCEPT = "accept", _("确认接收")
    REVIEW = "review", _("验收/审核")
    REWORK = "rework", _("启动整改")
    DISPATCH = "dispatch", _("分派")
    MINUTES = "minutes", _("会议纪要")
    NOTICE = "notice", _("提前通知")
    CONFIRM = "confirm", _("确认已阅")
    ASSIGN_TEAM = "assign_team", _("指定应急小组")
    TEAM_READY = "team_ready", _("小组到位")
    STATUS = "status", _("状态通报")
    CONTROL = "control", _("控制事态")
    DUE = "due", _("截止")
    REMIND = "remind", _("提醒")
    ESCALATE = "escalate", _("升级")


class WhenAbsent(models.TextChoices):
    STAND_IN = "stand_in", _("交给其代理人（无代理人时升至上一级）")
    SKIP = "skip", _("跳过，升至上一级")


class WhenVacant(models.TextChoices):
    NEXT_RUNG = "next_rung", _("升至上一级；各级均无人时交综合管理部协调人")
    COORDINATORS = "coordinators", _("直接交综合管理部协调人")


class WhenRequester(models.TextChoices):
    SKIP = "skip", _("跳过，升至上一级")
    KEEP = "keep", _("照常升级给发起人本人")


class Dedupe(models.TextChoices):
    CONSECUTIVE = "consecutive", _("同一人在相邻两级出现时只升级一次，跳至再上一级")
    NONE = "none", _("每一级都照常升级")


class EscalationLadder(TimeStampedModel):
    """Who hears about an overdue item, level by level (e.g. 部门负责人 → 分管领导 → 总经理), and the rules
    for the special cases (as Feishu's approval has them): the person of a level is on leave, nobody holds
    the role, the person is the one who asked, the same person twice in a row (clocks.ladder)."""

    name = models.CharField(_("名称"), max_length=60, unique=True)
    code = models.SlugField(_("编码"), max_length=40, unique=True)
    description = models.TextField(_("说明"), blank=True)
    when_absent = models.CharField(
        _("升级对象休假时"), max_length=20, choices=WhenAbsent.choices, default=WhenAbsent.STAND_IN
    )
    when_vacant = models.CharField(
        _("升级对象空缺时"), max_length=20, choices=WhenVacant.choices, default=WhenVacant.NEXT_RUNG
    )
    when_requester = models.CharField(
        _("升级对象即发起人本人时"), max_length=20, choices=WhenRequester.choices, default=WhenRequester.SKIP
    )
    dedupe = models.CharField(_("同一人重复出现时"), max_length=20, choices=Dedupe.choices, default=Dedupe.CONSECUTIVE)

    class Meta:
        verbose_name = _("升级路径")
        verbose_name_plural = _("升级路径")
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class CountedFrom(models.TextChoices):
    """Where a rung's interval counts from: "超时48小时自动升级" counts from the missed deadline."""

    PREVIOUS = "previous", _("上一级之后")
    DEADLINE = "deadline", _("时限到期后")
    START = "start", _("从计时开始")


class StepTarget(models.TextChoices):
    DEPARTMENT_HEAD = "department_head", _("部门负责人")
    DIVISION_LEADER = "division_leader", _("分管领导")
    GENERAL_MANAGER = "general_manager", _("总经理")
    COORDINATORS = "coordinators", _("综合管理部协调人")
    PERSON = "person", _("指定人员")


class EscalationStep(models.Model):
    ladder = models.ForeignKey(
        EscalationLadder, verbose_name=_("升级路径"), on_delete=models.CASCADE, related_name="steps"
    )
    level = models.PositiveSmallIntegerField(_("级别"))
    target = models.CharField(_("升级对象"), max_length=20, choices=StepTarget.choices)
    person = models.ForeignKey(
        "org.Person", verbose_name=_("指定人员"), null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    after = models.CharField(
        _("间隔"),
        max_length=20,
        default="0m",
        validators=[validate_duration],
        help_text=_("从“起算”所选时刻算起的时长，按时限的计时方式计。例如 0m、4h、1d"),
    )
    counted_from = models.CharField(
        _("起算"),
        max_length=10,
        choices=CountedFrom.choices,
        default=CountedFrom.PREVIOUS,
        help_text=_("第 1 级选“上一级之后”时，从开始升级（时限到期后再过“开始升级”所设时长）起算"),
    )

    class Meta:
        verbose_name = _("升级级别")
        verbose_name_plural = _("升级级别")
        ordering = ["ladder", "level"]
        constraints = [models.UniqueConstraint(fields=["ladder", "level"], name="one_step_per_level")]

    def __str__(self) -> str:
        who = (
            self.person.display_name if self.target == StepTarget.PERSON and self.person else self.get_target_display()
        )
        return f"{self.level}. {who}"

    def clean(self) -> None:
        if self.target == StepTarget.PERSON:
            if self.person_id is None:
                raise ValidationError({"person": _("升级对象为“指定人员”时必须选择一个人，否则这一级没有人接收")})
            if self.person is not None and not self.person.is_active:
                raise ValidationError({"person": _("%(name)s 的账号已停用，升级消息无人接收") % {"name": self.person}})
        elif self.person_id is not None:
            raise ValidationError({"person": _("只有升级对象为“指定人员”时才需选择人员")})


# A policy's priority as people say it ("*" is every priority; 紧急/重大/一般 are an exception's severity).
PRIORITY_LABELS = {
    "*": _("所有优先级"),
    "high": _("高优先级"),
    "medium": _("中优先级"),
    "low": _("低优先级"),
    "urgent": _("紧急"),
    "major": _("重大"),
    "normal": _("一般"),
}


def register_priority_labels(labels: Mapping[str, object]) -> None:
    """What a process's own policy keys are called (a meeting type's code for its minutes limit: 启动会)."""
    PRIORITY_LABELS.update(labels)  # type: ignore[arg-type]


class ClockPolicy(TimeStampedModel):
    """One time limit of one process: (process, priority, kind) → duration, time mode, reminder, ladder.

    The seed templates' values are the defaults (see clocks/defaults.py); an administrator edits them.
    """

    process = models.CharField(_("流程"), max_length=40)
    priority = models.CharField(_("优先级"), max_length=20, default="*", help_text=_("* 表示所有优先级"))
    kind = models.CharField(_("时限类型"), max_length=20, choices=limit_choices)
    duration = models.CharField(
        _("时限"), max_length=20, validators=[validate_duration], help_text=_("例如 2h、1d、30m")
    )
    mode = models.CharField(_("计时方式"), max_length=10, choices=TimeMode.choices, default=TimeMode.WORKING)
    remind_before = models.CharField(
        _("提前提醒"),
        max_length=20,
        blank=True,
        validators=[validate_duration],
        help_text=_("到期前多久提醒，留空不提醒"),
    )
    snap = models.BooleanField(
        _("到期顺延至工作时间"),
        default=True,
        help_text=_("按自然时间计的时限，到期时刻落在非工作时间时顺延至下一工作时段开始；紧急事项不顺延"),
    )
    escalate_after = models.CharField(
        _("开始升级"),
        max_length=20,
        blank=True,
        validators=[validate_duration],
        help_text=_("时限到期后再过多久开始升级（如“超时48小时自动升级”填 48h 并选自然时间）；留空表示到期即升级"),
    )
    escalate_mode = models.CharField(
        _("开始升级的计时方式"), max_length=10, choices=TimeMode.choices, default=TimeMode.WORKING
    )
    ladder = models.ForeignKey(
        EscalationLadder,
        verbose_name=_("升级路径"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="policies",
    )
    description = models.CharField(_("说明"), max_length=200, blank=True)
    source = models.CharField(
        _("依据文件"), max_length=80, blank=True, help_text=_("规定这一时限的公司文件，如《企业沟通与协作流程规范》")
    )
    clause = models.CharField(_("条款"), max_length=40, blank=True, help_text=_("文件中的条款编号，如 二（一）"))
    clause_text = models.CharField(
        _("条款原文"), max_length=300, blank=True, help_text=_("条款的原话，如“需在收到需求后2个工作小时内响应”")
    )
    also = models.CharField(
        _("另见"),
        max_length=300,
        blank=True,
        help_text=_("其他文件对同一事项的不同规定，以及为何按上面的条款执行"),
    )
    when_late = models.CharField(
        _("迟于时限时"),
        max_length=10,
        choices=WhenLate.choices,
        default=WhenLate.FLAG,
        help_text=_("要求提前办理的规则（如延期申请须提前 2 个工作日提交）：迟了是拒绝还是仅标记"),
    )
    is_active = models.BooleanField(_("启用"), default=True)
    change_from = models.DateTimeField(
        _("待生效调整"),
        null=True,
        blank=True,
        editable=False,
        help_text=_("已批准、尚未生效的调整最早生效的时刻（见“时限规则调整”）"),
    )

    class Meta:
        verbose_name = _("时限规则")
        verbose_name_plural = _("时限规则")
        ordering = ["process", "kind", "priority"]
        constraints = [models.UniqueConstraint(fields=["process", "priority", "kind"], name="one_policy_per_limit")]

    def __str__(self) -> str:
        """需求协作 · 高优先级 · 响应：2 个工作小时 — never the codes (it was "request/high/响应：2h")."""
        try:
            limit = duration_text(self.duration, self.mode)
        except ValueError:
            limit = self.duration
        return f"{self.process_label()} · {self.priority_label()} · {self.kind_label()}：{limit}"

    @admin_display(description=_("流程"), ordering="process")
    def process_label(self) -> str:
        from django.utils.translation import gettext

        from xietong.clocks.defaults import PROCESS_LABELS

        if self.process in PROCESS_LABELS:
            return gettext(PROCESS_LABELS[self.process])
        return str(_more_processes.get(self.process, self.process))

    @admin_display(description=_("优先级"), ordering="priority")
    def priority_label(self) -> str:
        return str(PRIORITY_LABELS.get(self.priority, self.priority))

    @admin_display(description=_("时限类型"), ordering="kind")
    def kind_label(self) -> str:
        """This process's name for the limit (two designed processes may name a step code differently)."""
        return limit_label(self.kind, self.process)

    @admin_display(description=_("依据"))
    def basis(self) -> str:
        """依据：《文件》条款「原文」 (clocks.basis)."""
        from xietong.clocks.basis import policy_basis

        return policy_basis(self)


class PolicyChange(models.Model):
    """A change to a time limit decided now that takes effect at a later instant (000 流程复盘: the
    quarterly review's approved suggestions 「经管理层审批后纳入下季度规范更新」 apply from the next
    quarter's first day). Clocks started before `effective_from` keep the old limit, later ones use the
    new one; the worker writes it into the policy row at that instant (clocks.scheduled)."""

    policy = models.ForeignKey(
        ClockPolicy, verbose_name=_("时限规则"), on_delete=models.CASCADE, related_name="scheduled_changes"
    )
    changes = models.JSONField(_("调整内容"), default=dict, help_text=_('字段 → 新值，如 {"duration": "3h"}'))
    before = models.JSONField(_("调整前"), default=dict, blank=True)
    effective_from = models.DateTimeField(_("生效时间"))
    reason = models.CharField(_("依据"), max_length=300, blank=True)
    decided_by = models.ForeignKey(
        "org.Person", verbose_name=_("批准人"), null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(_("批准时间"))
    applied_at = models.DateTimeField(_("生效写入时间"), null=True, blank=True)

    class Meta:
        verbose_name = _("时限规则调整")
        verbose_name_plural = _("时限规则调整")
        ordering = ["effective_from", "pk"]
        indexes = [
            models.Index(
                fields=["effective_from", "id"], condition=Q(applied_at__isnull=True), name="policy_change_pending"
            )
        ]

    def __str__(self) -> str:
        return f"{self.policy} → {self.changes} @ {self.effective_from:%Y-%m-%d %H:%M}"


class ClockState(models.TextChoices):
    ARMED = "armed", _("计时中")
    PAUSED = "paused", _("已暂停")
    FIRED = "fired", _("已触发")
    CANCELLED = "cancelled", _("已取消")


class Clock(models.Model):
    """A stored timer on one item. It fires once, in the worker, in one transaction with its effects.

    Due time = anchor_at + offset counted in the clock's time mode and calendar. Pausing stores what is
    left in `offset_us`; resuming re-anchors at the moment of resuming. A calendar change recomputes
    due_at from the same anchor and offset, so armed clocks follow new holidays.
    """

    subject_type = models.CharField(_("事项类型"), max_length=80)
    subject_id = models.BigIntegerField(_("事项编号"))
    limit = models.CharField(_("时限"), max_length=20, choices=limit_choices)
    # Whose share of a limit several people answer to, each on their own clock (会签: one per approver, keyed
    # by their task); "" for the item's own clock of the limit.
    part = models.CharField(_("份额"), max_length=40, blank=True, default="")
    kind = models.CharField(_("类型"), max_length=20, choices=ClockKind.choices)
    level = models.PositiveSmallIntegerField(_("升级级别"), default=0)
    state = models.CharField(_("状态"), max_length=10, choices=ClockState.choices, default=ClockState.ARMED)
    mode = models.CharField(_("计时方式"), max_length=10, choices=TimeMode.choices, default=TimeMode.WORKING)
    snap = models.BooleanField(_("到期顺延至工作时间"), default=False)
    policy = models.ForeignKey(
        ClockPolicy, verbose_name=_("时限规则"), null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    calendar = models.ForeignKey(
        "workcal.WorkCalendar",
        verbose_name=_("日历"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    ladder = models.ForeignKey(
        EscalationLadder, verbose_name=_("升级路径"), null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    owner = models.ForeignKey(
        "org.Person", verbose_name=_("责任人"), null=True, blank=True, on_delete=models.SET_NULL, related_name="clocks"
    )
    department = models.ForeignKey(
        "org.Department", verbose_name=_("责任部门"), null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    anchor_at = models.DateTimeField(_("计时起点"))
    offset_us = models.BigIntegerField(_("剩余时长（微秒）"))
    due_at = models.DateTimeField(_("到期时间"))
    limit_due_at = models.DateTimeField(_("时限到期时间"), help_text=_("该时限本身的到期时间（提醒与升级据此显示）"))
    fired_at = models.DateTimeField(_("触发时间"), null=True, blank=True)
    paused_at = models.DateTimeField(_("暂停时间"), null=True, blank=True)
    closed_at = models.DateTimeField(
        _("结束时间"), null=True, blank=True, help_text=_("时限不再有效的时刻（已完成、已撤销或被重新计时取代）")
    )
    met_at = models.DateTimeField(
        _("达成时间"), null=True, blank=True, help_text=_("时限要求的事完成的时刻；晚于时限到期时间即为超时完成")
    )
    note = models.CharField(_("备注"), max_length=255, blank=True)
    created_at = models.DateTimeField(_("创建时间"))

    class Meta:
        verbose_name = _("时钟")
        verbose_name_plural = _("时钟")
        indexes = [
            # The sweep reads only armed clocks in due order: a range scan, whatever the number of open items.
            models.Index(fields=["due_at", "id"], condition=Q(state="armed"), name="clock_armed_due"),
            models.Index(fields=["subject_type", "subject_id", "limit"], name="clock_subject"),
            models.Index(fields=["calendar"], condition=Q(state="armed", mode="working"), name="clock_armed_calendar"),
            models.Index(fields=["owner", "due_at"], condition=Q(closed_at__isnull=True), name="clock_open_owner"),
        ]
        constraints = [
            # One live clock per (item, limit, share, kind, level): re-arming a limit replaces, never duplicates.
            models.UniqueConstraint(
                fields=["subject_type", "subject_id", "limit", "part", "kind", "level"],
                condition=Q(state__in=["armed", "paused"]),
                name="one_live_clock_per_part",
            )
        ]

    def __str__(self) -> str:
        return f"{self.subject_type}#{self.subject_id} {self.kind} {self.state}"


class Escalation(models.Model):
    """An escalation that happened: which level, to whom, and why (e.g. a rung had nobody)."""

    clock = models.OneToOneField(Clock, verbose_name=_("时钟"), on_delete=models.CASCADE, related_name="escalation")
    subject_type = models.CharField(_("事项类型"), max_length=80)
    subject_id = models.BigIntegerField(_("事项编号"))
    limit = models.CharField(_("时限"), max_length=20, choices=limit_choices)
    level = models.PositiveSmallIntegerField(_("级别"))
    target = models.ForeignKey(
        "org.Person", verbose_name=_("升级至"), null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    target_role = models.CharField(_("升级对象"), max_length=20, choices=StepTarget.choices)
    note = models.CharField(_("说明"), max_length=255, blank=True)
    at = models.DateTimeField(_("时间"))

    class Meta:
        verbose_name = _("升级记录")
        verbose_name_plural = _("升级记录")
        ordering = ["at"]
        indexes = [models.Index(fields=["subject_type", "subject_id"], name="escalation_subject")]

    def __str__(self) -> str:
        return f"L{self.level} → {self.target or '—'}"
