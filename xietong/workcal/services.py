"""Changes to calendars. Every change bumps the calendar's version (so compiled engines refresh, in every
process: they are cached per (calendar, version)), records which days changed and tells the listeners (the
clocks re-time their armed due times once it commits) in the same transaction."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import PurePath

from django.db import transaction
from django.db.models import F, Q
from django.utils.translation import gettext as _

from xietong.core import clock
from xietong.core.audit import audit_record
from xietong.core.memo import forget
from xietong.core.office import decode_text, docx_text
from xietong.workcal.engine import WorkingCalendar
from xietong.workcal.excel import parse_sheet
from xietong.workcal.ical import parse_ical
from xietong.workcal.models import (
    CalendarChange,
    HolidayDay,
    HolidayFeed,
    HolidaySchedule,
    HolidaySource,
    WorkCalendar,
)
from xietong.workcal.notice import LineProblem, NoticeError, ParsedNotice, parse_notice
from xietong.workcal.selectors import engine_for

_listeners: list[Callable[[CalendarChange], object]] = []
# A change listing more days than this keeps only its first and last (hours changed: every day did).
_MAX_LISTED_DAYS = 400


def on_calendar_changed(listener: Callable[[CalendarChange], object]) -> None:
    if listener not in _listeners:
        _listeners.append(listener)


@transaction.atomic
def calendar_changed(
    calendar: WorkCalendar,
    *,
    days: Iterable[dt.date] | None = None,
    reason: str = "",
    actor=None,
) -> CalendarChange | None:
    """`calendar` changed on `days` (None: its hours or weekdays changed, so any day may have). Returns the
    recorded change, or None when no day changed (the version is bumped all the same)."""
    WorkCalendar.objects.filter(pk=calendar.pk).update(version=F("version") + 1)
    calendar.refresh_from_db(fields=["version"])
    forget()  # a memoized calendar would still carry the old version
    listed = sorted(set(days)) if days is not None else None
    if listed == []:
        return None
    change = CalendarChange.objects.create(
        calendar=calendar,
        version=calendar.version,
        first_day=listed[0] if listed else None,
        last_day=listed[-1] if listed else None,
        days=[d.isoformat() for d in listed] if listed and len(listed) <= _MAX_LISTED_DAYS else [],
        reason=(reason or _("日历“%(name)s”设置变更") % {"name": calendar.name})[:255],
        actor=actor if getattr(actor, "pk", None) else None,
    )
    for listener in _listeners:
        listener(change)
    return change


def changed_days(old: WorkingCalendar, new: WorkingCalendar, years: Iterable[int]) -> list[dt.date]:
    """The days of `years` on which working time differs between two engines (worked or not, or hours)."""
    found = []
    for year in sorted(set(years)):
        day = dt.date(year, 1, 1)
        while day.year == year:
            before, after = old.day_kind(day), new.day_kind(day)
            if before.is_working != after.is_working or (
                after.is_working and old.periods_on(day, before) != new.periods_on(day, after)
            ):
                found.append(day)
            day += dt.timedelta(days=1)
    return found


# --- Importing a year of holidays ----------------------------------------------------------------
@dataclass
class HolidayImport:
    """What an import did: the recorded year, and per calendar the days that changed."""

    schedule: HolidaySchedule
    replaced: bool
    changed: dict[WorkCalendar, list[dt.date]] = field(default_factory=dict)
    changes: list[CalendarChange] = field(default_factory=list)


def notice_text_of_file(name: str, data: bytes) -> str:
    """The notice's text from an uploaded .txt or .docx (the State Council's site offers both)."""
    suffix = PurePath(name).suffix.lower()
    if suffix == ".docx":
        try:
            return docx_text(data)
        except Exception as exc:  # a damaged or renamed file: say so, never a 500
            raise NoticeError([LineProblem(0, "", _("无法读取 Word 文件：%(error)s") % {"error": exc})]) from exc
    if suffix in (".txt", ".text", ""):
        return decode_text(data)
    raise NoticeError([LineProblem(0, "", _("只能导入 .txt 或 .docx 文件（收到 %(name)s）") % {"name": name})])


def affected_calendars(calendar: WorkCalendar | None, year: int) -> list[WorkCalendar]:
    """The calendars a year's schedule applies to: the one named, or every calendar that follows the
    statutory schedule and has no schedule of its own for that year."""
    if calendar is not None:
        return [calendar]
    own = HolidaySchedule.objects.filter(year=year, calendar__isnull=False).values("calendar_id")
    return list(WorkCalendar.objects.filter(statutory=True).exclude(pk__in=own).order_by("pk"))


@transaction.atomic
def holidays_import(
    *,
    year: int,
    title: str,
    days: list[tuple[dt.date, bool, str]],
    source: str,
    actor,
    calendar: WorkCalendar | None = None,
    issued_on: dt.date | None = None,
    document_number: str = "",
    source_text: str = "",
    source_url: str = "",
) -> HolidayImport:
    """Record `year` as published: its holidays and make-up workdays replace the shipped data (or an
    earlier import of the same year: a correction) for `calendar`, or nationally. Audited; every affected
    calendar's armed clocks are re-timed once this commits."""
    calendars = affected_calendars(calendar, year)
    old_engines = {c.pk: engine_for(c) for c in calendars}
    schedule = HolidaySchedule.objects.select_for_update().filter(year=year, calendar=calendar).first()
    replaced = schedule is not None
    before = _schedule_snapshot(schedule) if schedule is not None else None
    if schedule is None:
        schedule = HolidaySchedule(year=year, calendar=calendar)
    schedule.source = source
    schedule.title = title[:200]
    schedule.issued_on = issued_on
    schedule.document_number = document_number[:60]
    schedule.source_text = source_text
    schedule.source_url = source_url
    schedule.imported_by = actor if getattr(actor, "pk", None) else None
    schedule.save()
    schedule.days.all().delete()
    HolidayDay.objects.bulk_create(
        [
            HolidayDay(schedule=schedule, date=day, is_workday=is_workday, name=name[:60])
            for day, is_workday, name in days
        ]
    )
    after = _schedule_snapshot(schedule)
    audit_record(
        actor=actor,
        action="workcal.holidays.correct" if replaced else "workcal.holidays.import",
        obj=schedule,
        before=before,
        after=after,
    )
    outcome = HolidayImport(schedule, replaced)
    years = {year} | {day.year for day, _w, _n in days}
    if before is not None:
        years |= {d.year for d in before["holidays"] + before["workdays"]}
    if replaced:
        reason = _("按《%(title)s》更正 %(year)d 年节假日") % {"title": title, "year": year}
    else:
        reason = _("导入《%(title)s》") % {"title": title}
    _apply(calendars, old_engines, years, reason, actor, outcome)
    return outcome


def _apply(
    calendars: list[WorkCalendar],
    old_engines: dict[int, WorkingCalendar],
    years: set[int],
    reason: str,
    actor,
    outcome: HolidayImport,
) -> None:
    """Each calendar's days that now count differently, recorded as a change (its clocks re-timed)."""
    for target in calendars:
        new_engine = WorkingCalendar(WorkCalendar.objects.get(pk=target.pk).spec())
        changed = changed_days(old_engines[target.pk], new_engine, years)
        outcome.changed[target] = changed
        change = calendar_changed(target, days=changed, reason=reason, actor=actor)
        if change is not None:
            outcome.changes.append(change)


@transaction.atomic
def holidays_withdraw(*, schedule: HolidaySchedule, actor) -> HolidayImport:
    """Delete an imported year: its calendars count it as before (the shipped data, or the weekday pattern)."""
    calendars = affected_calendars(schedule.calendar, schedule.year)
    old_engines = {c.pk: engine_for(c) for c in calendars}
    before = _schedule_snapshot(schedule)
    audit_record(actor=actor, action="workcal.holidays.delete", obj=schedule, before=before)
    outcome = HolidayImport(schedule, replaced=True)
    years = {schedule.year} | {d.year for d in before["holidays"] + before["workdays"]}
    reason = _("撤销《%(title)s》") % {"title": schedule.title}
    schedule.delete()
    _apply(calendars, old_engines, years, reason, actor, outcome)
    return outcome


def _schedule_snapshot(schedule: HolidaySchedule) -> dict:
    days = list(schedule.days.order_by("date").values_list("date", "is_workday"))
    return {
        "year": schedule.year,
        "calendar": schedule.calendar.code if schedule.calendar is not None else None,
        "source": schedule.source,
        "title": schedule.title,
        "issued_on": schedule.issued_on,
        "document_number": schedule.document_number,
        "holidays": [d for d, is_workday in days if not is_workday],
        "workdays": [d for d, is_workday in days if is_workday],
    }


def notice_import(*, text: str, actor, calendar: WorkCalendar | None = None) -> tuple[ParsedNotice, HolidayImport]:
    """Parse the State Council's notice and record its year. A refused text raises NoticeError and
    changes nothing."""
    parsed = parse_notice(text)
    outcome = holidays_import(
        year=parsed.year,
        title=parsed.title,
        days=[(d.date, d.is_workday, d.name) for d in parsed.days],
        source=HolidaySource.NOTICE,
        actor=actor,
        calendar=calendar,
        issued_on=parsed.issued_on,
        document_number=parsed.document_number,
        source_text=text,
    )
    return parsed, outcome


# --- A company's own holidays from iCalendar ---------------------------------------------------------
FEED_INTERVAL = dt.timedelta(days=1)
FEED_MAX_BYTES = 2 * 1024 * 1024


def ical_import(*, data: bytes, source: str, actor, calendar: WorkCalendar | None = None) -> list[HolidayImport]:
    """Record every year an iCalendar file holds (`source`: its address or file name). A year whose days
    are already recorded exactly so is left alone: a daily refresh of an unchanged feed changes nothing."""
    return years_import(
        by_year=parse_ical(data).by_year,
        source=HolidaySource.ICAL,
        title=_("%(year)d 年节假日（iCalendar：%(source)s）"),
        label=source,
        source_text=decode_text(data)[:200_000],
        source_url=source if source.startswith(("http://", "https://")) else "",
        actor=actor,
        calendar=calendar,
    )


def excel_import(*, data: bytes, name: str, actor, calendar: WorkCalendar | None = None) -> list[HolidayImport]:
    """Record every year of an Excel sheet made from the template (raises SheetError naming the row)."""
    return years_import(
        by_year=parse_sheet(data),
        source=HolidaySource.EXCEL,
        title=_("%(year)d 年节假日（Excel：%(source)s）"),
        label=name,
        source_text="",
        source_url="",
        actor=actor,
        calendar=calendar,
    )


def years_import(
    *,
    by_year: dict[int, list[tuple[dt.date, bool, str]]],
    source: str,
    title: str,
    label: str,
    source_text: str,
    source_url: str,
    actor,
    calendar: WorkCalendar | None,
) -> list[HolidayImport]:
    outcomes = []
    for year, days in sorted(by_year.items()):
        existing = HolidaySchedule.objects.filter(year=year, calendar=calendar).first()
        if existing is not None and sorted(existing.days.values_list("date", "is_workday", "name")) == days:
            continue
        outcomes.append(
            holidays_import(
                year=year,
                title=title % {"year": year, "source": label[:120]},
                days=days,
                source=source,
                actor=actor,
                calendar=calendar,
                source_text=source_text,
                source_url=source_url,
            )
        )
    return outcomes


def feed_fetch(url: str) -> bytes:
    import httpx

    with httpx.stream("GET", url, timeout=10, follow_redirects=True) as response:
        response.raise_for_status()
        data = b""
        for chunk in response.iter_bytes():
            data += chunk
            if len(data) > FEED_MAX_BYTES:
                raise ValueError(_("订阅内容超过 2 MB，不像节假日日历"))
        return data


def feed_refresh(feed: HolidayFeed) -> list[HolidayImport]:
    """Fetch one subscription now and record what changed; the error (in Chinese) is kept on the feed."""
    now = clock.now()
    try:
        outcomes = ical_import(data=feed_fetch(feed.url), source=feed.url, actor=None, calendar=feed.calendar)
    except Exception as exc:  # a feed that is down or broken must not stop the worker; it is retried tomorrow
        HolidayFeed.objects.filter(pk=feed.pk).update(checked_at=now, last_error=str(exc)[:500])
        return []
    HolidayFeed.objects.filter(pk=feed.pk).update(checked_at=now, succeeded_at=now, last_error="")
    return outcomes


def holiday_feeds_refresh(batch_size: int = 20) -> int:
    """Worker sweep: refresh every active subscription not checked for a day. Returns feeds refreshed."""
    now = clock.now()
    due = HolidayFeed.objects.filter(is_active=True).filter(
        Q(checked_at__isnull=True) | Q(checked_at__lte=now - FEED_INTERVAL)
    )
    refreshed = 0
    for feed in due.select_related("calendar").order_by("pk")[:batch_size]:
        # Claim it: another worker that read the same row finds checked_at changed and skips it.
        claimed = HolidayFeed.objects.filter(pk=feed.pk, checked_at=feed.checked_at).update(checked_at=now)
        if not claimed:
            continue
        feed_refresh(feed)
        refreshed += 1
    return refreshed
