"""Working calendars an administrator edits: hours, weekday pattern, statutory schedule, overrides."""

from __future__ import annotations

import datetime as dt
import re

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.utils.translation import gettext_lazy as _

from xietong.core.models import TimeStampedModel, VersionedModel
from xietong.workcal.engine import CalendarSpec

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
            from zoneinfo import ZoneInfo

            ZoneInfo(self.time_zone)
        except Exception:
            errors["time_zone"] = str(_("未知时区，例如 Asia/Shanghai"))
        if errors:
            raise ValidationError(errors)

    def spec(self) -> CalendarSpec:
        overrides = tuple(sorted(self.overrides.values_list("date", "is_workday")))
        return CalendarSpec(
            time_zone=self.time_zone,
            periods=parse_periods(self.periods),
            workdays=self.weekday_set(),
            statutory=self.statutory,
            overrides=overrides,
        )


class CalendarOverride(TimeStampedModel):
    """An administrator's exception for one date: an extra day off or an extra working day. Always wins."""

    calendar = models.ForeignKey(
        WorkCalendar, verbose_name=_("日历"), on_delete=models.CASCADE, related_name="overrides"
    )
    date = models.DateField(_("日期"))
    is_workday = models.BooleanField(_("上班"), help_text=_("勾选：这一天上班；不勾选：这一天放假"))
    note = models.CharField(_("说明"), max_length=120, blank=True, help_text=_("例如：2027年春节放假（国务院通知）"))

    class Meta:
        verbose_name = _("例外日")
        verbose_name_plural = _("例外日（节假日与调休录入）")
        ordering = ["date"]
        constraints = [models.UniqueConstraint(fields=["calendar", "date"], name="one_override_per_day")]

    def __str__(self) -> str:
        kind = _("上班") if self.is_workday else _("放假")
        return f"{self.date:%Y-%m-%d} {kind}"
