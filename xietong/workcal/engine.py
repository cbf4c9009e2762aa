"""Working-time arithmetic: pure functions of (calendar, instant, duration). No database, no clock.

A calendar compiles, per span of years, the list of working intervals as integer microseconds since the
epoch and a prefix sum of working time before each interval (an "odometer"). Adding working time or
measuring it between two instants is then two binary searches, whatever the span.

Which days are working days, in order of precedence:
1. an override row (an administrator's extra holiday or extra workday) always wins;
2. the statutory schedule: for a year imported from the State Council's notice (or a company's own iCalendar
   or Excel list) its days, else `chinesecalendar` for the years it covers — statutory holidays are off,
   adjusted working weekends (调休) are on;
3. the calendar's weekday pattern (Mon–Fri by default; a factory may work Mon–Sat).
A year neither source covers falls back to 3 (plus overrides) and is reported by
`statutory_published(year)` so that the admin and the command line can warn.

The hours of a working day: a date's own hours (a half-day holiday such as 三八妇女节下午), else the
weekday's own hours for a regular working day (Saturday 09:00–12:00), else the calendar's daily hours
(which 调休 and extra workdays also use: they stand in for a whole weekday).
"""

from __future__ import annotations

import datetime as dt
import enum
import re
from bisect import bisect_left, bisect_right
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from functools import cache
from zoneinfo import ZoneInfo

from django.conf import settings
from django.utils.translation import gettext, gettext_lazy


def _(message: str) -> str:
    """The reader's language inside Django (pages, commands); the Chinese original when the engine runs on
    its own (benchmarks), so that it needs no settings."""
    return gettext(message) if settings.configured else message


def gettext_noop(message: str) -> str:
    """Marks a string for the catalogue only (Django's gettext_noop needs configured settings)."""
    return message


EPOCH = dt.datetime(1970, 1, 1, tzinfo=dt.UTC)
MICRO = dt.timedelta(microseconds=1)
DEFAULT_PERIODS = ((dt.time(9, 0), dt.time(12, 0)), (dt.time(13, 30), dt.time(18, 0)))
MON_FRI = frozenset({0, 1, 2, 3, 4})
UNPUBLISHED_WARNING = gettext_lazy("该年度法定节假日未发布/未录入")


class DayKind(enum.Enum):
    WORKDAY = "workday"  # a regular working day by the weekday pattern
    REST_DAY = "rest_day"  # a regular day off by the weekday pattern (weekend)
    STATUTORY_HOLIDAY = "statutory_holiday"  # 法定节假日 (including the weekend days inside the break)
    ADJUSTED_WORKDAY = "adjusted_workday"  # 调休: a weekend day worked to make up for a holiday
    OVERRIDE_WORKDAY = "override_workday"  # an administrator's extra workday
    OVERRIDE_HOLIDAY = "override_holiday"  # an administrator's extra day off

    @property
    def is_working(self) -> bool:
        return self in {DayKind.WORKDAY, DayKind.ADJUSTED_WORKDAY, DayKind.OVERRIDE_WORKDAY}

    @property
    def label(self) -> str:
        return {
            DayKind.WORKDAY: _("工作日"),
            DayKind.REST_DAY: _("休息日"),
            DayKind.STATUTORY_HOLIDAY: _("法定节假日"),
            DayKind.ADJUSTED_WORKDAY: _("调休上班"),
            DayKind.OVERRIDE_WORKDAY: _("公司加班日"),
            DayKind.OVERRIDE_HOLIDAY: _("公司假日"),
        }[self]


# Stored in Chinese; shown through gettext(name) where a reader's language applies.
HOLIDAY_NAMES = {
    "New Year's Day": gettext_noop("元旦"),
    "Spring Festival": gettext_noop("春节"),
    "Tomb-sweeping Day": gettext_noop("清明节"),
    "Labour Day": gettext_noop("劳动节"),
    "Dragon Boat Festival": gettext_noop("端午节"),
    "National Day": gettext_noop("国庆节"),
    "Mid-autumn Festival": gettext_noop("中秋节"),
    "Anti-Fascist 70th Day": gettext_noop("中国人民抗日战争暨世界反法西斯战争胜利70周年纪念日"),
}


@dataclass(frozen=True)
class StatutoryDay:
    kind: DayKind
    name: str


@cache
def _statutory_table() -> tuple[dict[dt.date, StatutoryDay], int, int]:
    """The statutory schedule from chinesecalendar: date → holiday / adjusted workday, and years covered."""
    from chinese_calendar import constants

    table: dict[dt.date, StatutoryDay] = {}
    for day, name in constants.holidays.items():
        table[day] = StatutoryDay(DayKind.STATUTORY_HOLIDAY, HOLIDAY_NAMES.get(str(name), str(name)))
    for day, name in constants.workdays.items():
        if day.weekday() >= 5:  # 调休 are weekend days; a weekday listed there is an ordinary workday anyway
            table[day] = StatutoryDay(DayKind.ADJUSTED_WORKDAY, HOLIDAY_NAMES.get(str(name), str(name)))
    years = [d.year for d in constants.holidays]
    return table, min(years), max(years)


def statutory_years() -> tuple[int, int]:
    _table, first, last = _statutory_table()
    return first, last


Periods = tuple[tuple[dt.time, dt.time], ...]
# An imported year: (year, ((date, is_workday, holiday name), ...)). Its days replace chinesecalendar's for
# that year; a notice may also name days of the year before (元旦 2023 began on 31 December 2022).
PublishedYear = tuple[int, tuple[tuple[dt.date, bool, str], ...]]


@cache
def _merged_table(
    published: tuple[PublishedYear, ...], statutory: bool
) -> tuple[dict[dt.date, StatutoryDay], frozenset[int]]:
    """The statutory schedule a calendar counts with: chinesecalendar's (if it follows it) with every
    imported year in place of the shipped one; and the years covered."""
    base, first, last = _statutory_table()
    imported = {year for year, _days in published}
    table = {day: entry for day, entry in base.items() if day.year not in imported} if statutory else {}
    years = set(range(first, last + 1)) if statutory else set()
    for year, days in published:
        years.add(year)
        for day, is_workday, name in days:
            kind = DayKind.ADJUSTED_WORKDAY if is_workday else DayKind.STATUTORY_HOLIDAY
            table[day] = StatutoryDay(kind, name)
    return table, frozenset(years)


def _check_periods(periods: Periods) -> None:
    if not periods:
        raise ValueError(_("工作时段不能为空"))
    previous_end: dt.time | None = None
    for start, end in periods:
        if start >= end:
            raise ValueError(
                _("工作时段 %(start)s–%(end)s 的结束时间必须晚于开始时间")
                % {"start": f"{start:%H:%M}", "end": f"{end:%H:%M}"}
            )
        if previous_end is not None and start < previous_end:
            raise ValueError(_("工作时段必须按时间先后排列且互不重叠"))
        previous_end = end


def _to_micro(instant: dt.datetime) -> int:
    if instant.tzinfo is None:
        raise ValueError("working-time arithmetic needs aware datetimes")
    return (instant - EPOCH) // MICRO


def _from_micro(value: int) -> dt.datetime:
    return EPOCH + dt.timedelta(microseconds=value)


_fromtimestamp = dt.datetime.fromtimestamp


def _local(value: int, tz: ZoneInfo) -> dt.datetime:
    seconds, micro = divmod(value, 1_000_000)
    result = dt.datetime.fromtimestamp(seconds, tz)
    return result.replace(microsecond=micro) if micro else result


@dataclass(frozen=True)
class CalendarSpec:
    """Everything that defines a working calendar, as plain values (hashable, so compiled ones are cached)."""

    time_zone: str = "Asia/Shanghai"
    periods: tuple[tuple[dt.time, dt.time], ...] = DEFAULT_PERIODS
    workdays: frozenset[int] = MON_FRI  # weekday numbers, Monday = 0
    statutory: bool = True  # follow the Chinese statutory schedule (holidays and 调休)
    overrides: tuple[tuple[dt.date, bool], ...] = ()  # (date, is_workday), always win
    published: tuple[PublishedYear, ...] = ()  # imported years, in place of chinesecalendar's
    weekday_periods: tuple[tuple[int, Periods], ...] = ()  # (weekday, hours) of regular working days
    day_periods: tuple[tuple[dt.date, Periods], ...] = ()  # (date, hours) when that date is worked

    def __post_init__(self) -> None:
        _check_periods(self.periods)
        for _weekday, periods in self.weekday_periods:
            _check_periods(periods)
        for _day, periods in self.day_periods:
            _check_periods(periods)
        if not {w for w, _p in self.weekday_periods} <= set(range(7)):
            raise ValueError(_("工作日只能是星期一（0）到星期日（6）"))
        if not self.workdays <= set(range(7)):
            raise ValueError(_("工作日只能是星期一（0）到星期日（6）"))
        ZoneInfo(self.time_zone)


@dataclass(slots=True)
class _Compiled:
    first_year: int
    last_year: int
    lo: int = 0  # first microsecond of first_year (calendar time zone)
    hi: int = 0  # first microsecond after last_year
    starts: list[int] = field(default_factory=list)
    ends: list[int] = field(default_factory=list)
    cum: list[int] = field(default_factory=list)  # working microseconds before interval i
    cum_end: list[int] = field(default_factory=list)  # working microseconds up to the end of interval i


class WorkingCalendar:
    """Working-time arithmetic over one CalendarSpec. Instances are cheap to query and safe to share."""

    def __init__(self, spec: CalendarSpec | None = None):
        self.spec = spec or CalendarSpec()
        self.tz = ZoneInfo(self.spec.time_zone)
        self._overrides: dict[dt.date, bool] = dict(self.spec.overrides)
        self._table, self._years = _merged_table(self.spec.published, self.spec.statutory)
        self._weekday_periods: dict[int, Periods] = dict(self.spec.weekday_periods)
        self._day_periods: dict[dt.date, Periods] = dict(self.spec.day_periods)
        self._compiled: _Compiled | None = None
        self.day_length = sum(
            (
                dt.datetime.combine(dt.date.min, end) - dt.datetime.combine(dt.date.min, start)
                for start, end in self.spec.periods
            ),
            dt.timedelta(),
        )

    # --- days ---------------------------------------------------------------------------------------
    def day_kind(self, day: dt.date) -> DayKind:
        override = self._overrides.get(day)
        if override is not None:
            return DayKind.OVERRIDE_WORKDAY if override else DayKind.OVERRIDE_HOLIDAY
        statutory = self._table.get(day)
        if statutory is not None:
            return statutory.kind
        return DayKind.WORKDAY if day.weekday() in self.spec.workdays else DayKind.REST_DAY

    def periods_on(self, day: dt.date, kind: DayKind | None = None) -> Periods:
        """The working hours of `day` if it is worked (see the module's docstring)."""
        own = self._day_periods.get(day)
        if own is not None:
            return own
        if (kind or self.day_kind(day)) is DayKind.WORKDAY:
            return self._weekday_periods.get(day.weekday(), self.spec.periods)
        return self.spec.periods

    def day_name(self, day: dt.date) -> str:
        """The holiday's name (e.g. 春节) for statutory days, else ""."""
        if day in self._overrides:
            return ""
        statutory = self._table.get(day)
        return statutory.name if statutory else ""

    def day_description(self, day: dt.date) -> str:
        """What a non-working day is, for people: the holiday's name (国庆节) or the kind (休息日)."""
        name = self.day_name(day)
        return _(name) if name else self.day_kind(day).label

    def is_working_day(self, day: dt.date) -> bool:
        return self.day_kind(day).is_working

    def statutory_published(self, year: int) -> bool:
        """False when the statutory schedule for `year` is unknown and no override covers that year."""
        if not self.spec.statutory or year in self._years:
            return True
        return any(day.year == year for day in self._overrides)

    def next_working_day(self, day: dt.date, *, include_today: bool = False) -> dt.date:
        current = day if include_today else day + dt.timedelta(days=1)
        for _attempt in range(400):
            if self.is_working_day(current):
                return current
            current += dt.timedelta(days=1)
        raise ValueError(_("一年内没有工作日：请检查日历设置"))

    def add_working_days(self, day: dt.date, n: int) -> dt.date:
        """The n-th working day after `day` (n = 0: `day` itself if it is a working day, else the next one)."""
        if n < 0:
            raise ValueError("n must not be negative")
        current = self.next_working_day(day, include_today=True) if n == 0 else day
        for _step in range(n):
            current = self.next_working_day(current)
        return current

    def previous_working_day(self, day: dt.date, *, include_today: bool = False) -> dt.date:
        """The working day before `day` (or `day` itself with include_today, if it is one) — the way back of
        next_working_day: weekends and statutory holidays skipped, a 调休 Saturday counted."""
        current = day if include_today else day - dt.timedelta(days=1)
        for _attempt in range(400):
            if self.is_working_day(current):
                return current
            current -= dt.timedelta(days=1)
        raise ValueError(_("一年内没有工作日：请检查日历设置"))

    def subtract_working_days(self, day: dt.date, n: int) -> dt.date:
        """The n-th working day before `day` (提前2个工作日: n = 2; n = 0: `day` itself if it is a working day,
        else the one before) — add_working_days counted backwards."""
        if n < 0:
            raise ValueError("n must not be negative")
        current = self.previous_working_day(day, include_today=True) if n == 0 else day
        for _step in range(n):
            current = self.previous_working_day(current)
        return current

    def day_end(self, day: dt.date) -> dt.datetime:
        """The end of `day`'s working hours (18:00; 12:00 on a Saturday morning or a half day)."""
        return self.at(day, self.periods_on(day)[-1][1])

    def at(self, day: dt.date, time: dt.time) -> dt.datetime:
        """`day` at wall-clock `time` in the calendar's time zone (e.g. 下一个工作日 17:00)."""
        return dt.datetime.combine(day, time, tzinfo=self.tz)

    def working_days(self, first: dt.date, last: dt.date) -> Iterable[dt.date]:
        current = first
        while current <= last:
            if self.is_working_day(current):
                yield current
            current += dt.timedelta(days=1)

    # --- compiled intervals -------------------------------------------------------------------------
    def _compile(self, first_year: int, last_year: int) -> _Compiled:
        compiled = _Compiled(first_year, last_year)
        compiled.lo = _to_micro(dt.datetime(first_year, 1, 1, tzinfo=self.tz))
        compiled.hi = _to_micro(dt.datetime(last_year + 1, 1, 1, tzinfo=self.tz))
        total = 0
        day = dt.date(first_year, 1, 1)
        end_day = dt.date(last_year, 12, 31)
        one_day = dt.timedelta(days=1)
        default, by_weekday, by_day = self.spec.periods, self._weekday_periods, self._day_periods
        while day <= end_day:
            kind = self.day_kind(day)
            if kind.is_working:
                periods = by_day.get(day) if by_day else None
                if periods is None:
                    periods = by_weekday.get(day.weekday(), default) if kind is DayKind.WORKDAY else default
                for start, end in periods:
                    s = _to_micro(dt.datetime.combine(day, start, tzinfo=self.tz))
                    e = _to_micro(dt.datetime.combine(day, end, tzinfo=self.tz))
                    compiled.starts.append(s)
                    compiled.ends.append(e)
                    compiled.cum.append(total)
                    total += e - s
                    compiled.cum_end.append(total)
            day += one_day
        return compiled

    def _covering(self, *instants_micro: int) -> _Compiled:
        """Compiled intervals covering the given instants (compiling a wider span of years when needed)."""
        compiled = self._compiled
        if compiled is not None and all(compiled.lo <= v < compiled.hi for v in instants_micro):
            return compiled
        years = [_from_micro(v).astimezone(self.tz).year for v in instants_micro]
        first, last = min(years) - 1, max(years) + 2
        if compiled is not None:
            first, last = min(first, compiled.first_year), max(last, compiled.last_year)
        compiled = self._compile(first, last)
        self._compiled = compiled
        return compiled

    def _odometer(self, compiled: _Compiled, t: int) -> int:
        """Working microseconds from the start of the compiled span up to instant t."""
        i = bisect_right(compiled.starts, t) - 1
        if i < 0:
            return 0
        if t < compiled.ends[i]:
            return compiled.cum[i] + (t - compiled.starts[i])
        return compiled.cum_end[i]

    # --- instants -----------------------------------------------------------------------------------
    def is_working_time(self, instant: dt.datetime) -> bool:
        t = _to_micro(instant)
        compiled = self._covering(t)
        i = bisect_right(compiled.starts, t) - 1
        return i >= 0 and t < compiled.ends[i]

    def next_working_instant(self, instant: dt.datetime) -> dt.datetime:
        """`instant` itself during working time, else the start of the next working period."""
        t = _to_micro(instant)
        compiled = self._covering(t)
        i = bisect_right(compiled.starts, t) - 1
        if i >= 0 and t < compiled.ends[i]:
            return instant
        if i + 1 >= len(compiled.starts):
            compiled = self._covering(t, t + 400 * 86_400_000_000)
            i = bisect_right(compiled.starts, t) - 1
        return _local(compiled.starts[i + 1], self.tz)

    def add(self, instant: dt.datetime, duration: dt.timedelta) -> dt.datetime:
        """The instant when `duration` of working time has passed after `instant`.

        Time outside working hours does not count: 2 working hours from 20:00 on the Friday before a
        holiday end at 11:00 on the first working morning after it. A duration that ends exactly at the
        end of a working period ends there (18:00), not at the next morning's start.
        """
        # This is the hot path (hundreds of thousands of calls per second): the odometer is inlined
        # and attribute lookups are kept to a minimum.
        amount = duration // MICRO
        if amount <= 0:
            if amount < 0:
                raise ValueError("duration must not be negative")
            return self.next_working_instant(instant)
        t = (instant - EPOCH) // MICRO
        compiled = self._compiled
        if compiled is None or not compiled.lo <= t < compiled.hi:
            compiled = self._covering(t)
        starts = compiled.starts
        cum_end = compiled.cum_end
        i = bisect_right(starts, t) - 1
        if i < 0:
            target = amount
        elif t < compiled.ends[i]:
            target = compiled.cum[i] + (t - starts[i]) + amount
        else:
            target = cum_end[i] + amount
        if target > cum_end[-1]:
            # Far beyond the compiled span: extend by the calendar-time the duration can at most need.
            days = amount // max(1, self.day_length // MICRO) + 1
            compiled = self._covering(t, t + int(days * 7 / max(1, len(self.spec.workdays)) + 400) * 86_400_000_000)
            target = self._odometer(compiled, t) + amount
            starts, cum_end = compiled.starts, compiled.cum_end
        j = bisect_left(cum_end, target)
        seconds, micro = divmod(starts[j] + (target - compiled.cum[j]), 1_000_000)
        result = _fromtimestamp(seconds, self.tz)
        return result.replace(microsecond=micro) if micro else result

    def between(self, start: dt.datetime, end: dt.datetime) -> dt.timedelta:
        """Working time from `start` to `end` (negative if `end` is earlier)."""
        a, b = (start - EPOCH) // MICRO, (end - EPOCH) // MICRO
        compiled = self._compiled
        if compiled is None or not (compiled.lo <= a < compiled.hi and compiled.lo <= b < compiled.hi):
            compiled = self._covering(a, b)
        return dt.timedelta(microseconds=self._odometer(compiled, b) - self._odometer(compiled, a))


@dataclass(frozen=True)
class WallClock:
    """Wall-clock time for emergencies: the same interface, holidays and nights count like any time."""

    tz: ZoneInfo = field(default_factory=lambda: ZoneInfo("Asia/Shanghai"))
    day_length: dt.timedelta = dt.timedelta(hours=24)

    def add(self, instant: dt.datetime, duration: dt.timedelta) -> dt.datetime:
        if duration < dt.timedelta(0):
            raise ValueError("duration must not be negative")
        return (instant + duration).astimezone(self.tz)

    def between(self, start: dt.datetime, end: dt.datetime) -> dt.timedelta:
        return end - start


# --- Durations and instants as people type them ---------------------------------------------------
_DURATION_PART = re.compile(r"(\d+)\s*(d|h|m|天|日|小时|时|分钟|分)", re.IGNORECASE)


@dataclass(frozen=True)
class Duration:
    """A duration as written: whole days plus minutes. A day means one working day (the calendar's
    working hours) in working time, and 24 hours in wall time."""

    days: int = 0
    minutes: int = 0

    def to_timedelta(self, day_length: dt.timedelta) -> dt.timedelta:
        return self.days * day_length + dt.timedelta(minutes=self.minutes)

    def __str__(self) -> str:
        parts = []
        if self.days:
            parts.append(f"{self.days}d")
        hours, minutes = divmod(self.minutes, 60)
        if hours:
            parts.append(f"{hours}h")
        if minutes or not parts:
            parts.append(f"{minutes}m")
        return "".join(parts)


def parse_duration(text: str) -> Duration:
    """Parse "2h", "30m", "1d", "1d4h", "1d4h30m" (also 2小时, 30分钟, 1天). Errors name the bad part."""
    raw = (text or "").strip()
    if not raw:
        raise ValueError(_("时长不能为空，例如 2h、30m、1d、1d4h"))
    position = 0
    days = minutes = 0
    compact = raw.replace(" ", "")
    for match in _DURATION_PART.finditer(compact):
        if match.start() != position:
            bad = compact[position : match.start()]
            raise ValueError(
                _("无法解析时长“%(raw)s”：看不懂“%(bad)s”（可用单位 d、h、m，例如 1d4h30m）") % {"raw": raw, "bad": bad}
            )
        value, unit = int(match.group(1)), match.group(2).lower()
        if unit in {"d", "天", "日"}:
            days += value
        elif unit in {"h", "小时", "时"}:
            minutes += value * 60
        else:
            minutes += value
        position = match.end()
    if position != len(compact):
        bad = compact[position:]
        raise ValueError(
            _("无法解析时长“%(raw)s”：看不懂“%(bad)s”（可用单位 d、h、m，例如 1d4h30m）") % {"raw": raw, "bad": bad}
        )
    if days > 3660 or minutes > 60 * 24 * 3660:
        raise ValueError(_("时长“%(raw)s”过长（最多约 10 年）") % {"raw": raw})
    return Duration(days, minutes)


_INSTANT = re.compile(
    r"^(?P<date>\d{4}-\d{1,2}-\d{1,2})(?:[ T](?P<time>\d{1,2}:\d{2}(?::\d{2}(?:\.\d{1,6})?)?))?(?P<tz>Z|[+-]\d{2}:?\d{2})?$"
)


def parse_instant(text: str, tz: ZoneInfo) -> dt.datetime:
    """Parse "2026-09-30 17:00" (local to `tz`), "2026-09-30T17:00+08:00", or a date (00:00)."""
    raw = (text or "").strip()
    match = _INSTANT.match(raw)
    if not match:
        raise ValueError(_("无法解析时间“%(raw)s”：应为 YYYY-MM-DD HH:MM，例如 2026-09-30 17:00") % {"raw": raw})
    try:
        day = dt.date.fromisoformat("-".join(part.zfill(2) for part in match.group("date").split("-")))
    except ValueError as exc:
        raise ValueError(
            _("无法解析时间“%(raw)s”：日期“%(date)s”不存在") % {"raw": raw, "date": match.group("date")}
        ) from exc
    clock_text = match.group("time") or "00:00"
    try:
        hour, minute, *rest = clock_text.split(":")
        time = dt.time(int(hour), int(minute), *(int(float(rest[0])),) if rest else ())
    except ValueError as exc:
        raise ValueError(_("无法解析时间“%(raw)s”：时刻“%(time)s”不存在") % {"raw": raw, "time": clock_text}) from exc
    offset = match.group("tz")
    if offset:
        if offset == "Z":
            zone: dt.tzinfo = dt.UTC
        else:
            sign = 1 if offset[0] == "+" else -1
            digits = offset[1:].replace(":", "")
            zone = dt.timezone(sign * dt.timedelta(hours=int(digits[:2]), minutes=int(digits[2:])))
        return dt.datetime.combine(day, time, tzinfo=zone)
    return dt.datetime.combine(day, time, tzinfo=tz)


def overrides_from(rows: Mapping[dt.date, bool] | Iterable[tuple[dt.date, bool]]) -> tuple[tuple[dt.date, bool], ...]:
    items = rows.items() if isinstance(rows, Mapping) else rows
    return tuple(sorted(items))
