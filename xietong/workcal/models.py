"""Working calendars an administrator edits: hours, weekday pattern, statutory schedule, overrides."""

from __future__ import annotations

import datetime as dt
import re

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.utils.translation import gettext_lazy as _

from xietong.core import clock
from xietong.core.models import TimeStampedModel, VersionedModel
from xietong.workcal.engine import CalendarSpec, PublishedYear

WEEKDAY_NAMES = [_("星期一"), _("星期二"), _("星期三"), _("星期四"), _("星期五"), _("星期六"), _("星期日")]
_PERIOD = re.compile(r"^\s*(\d{1,2}):(\d{2})\s*[-–~至]\s*(\d{1,2}):(\d{2})\s*$")


def parse_periods(text: str) -> tuple[tuple[dt.time, dt.time], ...]:
    """ "09:00-12:00, 13:30-18:00" → ((09:00, 12:00), (13:30, 18:00)). Errors name the bad part."""
    periods = []
    for part in re.split(r"[,，;；]", text or ""):
        if not part.strip():
            continue
        match = _PERIOD.match(part)
        if not match:
            raise ValueError(_("无法识别工作时段“%(part)s”，应写成 09:00-12:00") % {"part": part.strip()})
        h1, m1, h2, m2 = (int(g) for g in match.groups())
        try:
            periods.append((dt.time(h1, m1), dt.time(h2, m2)))
        except ValueError as exc:
            raise ValueError(_("工作时段“%(part)s”中的时刻不存在") % {"part": part.strip()}) from exc
    if not periods:
        raise ValueError(str(_("至少需要一个工作时段，例如 09:00-12:00, 13:30-18:00")))
    CalendarSpec(periods=tuple(periods))  # order and overlap checks
    return tuple(periods)


_WEEKDAY_WORDS = {
    **{f"星期{c}": i for i, c in enumerate("一二三四五六日")},
    **{f"周{c}": i for i, c in enumerate("一二三四五六日")},
    "星期天": 6,
    "周天": 6,
    **{str(i): i for i in range(7)},
}
_WEEKDAY_LINE = re.compile(r"^\s*(星期[一二三四五六日天]|周[一二三四五六日天]|[0-6])\s*[=:：]?\s*(.+)$")


def parse_weekday_hours(text: str) -> tuple[tuple[int, tuple[tuple[dt.time, dt.time], ...]], ...]:
    """ "星期六 09:00-12:00" (one weekday a line) → ((5, ((09:00, 12:00),)),). Errors name the bad line."""
    found: dict[int, tuple[tuple[dt.time, dt.time], ...]] = {}
    for line in re.split(r"[\n;；]", text or ""):
        if not line.strip():
            continue
        match = _WEEKDAY_LINE.match(line)
        if not match:
            raise ValueError(_("无法识别“%(line)s”，应写成“星期六 09:00-12:00”") % {"line": line.strip()})
        weekday = _WEEKDAY_WORDS[match.group(1)]
        if weekday in found:
            raise ValueError(_("%(day)s写了两次") % {"day": WEEKDAY_NAMES[weekday]})
        found[weekday] = parse_periods(match.group(2))
    return tuple(sorted(found.items()))


def format_periods(periods) -> str:
    return ", ".join(f"{s:%H:%M}-{e:%H:%M}" for s, e in periods)


class WorkCalendar(VersionedModel):
    """A working calendar. Departments and projects point at one; the default one applies otherwise."""

    name = models.CharField(_("名称"), max_length=60, unique=True)
    code = models.SlugField(_("编码"), max_length=40, unique=True)
    time_zone = models.CharField(_("时区"), max_length=40, default=settings.TIME_ZONE)
    periods = models.CharField(
        _("每日工作时段"),
        max_length=200,
        default="09:00-12:00, 13:30-18:00",
        help_text=_("例如 09:00-12:00, 13:30-18:00"),
    )
    workdays = models.CharField(
        _("每周工作日"), max_length=20, default="0,1,2,3,4", help_text=_("0=星期一 … 6=星期日，逗号分隔")
    )
    weekday_hours = models.TextField(
        _("按星期的工作时段"),
        blank=True,
        help_text=_("与每日工作时段不同的星期，每行一个，例如“星期六 09:00-12:00”；调休上班日按每日工作时段"),
    )
    statutory = models.BooleanField(_("遵循国家法定节假日与调休"), default=True)
    is_default = models.BooleanField(_("默认日历"), default=False)

    class Meta:
        verbose_name = _("工作日历")
        verbose_name_plural = _("工作日历")
        ordering = ["-is_default", "name"]
        constraints = [
            models.UniqueConstraint(
                fields=["is_default"], condition=models.Q(is_default=True), name="one_default_calendar"
            )
        ]

    def __str__(self) -> str:
        return self.name

    def weekday_set(self) -> frozenset[int]:
        try:
            return frozenset(int(x) for x in self.workdays.replace("，", ",").split(",") if x.strip())
        except ValueError as exc:
            raise ValueError(str(_("每周工作日应为 0–6 的数字，逗号分隔"))) from exc

    def clean(self) -> None:
        errors = {}
        try:
            parse_periods(self.periods)
        except ValueError as exc:
            errors["periods"] = str(exc)
        try:
            days = self.weekday_set()
            if not days or not days <= set(range(7)):
                raise ValueError(str(_("每周工作日应为 0–6 的数字，至少一天")))
        except ValueError as exc:
            errors["workdays"] = str(exc)
        try:
            hours = parse_weekday_hours(self.weekday_hours)
            outside = [WEEKDAY_NAMES[w] for w, _p in hours if w not in self.weekday_set()]
            if outside and "workdays" not in errors:
                raise ValueError(
                    str(_("%(days)s设置了工作时段，但不在每周工作日中") % {"days": "、".join(str(d) for d in outside)})
                )
        except ValueError as exc:
            errors["weekday_hours"] = str(exc)
        try:
            from zoneinfo import ZoneInfo

            ZoneInfo(self.time_zone)
        except Exception:
            errors["time_zone"] = str(_("未知时区，例如 Asia/Shanghai"))
        if errors:
            raise ValidationError(errors)

    def spec(self) -> CalendarSpec:
        rows = list(self.overrides.values_list("date", "is_workday", "periods"))
        return CalendarSpec(
            time_zone=self.time_zone,
            periods=parse_periods(self.periods),
            workdays=self.weekday_set(),
            statutory=self.statutory,
            overrides=tuple(sorted((day, is_workday) for day, is_workday, _p in rows)),
            published=self.published_years(),
            weekday_periods=parse_weekday_hours(self.weekday_hours),
            day_periods=tuple(
                sorted((day, parse_periods(p)) for day, is_workday, p in rows if is_workday and p.strip())
            ),
        )

    def published_years(self) -> tuple[PublishedYear, ...]:
        """Imported years this calendar counts with: its own imports, and the national ones (for a
        calendar that follows the statutory schedule) for the years it has none of its own."""
        schedules = HolidaySchedule.objects.filter(models.Q(calendar=self) | models.Q(calendar__isnull=True))
        chosen: dict[int, HolidaySchedule] = {}
        for schedule in schedules.order_by("calendar_id"):  # NULLs (national) sort last on neither: decide below
            if schedule.calendar_id is None and not self.statutory:
                continue
            current = chosen.get(schedule.year)
            if current is None or (current.calendar_id is None and schedule.calendar_id is not None):
                chosen[schedule.year] = schedule
        if not chosen:
            return ()
        days: dict[int, list[tuple[dt.date, bool, str]]] = {year: [] for year in chosen}
        by_pk = {schedule.pk: schedule.year for schedule in chosen.values()}
        for schedule_id, day, is_workday, name in HolidayDay.objects.filter(schedule_id__in=by_pk).values_list(
            "schedule_id", "date", "is_workday", "name"
        ):
            days[by_pk[schedule_id]].append((day, is_workday, name))
        return tuple((year, tuple(sorted(days[year]))) for year in sorted(days))


class CalendarOverride(TimeStampedModel):
    """An administrator's exception for one date: an extra day off or an extra working day. Always wins."""

    calendar = models.ForeignKey(
        WorkCalendar, verbose_name=_("日历"), on_delete=models.CASCADE, related_name="overrides"
    )
    date = models.DateField(_("日期"))
    is_workday = models.BooleanField(_("上班"), help_text=_("勾选：这一天上班；不勾选：这一天放假"))
    periods = models.CharField(
        _("当天工作时段"),
        max_length=200,
        blank=True,
        help_text=_("上班日可填，例如“09:00-12:00”（下午放假）；留空为全天"),
    )
    note = models.CharField(_("说明"), max_length=120, blank=True, help_text=_("例如：2027年春节放假（国务院通知）"))

    class Meta:
        verbose_name = _("例外日")
        verbose_name_plural = _("例外日（节假日与调休录入）")
        ordering = ["date"]
        constraints = [models.UniqueConstraint(fields=["calendar", "date"], name="one_override_per_day")]

    def __str__(self) -> str:
        kind = _("上班") if self.is_workday else _("放假")
        return f"{self.date:%Y-%m-%d} {kind}{' ' + self.periods if self.is_workday and self.periods else ''}"

    def clean(self) -> None:
        if self.periods.strip():
            if not self.is_workday:
                raise ValidationError({"periods": _("放假的日子不需要工作时段；半天假请勾选“上班”并填上班的时段")})
            try:
                parse_periods(self.periods)
            except ValueError as exc:
                raise ValidationError({"periods": str(exc)}) from exc


class HolidaySource(models.TextChoices):
    NOTICE = "notice", _("国务院办公厅通知")
    ICAL = "ical", _("iCalendar 日历")
    EXCEL = "excel", _("Excel 表")


class HolidaySchedule(TimeStampedModel):
    """One year's holidays and make-up workdays as published (国务院办公厅关于20XX年部分节假日安排的通知)
    or kept by the company (an iCalendar file or subscription, an Excel sheet).

    Without a calendar it is the national schedule: every calendar that follows the statutory schedule
    counts that year with it instead of the shipped data. With a calendar it applies to that one only
    (and wins over the national one). An administrator's overrides still win over both.
    """

    year = models.PositiveSmallIntegerField(_("年度"))
    calendar = models.ForeignKey(
        WorkCalendar,
        verbose_name=_("日历"),
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="holiday_schedules",
        help_text=_("留空：全国安排，适用于所有遵循国家法定节假日的日历"),
    )
    source = models.CharField(_("来源"), max_length=10, choices=HolidaySource.choices, default=HolidaySource.NOTICE)
    title = models.CharField(_("标题"), max_length=200)
    issued_on = models.DateField(_("发布日期"), null=True, blank=True)
    document_number = models.CharField(_("文号"), max_length=60, blank=True)
    source_text = models.TextField(_("原文"), blank=True)
    source_url = models.URLField(_("订阅地址"), max_length=500, blank=True)
    imported_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("导入人"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )

    class Meta:
        verbose_name = _("节假日安排")
        verbose_name_plural = _("节假日安排（年度）")
        ordering = ["-year", "calendar_id"]
        constraints = [
            models.UniqueConstraint(fields=["year", "calendar"], name="one_schedule_per_calendar_year"),
            models.UniqueConstraint(
                fields=["year"], condition=models.Q(calendar__isnull=True), name="one_national_schedule_per_year"
            ),
        ]

    def __str__(self) -> str:
        return self.title


class HolidayDay(models.Model):
    """A day of a published year: off (a holiday) or worked (调休上班), with the holiday it belongs to."""

    schedule = models.ForeignKey(
        HolidaySchedule, verbose_name=_("节假日安排"), on_delete=models.CASCADE, related_name="days"
    )
    date = models.DateField(_("日期"))
    is_workday = models.BooleanField(_("调休上班"), default=False)
    name = models.CharField(_("节日"), max_length=60)

    class Meta:
        verbose_name = _("节假日")
        verbose_name_plural = _("节假日")
        ordering = ["date"]
        constraints = [models.UniqueConstraint(fields=["schedule", "date"], name="one_holiday_day_per_schedule")]

    def __str__(self) -> str:
        return f"{self.date:%Y-%m-%d} {self.name}{'（上班）' if self.is_workday else ''}"


class CalendarChange(models.Model):
    """A change to a calendar's days (an import, an override, a correction) whose armed clocks still have
    to be re-timed. Written in the transaction of the change; the clocks are re-timed right after it
    commits, in batches, and the worker finishes any change left unfinished (a crash, a restart)."""

    calendar = models.ForeignKey(WorkCalendar, verbose_name=_("日历"), on_delete=models.CASCADE, related_name="+")
    version = models.PositiveIntegerField(_("日历版本"))
    first_day = models.DateField(
        _("首个变动日"), null=True, blank=True, help_text=_("留空：工作时段等变动，影响所有日期")
    )
    last_day = models.DateField(_("最后变动日"), null=True, blank=True)
    days = models.JSONField(_("变动日期"), default=list, blank=True)
    reason = models.CharField(_("原因"), max_length=255)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("操作人"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    created_at = models.DateTimeField(_("时间"), default=clock.now)
    claimed_until = models.DateTimeField(_("处理租约"), null=True, blank=True)
    retimed_at = models.DateTimeField(_("重算完成"), null=True, blank=True)
    moved = models.PositiveIntegerField(_("调整的时钟"), default=0)

    class Meta:
        verbose_name = _("日历变动")
        verbose_name_plural = _("日历变动")
        ordering = ["created_at"]
        indexes = [
            models.Index(
                fields=["created_at"], condition=models.Q(retimed_at__isnull=True), name="calendar_change_pending"
            )
        ]

    def __str__(self) -> str:
        return f"{self.calendar} v{self.version}: {self.reason}"


class HolidayFeed(TimeStampedModel):
    """An iCalendar subscription a company keeps its holidays in, refreshed daily by the worker: every year it
    holds is recorded as that calendar's schedule (or the national one), re-timing clocks when it changed."""

    calendar = models.ForeignKey(
        WorkCalendar,
        verbose_name=_("日历"),
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="holiday_feeds",
        help_text=_("留空：全国安排，适用于所有遵循国家法定节假日的日历"),
    )
    url = models.URLField(_("订阅地址"), max_length=500, help_text=_("https://… 的 .ics 地址"))
    is_active = models.BooleanField(_("启用"), default=True)
    checked_at = models.DateTimeField(_("上次检查"), null=True, blank=True)
    succeeded_at = models.DateTimeField(_("上次成功"), null=True, blank=True)
    last_error = models.CharField(_("上次错误"), max_length=500, blank=True)

    class Meta:
        verbose_name = _("节假日订阅")
        verbose_name_plural = _("节假日订阅（iCalendar）")
        ordering = ["url"]

    def __str__(self) -> str:
        return self.url
