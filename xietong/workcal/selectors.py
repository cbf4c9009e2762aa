"""Which calendar applies, and its compiled engine (cached per calendar version)."""

from __future__ import annotations

import calendar as month_calendar
import datetime as dt
from collections import OrderedDict
from dataclasses import dataclass, replace
from threading import Lock

from django.utils.translation import gettext as _

from xietong.core.i18n import enumerate_list
from xietong.core.memo import memoized
from xietong.workcal.engine import UNPUBLISHED_WARNING, DayKind, WorkingCalendar, gettext_noop, statutory_years
from xietong.workcal.models import WorkCalendar

_engines: OrderedDict[tuple[int, int], WorkingCalendar] = OrderedDict()
_lock = Lock()
_MAX_ENGINES = 64


def default_calendar() -> WorkCalendar:
    return memoized("default-calendar", _default_calendar)


def _default_calendar() -> WorkCalendar:
    calendar = WorkCalendar.objects.filter(is_default=True).first()
    if calendar is None:
        calendar, _created = WorkCalendar.objects.get_or_create(
            code="standard", defaults={"name": "标准工作日历", "is_default": True}
        )
    return calendar


def calendar_for_department(department) -> WorkCalendar:
    """The department's calendar, else its nearest ancestor's, else the default one."""
    return calendar_for_department_id(department.pk if department is not None else None)


def calendar_for_department_id(department_id: int | None) -> WorkCalendar:
    return memoized(("department-calendar", department_id), lambda: _calendar_for_department_id(department_id))


def _calendar_for_department_id(department_id: int | None) -> WorkCalendar:
    from xietong.org.tree import DepartmentTree

    if department_id is not None:
        for node in DepartmentTree.load().ancestors(department_id):
            if node.calendar_id:
                return WorkCalendar.objects.get(pk=node.calendar_id)
    return default_calendar()


def calendar_for_project(project) -> WorkCalendar:
    if project.calendar_id:
        return project.calendar
    return calendar_for_department_id(project.department_id)


def calendar_for_person(person) -> WorkCalendar:
    """The person's own calendar, else their department's (inherited down the tree), else the default."""
    return clock_calendar(owner=person)


def clock_calendar(*, owner=None, department=None, project=None) -> WorkCalendar:
    """The calendar a clock counts in: that of the one who must act. The owner's own calendar, else the
    calendar their department has (or inherits), else the responsible department's, else the project's
    (its own or its department's), else the default one."""
    key = (
        "clock-calendar",
        getattr(owner, "pk", None),
        getattr(department, "pk", None),
        getattr(project, "pk", None),
    )
    return memoized(key, lambda: _clock_calendar(owner, department, project))


def _clock_calendar(owner, department, project) -> WorkCalendar:
    if owner is not None and owner.calendar_id:
        return _calendar(owner.calendar_id)
    for department_id in (getattr(owner, "department_id", None), getattr(department, "pk", None)):
        found = _assigned_calendar_id(department_id)
        if found:
            return _calendar(found)
    if project is not None:
        found = project.calendar_id or _assigned_calendar_id(project.department_id)
        if found:
            return _calendar(found)
    return default_calendar()


def _assigned_calendar_id(department_id: int | None) -> int | None:
    """The calendar the department or its nearest ancestor is assigned, None if none of them is."""
    if department_id is None:
        return None
    from xietong.org.tree import DepartmentTree

    for node in DepartmentTree.load().ancestors(department_id):
        if node.calendar_id:
            return node.calendar_id
    return None


def _calendar(calendar_id: int) -> WorkCalendar:
    return memoized(("calendar", calendar_id), lambda: WorkCalendar.objects.get(pk=calendar_id))


def engine_for(calendar: WorkCalendar) -> WorkingCalendar:
    """The compiled working-time engine of `calendar`; recompiled when its version changes."""
    key = (calendar.pk, calendar.version)
    with _lock:
        engine = _engines.get(key)
        if engine is not None:
            _engines.move_to_end(key)
            return engine
    engine = WorkingCalendar(calendar.spec())
    with _lock:
        _engines[key] = engine
        while len(_engines) > _MAX_ENGINES:
            _engines.popitem(last=False)
    return engine


def unpublished_years(calendar: WorkCalendar, today: dt.date) -> list[int]:
    """This year and next, where neither the statutory data nor overrides cover them."""
    engine = engine_for(calendar)
    return [year for year in (today.year, today.year + 1) if not engine.statutory_published(year)]


def coverage_text(calendar: WorkCalendar, today: dt.date) -> str:
    first, last = statutory_years()
    missing = unpublished_years(calendar, today)
    text = _("国家法定节假日数据覆盖 %(first)d–%(last)d 年") % {"first": first, "last": last}
    if missing:
        years = enumerate_list(_("%(y)d 年") % {"y": y} for y in missing)
        text += _("；%(years)s：%(warning)s，暂按每周工作日计算，请录入例外日") % {
            "years": years,
            "warning": UNPUBLISHED_WARNING,
        }
    return text


# --- A year at a glance (the notice import's preview) -----------------------------------------------
@dataclass(frozen=True)
class GridDay:
    date: dt.date
    tone: str  # work / rest / holiday / adjusted / override
    mark: str  # 休 / 班 / "" …
    title: str  # 2027-02-05 春节 (for the tooltip)


@dataclass(frozen=True)
class GridMonth:
    month: int
    weeks: list[list[GridDay | None]]
    working_days: int


_TONES = {
    DayKind.WORKDAY: ("work", ""),
    DayKind.REST_DAY: ("rest", gettext_noop("休")),
    DayKind.STATUTORY_HOLIDAY: ("holiday", gettext_noop("休")),
    DayKind.ADJUSTED_WORKDAY: ("adjusted", gettext_noop("班")),
    DayKind.OVERRIDE_WORKDAY: ("override", gettext_noop("加")),
    DayKind.OVERRIDE_HOLIDAY: ("override-off", gettext_noop("休")),
}


def preview_engine(calendar: WorkCalendar, year: int, days: list[tuple[dt.date, bool, str]]) -> WorkingCalendar:
    """`calendar` as it would count with `year` published as `days` (its overrides still win)."""
    spec = calendar.spec()
    published = [p for p in spec.published if p[0] != year]
    published.append((year, tuple(sorted(days))))
    return WorkingCalendar(replace(spec, published=tuple(sorted(published))))


def year_grid(engine: WorkingCalendar, year: int) -> list[GridMonth]:
    months = []
    for month in range(1, 13):
        weeks: list[list[GridDay | None]] = []
        working = 0
        for week in month_calendar.Calendar().monthdatescalendar(year, month):
            row: list[GridDay | None] = []
            for day in week:
                if day.month != month:
                    row.append(None)
                    continue
                kind = engine.day_kind(day)
                working += kind.is_working
                tone, mark = _TONES[kind]
                name = engine.day_name(day)
                title = f"{day:%Y-%m-%d} {_(name) if name else kind.label}"
                row.append(GridDay(day, tone, _(mark) if mark else "", title))
            weeks.append(row)
        months.append(GridMonth(month, weeks, working))
    return months
