"""When a calendar changes (a holiday notice imported, an override, a correction), armed working-time
clocks on it get new due times, and so do elapsed-time clocks whose deadline moves into working hours
("snap"): a changed day may change where such a deadline lands.

Each armed clock keeps the working time already elapsed: its due time is recomputed from its anchor and
offset with the changed calendar. Only clocks whose period [anchor, due] touches a changed day are read.
The work runs right after the change commits, in batches of one transaction each (an item's clocks stay in
one batch); each batch audits one event per item whose clocks moved and tells the owner of a limit that
moved by more than an hour (old → new, and why). Reminders and escalation rungs are armed clocks too and
move with their limit; fired clocks stay fired. A change left unfinished (a crash) is finished by the
worker: the recomputation is idempotent, so a clock already moved is not moved or announced again.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections import defaultdict
from dataclasses import dataclass
from typing import Any

from django.apps import apps
from django.db import models, transaction
from django.db.models import Q
from django.utils.translation import gettext as _

from xietong.clocks.models import Clock, ClockState, TimeMode, clock_limit_label
from xietong.clocks.timebase import SnappedWallClock
from xietong.core import clock as time_source
from xietong.core.audit import audit_record
from xietong.core.i18n import full_date_time, month_day_time
from xietong.core.memo import memo_scope
from xietong.workcal.engine import WorkingCalendar
from xietong.workcal.models import CalendarChange, WorkCalendar
from xietong.workcal.selectors import engine_for

logger = logging.getLogger("xietong.clocks")
BATCH = 500
LEASE = dt.timedelta(minutes=10)
# A due time that moved by more than this is worth a message to its owner; smaller moves only audit.
NOTICE_THRESHOLD = dt.timedelta(hours=1)


@dataclass
class RetimeResult:
    moved: int = 0  # clocks whose due time changed
    items: int = 0  # items audited
    told: int = 0  # owners told


def on_calendar_change(change: CalendarChange) -> None:
    """Listener of workcal's calendar_changed: re-time once the change has committed."""
    change_id = change.pk
    transaction.on_commit(lambda: retime_change(change_id), robust=True)


def retime_change(change_id: int) -> RetimeResult | None:
    """Re-time the armed clocks a change touches. None if another process holds (or finished) the change."""
    now = time_source.now()
    claimed = (
        CalendarChange.objects.filter(pk=change_id, retimed_at__isnull=True)
        .filter(Q(claimed_until__isnull=True) | Q(claimed_until__lt=now))
        .update(claimed_until=now + LEASE)
    )
    if not claimed:
        return None
    change = CalendarChange.objects.select_related("calendar", "actor").get(pk=change_id)
    result = RetimeResult()
    with memo_scope():
        engine = engine_for(WorkCalendar.objects.get(pk=change.calendar_id))
        for batch in _batches(_candidates(change, engine)):
            _retime_batch(batch, engine, change, result)
            CalendarChange.objects.filter(pk=change_id).update(claimed_until=time_source.now() + LEASE)
    CalendarChange.objects.filter(pk=change_id).update(
        retimed_at=time_source.now(), claimed_until=None, moved=result.moved
    )
    logger.info("calendar change %s: %s clocks moved on %s items", change_id, result.moved, result.items)
    return result


def retime_pending(batch_size: int = 200) -> int:
    """Worker sweep: finish calendar changes whose re-timing has not run (or died half-way)."""
    now = time_source.now()
    pending = list(
        CalendarChange.objects.filter(retimed_at__isnull=True)
        .filter(Q(claimed_until__isnull=True) | Q(claimed_until__lt=now))
        .order_by("created_at", "pk")
        .values_list("pk", flat=True)[:batch_size]
    )
    done = 0
    for change_id in pending:
        if retime_change(change_id) is not None:
            done += 1
    return done


def _candidates(change: CalendarChange, engine: WorkingCalendar) -> list[tuple[int, str, int]]:
    qs = Clock.objects.filter(calendar_id=change.calendar_id, state=ClockState.ARMED).filter(
        Q(mode=TimeMode.WORKING) | Q(mode=TimeMode.WALL, snap=True)
    )
    if change.first_day is not None and change.last_day is not None:
        # A changed day can only move a clock whose counting period overlaps it (for an elapsed clock that
        # snaps: whose raw deadline, after its anchor, comes before the day ends and whose due time is not before it).
        lo = dt.datetime.combine(change.first_day, dt.time(0), tzinfo=engine.tz)
        hi = dt.datetime.combine(change.last_day + dt.timedelta(days=1), dt.time(0), tzinfo=engine.tz)
        qs = qs.filter(anchor_at__lt=hi, due_at__gte=lo)
    return list(qs.order_by("subject_type", "subject_id", "pk").values_list("pk", "subject_type", "subject_id"))


def _batches(rows: list[tuple[int, str, int]]) -> list[list[int]]:
    """Ids in batches of about BATCH, never splitting one item's clocks."""
    batches: list[list[int]] = []
    current: list[int] = []
    previous: tuple[str, int] | None = None
    for pk, subject_type, subject_id in rows:
        subject = (subject_type, subject_id)
        if len(current) >= BATCH and subject != previous:
            batches.append(current)
            current = []
        current.append(pk)
        previous = subject
    if current:
        batches.append(current)
    return batches


def _retime_batch(ids: list[int], engine: WorkingCalendar, change: CalendarChange, result: RetimeResult) -> None:
    with transaction.atomic():
        rows = list(
            Clock.objects.select_for_update(of=("self",))
            .filter(pk__in=ids, state=ClockState.ARMED)
            .select_related("owner")
            .order_by("pk")
        )
        moved: list[tuple[Clock, dt.datetime]] = []
        snapped = SnappedWallClock(engine)
        for row in rows:
            base = engine if row.mode == TimeMode.WORKING else snapped
            due = base.add(row.anchor_at, dt.timedelta(microseconds=row.offset_us))
            if due != row.due_at:
                moved.append((row, row.due_at))
                row.due_at = due
        if not moved:
            return
        Clock.objects.bulk_update([row for row, _old in moved], ["due_at"])
        for row, old in moved:
            if row.kind == row.limit:
                # The limit's own clock moved: every clock of this arming shows the new limit due time.
                Clock.objects.filter(
                    subject_type=row.subject_type,
                    subject_id=row.subject_id,
                    limit=row.limit,
                    part=row.part,
                    limit_due_at=old,
                ).update(limit_due_at=row.due_at)
        by_subject: dict[tuple[str, int], list[tuple[Clock, dt.datetime]]] = defaultdict(list)
        for row, old in moved:
            by_subject[(row.subject_type, row.subject_id)].append((row, old))
        subjects = _subjects(list(by_subject))
        for key, entries in by_subject.items():
            subject = subjects.get(key)
            _audit(subject, key, entries, change, engine)
            result.items += 1
            if subject is not None:
                result.told += _tell_owners(subject, entries, change)
        result.moved += len(moved)


def _subjects(keys: list[tuple[str, int]]) -> dict[tuple[str, int], models.Model]:
    wanted: dict[str, list[int]] = defaultdict(list)
    for subject_type, subject_id in keys:
        wanted[subject_type].append(subject_id)
    found: dict[tuple[str, int], models.Model] = {}
    for label, pks in wanted.items():
        try:
            model = apps.get_model(label)
        except (LookupError, ValueError):
            continue
        for pk, obj in model._base_manager.in_bulk(pks).items():
            found[(label, pk)] = obj
    return found


def _clock_entry(row: Clock, due: dt.datetime) -> dict[str, Any]:
    return {"clock": row.pk, "limit": row.limit, "kind": row.kind, "level": row.level, "due_at": time_source.local(due)}


def _audit(
    subject: models.Model | None,
    key: tuple[str, int],
    entries: list[tuple[Clock, dt.datetime]],
    change: CalendarChange,
    engine: WorkingCalendar,
) -> None:
    audit_record(
        actor=change.actor,
        action="clock.retime",
        obj=subject,
        object_type=key[0],
        object_id=key[1],
        object_label=None if subject is not None else f"{key[0]}#{key[1]}",
        before={"clocks": [_clock_entry(row, old) for row, old in entries]},
        after={
            "clocks": [_clock_entry(row, row.due_at) for row, _old in entries],
            "reason": change.reason,
            "calendar": change.calendar.code,
            "calendar_version": change.version,
        },
    )


def _when(instant: dt.datetime) -> str:
    local = time_source.local(instant)
    return month_day_time(local) if local.year == time_source.local().year else full_date_time(local)


def _tell_owners(subject: models.Model, entries: list[tuple[Clock, dt.datetime]], change: CalendarChange) -> int:
    from xietong.clocks.handlers import notify_people as notify

    told = 0
    url = subject.get_absolute_url() if hasattr(subject, "get_absolute_url") else ""
    for row, old in entries:
        if row.kind != row.limit or row.owner is None or abs(row.due_at - old) <= NOTICE_THRESHOLD:
            continue
        limit = clock_limit_label(row)
        notify(
            recipients=[row.owner],
            kind="reminder",
            title=_("【时限调整】%(subject)s") % {"subject": subject},
            body=_("%(limit)s的到期时间由 %(old)s 调整为 %(new)s。原因：%(reason)s。")
            % {
                "limit": limit,
                "old": _when(old),
                "new": _when(row.due_at),
                "reason": change.reason,
            },
            url=url,
            subject=subject,
            dedupe_key=f"retime:{change.pk}:{row.pk}",
        )
        told += 1
    return told
