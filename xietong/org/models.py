"""The organisation: departments (a tree), people and their roles, projects with members."""

from __future__ import annotations

from django.contrib.auth.models import AbstractUser, UserManager
from django.core.validators import RegexValidator
from django.db import models
from django.db.models import Q
from django.db.models.functions import Lower
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from xietong.core.models import TimeStampedModel, VersionedModel
from xietong.core.permissions import VIEW, Reach, RestrictedQuerySet

phone_validator = RegexValidator(r"^[0-9+\-() ]{5,20}$", _("请输入有效的电话号码，例如 13800138000 或 010-12345678"))


class DepartmentQuerySet(RestrictedQuerySet["Department"]):
    pass


class Department(TimeStampedModel):
    """A department (部门). Departments form a tree under the company's root department."""

    name = models.CharField(_("部门名称"), max_length=80)
    code = models.SlugField(
        _("部门编码"), max_length=40, unique=True, help_text=_("英文字母、数字或连字符，例如 rd-software")
    )
    parent = models.ForeignKey(
        "self", verbose_name=_("上级部门"), null=True, blank=True, on_delete=models.PROTECT, related_name="children"
    )
    head = models.ForeignKey(
        "org.Person",
        verbose_name=_("部门负责人"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="headed_departments",
    )
    division_leader = models.ForeignKey(
        "org.Person",
        verbose_name=_("分管领导"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="led_departments",
        help_text=_("一位分管领导可分管多个部门；未设置时沿用上级部门的分管领导"),
    )
    is_coordinating_office = models.BooleanField(
        _("综合管理部"), default=False, help_text=_("负责问题分派与季度复盘的协调部门")
    )
    sort_order = models.PositiveIntegerField(_("排序"), default=0)
    # The department's id on each platform, set by org sync (org.sync): how a renamed or moved department is
    # still recognised.
    dingtalk_id = models.CharField(_("钉钉部门 ID"), max_length=64, blank=True)
    feishu_id = models.CharField(_("飞书部门 ID"), max_length=64, blank=True)
    wecom_id = models.CharField(_("企业微信部门 ID"), max_length=64, blank=True)
    ldap_id = models.CharField(
        _("LDAP 部门 ID"), max_length=255, blank=True, help_text=_("组织单位的 entryUUID 或 objectGUID")
    )
    excel_id = models.CharField(_("表格部门编号"), max_length=64, blank=True, help_text=_("Excel 通讯录中的部门编号"))
    jit_sign_in = models.BooleanField(
        _("首次登录自动开通账号"),
        default=False,
        help_text=_("身份提供方（OIDC、LDAP）认证通过但协同中尚无账号的本部门人员，首次登录时自动创建账号"),
    )
    calendar = models.ForeignKey(
        "workcal.WorkCalendar",
        verbose_name=_("工作日历"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="departments",
        help_text=_("未设置时沿用上级部门的日历，最终使用默认日历"),
    )

    objects = DepartmentQuerySet.as_manager()

    class Meta:
        verbose_name = _("部门")
        verbose_name_plural = _("部门")
        ordering = ["sort_order", "name"]
        constraints = [models.UniqueConstraint(fields=["parent", "name"], name="department_unique_name_in_parent")]

    def __str__(self) -> str:
        return self.name

    @classmethod
    def reach_filter(cls, reach: Reach, action: str) -> Q | None:
        # The department tree itself is the company's directory: everyone signed in may read it.
        if action == VIEW or reach.is_admin:
            return None
        return Q(pk__in=[])


class PersonQuerySet(RestrictedQuerySet["Person"]):
    pass


class PersonManager(UserManager.from_queryset(PersonQuerySet)):  # type: ignore[misc]
    pass


def display_name_of(name: str, first_name: str, last_name: str, username: str) -> str:
    """How a person is named everywhere: their name, else first and last name (AbstractUser.get_full_name),
    else the username — from the columns alone, for lists that read no Person objects."""
    return name or f"{first_name} {last_name}".strip() or username


class Person(AbstractUser):
    """A person who signs in: one department, a title, contact details and chat-tool ids.

    Roles are derived, not stored twice: department head and division leader come from Department;
    general manager and coordinator are flags; administrator is Django's staff flag.
    """

    name = models.CharField(_("姓名"), max_length=40)
    department = models.ForeignKey(
        Department, verbose_name=_("所属部门"), null=True, blank=True, on_delete=models.PROTECT, related_name="members"
    )
    title = models.CharField(_("职务"), max_length=60, blank=True)
    phone = models.CharField(_("手机"), max_length=20, blank=True, validators=[phone_validator])
    dingtalk_id = models.CharField(_("钉钉 UserID"), max_length=64, blank=True)
    feishu_id = models.CharField(_("飞书 Open ID"), max_length=64, blank=True)
    wecom_id = models.CharField(_("企业微信 UserID"), max_length=64, blank=True)
    oidc_id = models.CharField(_("OIDC 用户标识（sub）"), max_length=255, blank=True)
    ldap_id = models.CharField(_("LDAP 用户 ID"), max_length=255, blank=True, help_text=_("entryUUID 或 objectGUID"))
    excel_id = models.CharField(_("工号"), max_length=64, blank=True, help_text=_("Excel 通讯录中的工号"))
    password_sign_in = models.BooleanField(
        _("允许密码登录"),
        default=True,
        help_text=_("关闭后只能通过钉钉、企业微信、飞书、OIDC 或 LDAP 登录"),
    )
    # Set when an administrator chose the password (admin, `xietong changepassword`): every page sends the
    # person to 修改密码 until they set their own. Cleared by their own change or reset.
    must_change_password = models.BooleanField(
        _("下次登录须修改密码"), default=False, help_text=_("管理员设置的密码：本人登录后须先设置自己的密码")
    )
    # A new account (added by an administrator, the directory sync or a first sign-in through SSO) sees the
    # short guide once, on its first page; it stays reachable from the user menu.
    guide_pending = models.BooleanField(_("首次登录显示入门指南"), default=False)
    is_general_manager = models.BooleanField(_("总经理"), default=False)
    is_coordinator = models.BooleanField(_("协调人（综合管理部）"), default=False)
    calendar = models.ForeignKey(
        "workcal.WorkCalendar",
        verbose_name=_("工作日历"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="people",
        help_text=_("留空时使用所在部门的日历（逐级沿用上级部门）。例如轮班客服、三八妇女节下午放假的日历"),
    )
    version = models.PositiveIntegerField(_("版本"), default=1, editable=False)
    updated_at = models.DateTimeField(_("更新时间"), auto_now=True)

    objects = PersonManager()  # type: ignore[misc]

    REQUIRED_FIELDS = ["email", "name"]

    class Meta:
        verbose_name = _("人员")
        verbose_name_plural = _("人员")
        ordering = ["department__sort_order", "username"]
        constraints = [
            # Sign-in matches usernames without regard to case (org.backends): two accounts differing only
            # in case would be one account to the person typing.
            models.UniqueConstraint(
                Lower("username"),
                name="person_username_unique_any_case",
                violation_error_message=_("已有同名账号（用户名不区分大小写）"),
            )
        ]

    def __str__(self) -> str:
        return self.display_name

    @property
    def display_name(self) -> str:
        return display_name_of(self.name, self.first_name, self.last_name, self.username)

    @classmethod
    def reach_filter(cls, reach: Reach, action: str) -> Q | None:
        if reach.sees_all or reach.is_admin:
            return None
        if action != VIEW:
            return Q(pk=reach.person_id)
        shares_project = Q(
            pk__in=ProjectMembership.objects.filter(project_id__in=reach.project_ids).values("person_id")
        )
        condition = Q(pk=reach.person_id) | shares_project
        if reach.department_id is not None:
            condition |= Q(department_id=reach.department_id)
        if reach.led_department_ids:
            condition |= Q(department_id__in=reach.led_department_ids)
        return condition


class ProjectQuerySet(RestrictedQuerySet["Project"]):
    pass


class Project(VersionedModel):
    """A project or collaboration space (协作空间). Every work item belongs to one."""

    class Status(models.TextChoices):
        ACTIVE = "active", _("进行中")
        CLOSED = "closed", _("已结束")

    code = models.SlugField(_("项目编码"), max_length=40, unique=True)
    name = models.CharField(_("项目名称"), max_length=120, unique=True)
    description = models.TextField(_("项目说明"), blank=True)
    department = models.ForeignKey(
        Department, verbose_name=_("主责部门"), on_delete=models.PROTECT, related_name="projects"
    )
    lead = models.ForeignKey(
        Person, verbose_name=_("项目负责人"), on_delete=models.PROTECT, related_name="led_projects"
    )
    status = models.CharField(_("状态"), max_length=16, choices=Status.choices, default=Status.ACTIVE)
    calendar = models.ForeignKey(
        "workcal.WorkCalendar",
        verbose_name=_("工作日历"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="projects",
        help_text=_("未设置时使用主责部门的日历"),
    )
    members = models.ManyToManyField(
        Person, through="ProjectMembership", related_name="projects", verbose_name=_("成员")
    )

    objects = ProjectQuerySet.as_manager()

    class Meta:
        verbose_name = _("项目")
        verbose_name_plural = _("项目")
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name

    @classmethod
    def reach_filter(cls, reach: Reach, action: str) -> Q | None:
        if reach.sees_all or (reach.is_admin and action == VIEW):
            return None
        if action != VIEW:
            return Q(lead_id=reach.person_id) | Q(department_id__in=reach.led_department_ids)
        return Q(pk__in=reach.project_ids)


class ProjectMembership(TimeStampedModel):
    class Role(models.TextChoices):
        LEAD = "lead", pgettext_lazy("project role", "负责人")
        MEMBER = "member", _("成员")

    project = models.ForeignKey(Project, verbose_name=_("项目"), on_delete=models.CASCADE, related_name="memberships")
    person = models.ForeignKey(Person, verbose_name=_("人员"), on_delete=models.CASCADE, related_name="memberships")
    role = models.CharField(_("项目角色"), max_length=16, choices=Role.choices, default=Role.MEMBER)

    class Meta:
        verbose_name = _("项目成员")
        verbose_name_plural = _("项目成员")
        constraints = [models.UniqueConstraint(fields=["project", "person"], name="membership_unique_person")]

    def __str__(self) -> str:
        return f"{self.project} · {self.person}"


class Absence(TimeStampedModel):
    """代理: while a person is away (leave, a business trip) or after they left the company, the steps they
    would take may be taken by their stand-in, recorded as "王强 代 李娜"; their clocks notify both."""

    class Kind(models.TextChoices):
        LEAVE = "leave", _("休假/外出")
        DEPARTURE = "departure", _("离职代理")

    person = models.ForeignKey(Person, verbose_name=_("人员"), on_delete=models.CASCADE, related_name="absences")
    kind = models.CharField(_("类型"), max_length=10, choices=Kind.choices, default=Kind.LEAVE)
    starts_at = models.DateTimeField(_("开始时间"))
    ends_at = models.DateTimeField(_("结束时间"), null=True, blank=True, help_text=_("离职代理可不填"))
    reason = models.CharField(_("事由"), max_length=200)
    stand_in = models.ForeignKey(
        Person, verbose_name=_("代理人"), on_delete=models.PROTECT, related_name="stand_in_for"
    )
    set_by = models.ForeignKey(Person, verbose_name=_("设置人"), on_delete=models.PROTECT, related_name="+")
    cancelled_at = models.DateTimeField(_("撤销时间"), null=True, blank=True)

    class Meta:
        verbose_name = _("代理设置")
        verbose_name_plural = _("代理设置")
        ordering = ["-starts_at", "-pk"]
        indexes = [
            models.Index(fields=["stand_in", "starts_at"], name="absence_stand_in"),
            models.Index(fields=["person", "starts_at"], name="absence_person"),
        ]
        constraints = [
            models.CheckConstraint(condition=~Q(stand_in=models.F("person")), name="absence_not_own_stand_in"),
        ]

    def __str__(self) -> str:
        return f"{self.person} → {self.stand_in}"

    def covers(self, instant) -> bool:
        return (
            self.cancelled_at is None and self.starts_at <= instant and (self.ends_at is None or instant < self.ends_at)
        )


class OrgSyncRun(models.Model):
    """One scheduled org sync (org.scheduled_sync): which source, for which day, what it changed or why it
    failed. One row a source a day: a second worker finds it and does not sync again."""

    class Status(models.TextChoices):
        RUNNING = "running", _("进行中")
        DONE = "done", _("已完成")
        FAILED = "failed", _("失败")

    source = models.CharField(_("通讯录来源"), max_length=16)
    run_date = models.DateField(_("日期"))
    status = models.CharField(_("状态"), max_length=10, choices=Status.choices, default=Status.RUNNING)
    started_at = models.DateTimeField(_("开始时间"))
    finished_at = models.DateTimeField(_("结束时间"), null=True, blank=True)
    counts = models.JSONField(_("变更统计"), default=dict, blank=True)
    changes = models.JSONField(_("变更明细"), default=list, blank=True)
    error = models.TextField(_("错误"), blank=True)

    class Meta:
        verbose_name = _("定时同步记录")
        verbose_name_plural = _("定时同步记录")
        ordering = ["-started_at"]
        constraints = [models.UniqueConstraint(fields=["source", "run_date"], name="org_sync_run_once_a_day")]

    def __str__(self) -> str:
        return f"{self.source} {self.run_date}"
