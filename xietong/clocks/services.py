"""Arming, pausing, cancelling and firing clocks.

Process services call `clock_arm` / `clock_cancel` / `clock_pause` / `clock_resume` inside their own
transaction, so a state change and its clocks commit together. The worker calls `clock_fire_due`, which
claims a batch of due clocks at a time (FOR UPDATE SKIP LOCKED on PostgreSQL, XIETONG_CLOCK_BATCH rows)
and handles the batch in one transaction: lock their items, mark fired, run the rules, notifications,
then the escalations, next escalation levels, clock states and audit events in bulk. A crash rolls the
whole batch back, so nothing fires twice and nothing is lost.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections import defaultdict
from contextvars import ContextVar
from dataclasses import dataclass, field
from typing import Any

from django.apps import apps
from django.conf import settings
from django.db import models, transaction
from django.db.models import Case, F, Q, Value, When, prefetch_related_objects
from django.utils.translation import gettext as _

from xietong.clocks.basis import policy_basis
from xietong.clocks.handlers import notify_batch, run_due, run_remind
from xietong.clocks.ladder import ladder_target, with_stand_ins
from xietong.clocks.models import (
    Clock,
    ClockKind,
    ClockPolicy,
    ClockState,
    CountedFrom,
    Escalation,
    EscalationLadder,
    EscalationStep,
    StepTarget,
    TimeMode,
    clock_limit_label,
)
from xietong.clocks.scheduled import policy_in_effect
from xietong.clocks.timebase import timebase
from xietong.core import clock as time_source
from xietong.core.audit import audit_build, audit_record
from xietong.core.i18n import month_day_time
from xietong.core.memo import memo_scope, memoized
from xietong.core.models import AuditEvent
from xietong.org.models import Department, Person, Project
from xietong.org.standins import current_absences
from xietong.workcal.engine import MICRO, parse_duration
from xietong.workcal.models import WorkCalendar
from xietong.workcal.selectors import clock_calendar

logger = logging.getLogger("xietong.clocks")
LIVE = (ClockState.ARMED, ClockState.PAUSED)


def subject_key(subject: models.Model) -> tuple[str, int]:
    return subject._meta.label_lower, int(subject.pk)


def policy_for(process: str, kind: str, priority: str = "*") -> ClockPolicy | None:
    """The active policy for this limit: the priority's own row, else the "*" row. Read once per unit of
    work (core.memo): a step arms its clock and its message quotes the same limit."""
    return memoized(("clock-policy", process, kind, priority), lambda: _policy_query(process, kind, priority))


def _policy_query(process: str, kind: str, priority: str) -> ClockPolicy | None:
    rows = {
        p.priority: p
        for p in ClockPolicy.objects.filter(
            process=process, kind=kind, is_active=True, priority__in=[priority, "*"]
        ).select_related("ladder")
    }
    return rows.get(priority) or rows.get("*")


def _us(delta: dt.timedelta) -> int:
    return delta // MICRO


def _from_us(value: int) -> dt.timedelta:
    return dt.timedelta(microseconds=value)


def clock_arm(
    *,
    subject: models.Model,
    process: str,
    limit: str,
    priority: str = "*",
    owner: Person | None,
    department: Department | None = None,
    project: Project | None = None,
    calendar: WorkCalendar | None = None,
    start: dt.datetime | None = None,
    due_at: dt.datetime | None = None,
    part: str = "",
) -> Clock | None:
    """Start the time limit `limit` on `subject` according to its policy, replacing any live one.

    The due time is the policy's duration after `start` (default: now), counted in the policy's time
    mode and calendar; or a fixed `due_at` (e.g. 17:00 today, a task's end date). The calendar is the one
    of whoever must act: the owner's own, their department's, the responsible department's, the project's,
    the default (see workcal.selectors.clock_calendar) — unless the caller names one. Reminder and first
    escalation clocks are armed alongside. Returns the limit's own clock, or None if no active policy.
    A `part` arms one person's share of the limit (clock_arm_parts), replacing only that share's clock.
    """
    policy = policy_for(process, limit, priority)
    if policy is None:
        logger.info("no active policy for %s/%s/%s: no clock armed", process, priority, limit)
        return None
    clock_cancel(subject=subject, limit=limit, part=part if part else None)
    rows = _arming(
        policy,
        subject=subject,
        limit=limit,
        part=part,
        owner=owner,
        department=department,
        project=project,
        calendar=calendar,
        start=start or time_source.now(),
        due_at=due_at,
    )
    Clock.objects.bulk_create(rows)
    return rows[0]


@dataclass(frozen=True)
class Share:
    """One person's share of a limit several people answer to: its key, who must act, when their time starts."""

    part: str
    owner: Person
    start: dt.datetime
    due_at: dt.datetime | None = None  # a fixed deadline (before a date: 提前2个工作日); None: the policy's duration


def clock_arm_parts(
    *,
    subject: models.Model,
    process: str,
    limit: str,
    shares: list[Share],
    priority: str = "*",
    department: Department | None = None,
    project: Project | None = None,
) -> list[Clock]:
    """Arm the limit once per share, each on its own clock (owner, reminder, escalation ladder), in one
    insert — 会签: every approver answers for their own part. The shares are new: none has a live clock
    (the caller arms those it found without one; `clock_cancel` first to replace)."""
    if not shares:
        return []
    policy = policy_for(process, limit, priority)
    if policy is None:
        logger.info("no active policy for %s/%s/%s: no clock armed", process, priority, limit)
        return []
    rows: list[Clock] = []
    mains = []
    for share in shares:
        armed = _arming(
            policy,
            subject=subject,
            limit=limit,
            part=share.part,
            owner=share.owner,
            department=department,
            project=project,
            calendar=None,
            start=share.start,
            due_at=share.due_at,
        )
        mains.append(armed[0])
        rows.extend(armed)
    Clock.objects.bulk_create(rows)
    return mains


def _arming(
    policy: ClockPolicy,
    *,
    subject: models.Model,
    limit: str,
    part: str,
    owner: Person | None,
    department: Department | None,
    project: Project | None,
    calendar: WorkCalendar | None,
    start: dt.datetime,
    due_at: dt.datetime | None,
) -> list[Clock]:
    """The rows of one arming: the limit's own clock first, then its reminder and first escalation."""
    # A change approved for a later date (the next quarter's first day) counts from its instant.
    policy = policy_in_effect(policy, start)
    snap = policy.mode == TimeMode.WALL and policy.snap
    counts_on_calendar = (
        policy.mode == TimeMode.WORKING
        or snap
        or bool(policy.escalate_after and policy.escalate_mode == TimeMode.WORKING)
    )
    if counts_on_calendar and calendar is None:
        calendar = clock_calendar(owner=owner, department=department, project=project)
    base = timebase(policy.mode, calendar, snap)
    if due_at is None:
        offset = parse_duration(policy.duration).to_timedelta(base.day_length)
        due = base.add(start, offset)
    else:
        offset = max(dt.timedelta(0), base.between(start, due_at))
        due = due_at
    subject_type, subject_id = subject_key(subject)
    common: dict[str, Any] = {
        "subject_type": subject_type,
        "subject_id": subject_id,
        "limit": limit,
        "part": part,
        "mode": policy.mode,
        "snap": snap,
        "policy": policy,
        "calendar": calendar if counts_on_calendar else None,
        "ladder": policy.ladder,
        "owner": owner,
        "department": department,
        "anchor_at": start,
        "limit_due_at": due,
        "created_at": time_source.now(),
    }
    main = Clock(kind=limit, offset_us=_us(offset), due_at=due, **common)
    rows = [main]
    if policy.remind_before:
        before = parse_duration(policy.remind_before).to_timedelta(base.day_length)
        remind_at = base.add(start, offset - before) if offset > before else due
        # An elapsed limit ending just after a holiday may move its reminder onto its own deadline: none then.
        if remind_at < due:
            rows.append(Clock(kind=ClockKind.REMIND, offset_us=_us(offset - before), due_at=remind_at, **common))
    if policy.ladder is not None:
        steps = ladder_steps(policy.ladder.pk)
        first = steps[0] if steps else None
        if first is not None:
            escalate_at = first_escalation_at(policy, first, start=start, due=due, calendar=calendar)
            rows.append(
                Clock(
                    kind=ClockKind.ESCALATE,
                    level=first.level,
                    offset_us=_us(max(dt.timedelta(0), base.between(start, escalate_at))),
                    due_at=escalate_at,
                    **common,
                )
            )
    return rows


def first_escalation_at(
    policy: ClockPolicy,
    step: EscalationStep,
    *,
    start: dt.datetime,
    due: dt.datetime,
    calendar: WorkCalendar | None,
) -> dt.datetime:
    """When the ladder's first rung fires. "超时48小时自动升级" counts from the missed deadline: the rung's
    interval follows the policy's 开始升级 (escalate_after, in its own unit, after the deadline) — or, as the
    rung says, counts from the deadline itself or from the start."""
    snap = policy.mode == TimeMode.WALL and policy.snap
    base = timebase(policy.mode, calendar, snap)
    after = parse_duration(step.after).to_timedelta(base.day_length)
    if step.counted_from == CountedFrom.START:
        return base.add(start, after)
    begin = due
    if step.counted_from == CountedFrom.PREVIOUS and policy.escalate_after:
        escalate_snap = policy.escalate_mode == TimeMode.WALL and policy.snap
        waiting = timebase(policy.escalate_mode, calendar, escalate_snap)
        begin = waiting.add(due, parse_duration(policy.escalate_after).to_timedelta(waiting.day_length))
    return base.add(begin, after) if after else begin


def _live(subject: models.Model, limit: str | None) -> models.QuerySet[Clock]:
    subject_type, subject_id = subject_key(subject)
    qs = Clock.objects.filter(subject_type=subject_type, subject_id=subject_id, state__in=LIVE)
    return qs.filter(limit=limit) if limit else qs


def _of_limit(
    subject: models.Model, limit: str | None, part: str | None = None, parts: list[str] | None = None
) -> models.QuerySet[Clock]:
    """A limit's open clocks (every limit's when None): all its shares, or only `part` / `parts`."""
    subject_type, subject_id = subject_key(subject)
    qs = Clock.objects.filter(subject_type=subject_type, subject_id=subject_id, closed_at__isnull=True)
    if limit:
        qs = qs.filter(limit=limit)
    if part is not None:
        qs = qs.filter(part=part)
    if parts is not None:
        qs = qs.filter(part__in=parts)
    return qs


def _cancel_live(note: str) -> dict[str, Case]:
    """Within one UPDATE of a limit's open clocks (live clocks are always open): the live ones stop."""
    live = Q(state__in=LIVE)
    return {
        "state": Case(When(live, then=Value(ClockState.CANCELLED)), default=F("state")),
        "note": Case(When(live, then=Value(note)), default=F("note")),
    }


def clock_cancel(
    *,
    subject: models.Model,
    limit: str | None = None,
    note: str = "",
    part: str | None = None,
    parts: list[str] | None = None,
) -> int:
    """The limit no longer applies (re-armed, withdrawn, closed): live clocks stop without firing, and
    fired ones stop counting as open — every share of it, or only `part` / `parts`. Returns how many open
    clocks it closed."""
    if parts is not None and not parts:
        return 0
    return _of_limit(subject, limit, part, parts).update(closed_at=time_source.now(), **_cancel_live(note[:255]))


def clock_cancel_escalations(*, subject: models.Model, limit: str, note: str = "") -> int:
    """The limit's escalation levels not yet fired stop (their people were told another way); the limit
    itself still counts. Returns how many stopped."""
    subject_type, subject_id = subject_key(subject)
    return Clock.objects.filter(
        subject_type=subject_type, subject_id=subject_id, limit=limit, kind=ClockKind.ESCALATE, state=ClockState.ARMED
    ).update(state=ClockState.CANCELLED, note=note[:255])


def clock_satisfy(
    *, subject: models.Model, limit: str, at: dt.datetime | None = None, parts: list[str] | None = None
) -> int:
    """What the limit asked for was done: live clocks stop, and every clock of the limit records when
    (so reports can tell on time from late, and a fired "overdue" clock stops counting as open) — for
    every share of the limit, or only the shares `parts` (the approvers who acted)."""
    if parts is not None and not parts:
        return 0
    at = at or time_source.now()
    return _of_limit(subject, limit, parts=parts).update(met_at=at, closed_at=at, **_cancel_live("已完成"))


def clock_pass_on(*, subject: models.Model, limit: str, part: str, to_part: str, owner: Person) -> int:
    """A share changes hands (转交): its open clocks keep their deadline and ladder, under the new holder."""
    return _of_limit(subject, limit, part).update(part=to_part, owner=owner)


def clock_pause(*, subject: models.Model, limit: str | None = None) -> int:
    """Stop counting (e.g. waiting on the requester); what is left is kept for `clock_resume`."""
    now = time_source.now()
    paused = 0
    for row in _live(subject, limit).filter(state=ClockState.ARMED).select_for_update():
        base = timebase(row.mode, row.calendar, row.snap)
        consumed = base.between(row.anchor_at, now)
        row.offset_us = max(0, row.offset_us - _us(consumed))
        row.anchor_at = now
        row.state = ClockState.PAUSED
        row.paused_at = now
        row.save(update_fields=["offset_us", "anchor_at", "state", "paused_at"])
        paused += 1
    return paused


def clock_resume(*, subject: models.Model, limit: str | None = None) -> int:
    """Continue counting from now with what was left when paused."""
    now = time_source.now()
    resumed = 0
    rows = list(_live(subject, limit).filter(state=ClockState.PAUSED).select_for_update())
    limit_due: dict[tuple[str, str], dt.datetime] = {}
    for row in rows:
        base = timebase(row.mode, row.calendar, row.snap)
        row.anchor_at = now
        row.due_at = base.add(now, _from_us(row.offset_us))
        row.state = ClockState.ARMED
        row.paused_at = None
        if row.kind == row.limit:
            limit_due[row.limit, row.part] = row.due_at
    for row in rows:
        row.limit_due_at = limit_due.get((row.limit, row.part), row.due_at)
        row.save(update_fields=["anchor_at", "due_at", "state", "paused_at", "limit_due_at"])
        resumed += 1
    return resumed


# --- Firing ---------------------------------------------------------------------------------------
def _subject_label(subject: models.Model) -> str:
    return str(subject)


def _subject_url(subject: models.Model) -> str:
    get_url = getattr(subject, "get_absolute_url", None)
    return get_url() if callable(get_url) else ""


def _basis(clock: Clock) -> str:
    """The clause the limit comes from, as the message's last line (read now: an edited clause shows)."""
    policy_id = clock.policy_id
    if policy_id is None:
        return ""
    policy = memoized(("clock-policy", policy_id), lambda: ClockPolicy.objects.filter(pk=policy_id).first())
    text = policy_basis(policy)
    return f"\n{text}" if text else ""


def _when(instant: dt.datetime) -> str:
    local = time_source.local(instant)
    return month_day_time(local)


def _notify(**kwargs: Any) -> None:
    """Tell the clock's people; one who is away is told through their stand-in too (代理)."""
    from xietong.clocks.handlers import notify_people

    notify_people(**kwargs)
    for stand_in, absent in with_stand_ins(kwargs["recipients"]):
        dedupe = kwargs.get("dedupe_key")
        notify_people(
            **{
                **kwargs,
                "recipients": [stand_in],
                "title": _("【代%(name)s】%(title)s") % {"name": absent.display_name, "title": kwargs["title"]},
                "dedupe_key": f"{dedupe}:for:{absent.pk}" if dedupe else None,
            }
        )


def _fire_remind(clock: Clock, subject: models.Model) -> dict[str, Any]:
    # A process may remind more people than the clock's owner (e.g. everyone who has not confirmed yet).
    result = run_remind(clock, subject)
    if result is not None:
        return result
    base = timebase(clock.mode, clock.calendar, clock.snap)
    left = base.between(time_source.now(), clock.limit_due_at)
    from xietong.clocks.durations import clock_span_text

    if clock.owner is not None:
        _notify(
            recipients=[clock.owner],
            kind="reminder",
            title=_("【即将到期】%(subject)s") % {"subject": _subject_label(subject)},
            body=_("%(limit)s将于 %(due)s 到期（剩余 %(left)s），请及时处理。")
            % {
                "limit": clock_limit_label(clock),
                "due": _when(clock.limit_due_at),
                "left": clock_span_text(left, clock.mode, clock.calendar),
            }
            + _basis(clock),
            url=_subject_url(subject),
            subject=subject,
            dedupe_key=f"clock:{clock.pk}",
        )
    return {"due_at": clock.limit_due_at}


def ladder_steps(ladder_id: int) -> list[EscalationStep]:
    return memoized(
        ("ladder-steps", ladder_id),
        lambda: list(EscalationStep.objects.select_related("person").filter(ladder_id=ladder_id).order_by("level")),
    )


def _fire_escalate(clock: Clock, subject: models.Model) -> dict[str, Any]:
    steps = ladder_steps(clock.ladder_id) if clock.ladder_id else []
    step = next((s for s in steps if s.level == clock.level), None)
    if step is None:
        _insert_escalation(
            clock=clock,
            subject_type=clock.subject_type,
            subject_id=clock.subject_id,
            limit=clock.limit,
            level=clock.level,
            target=None,
            target_role="",
            note=_("升级路径已删除或无此级别"),
            at=time_source.now(),
        )
        return {"level": clock.level, "target": None, "note": "no step"}
    # An item may name its own recipients for a level (a dispute goes to both departments' leaders).
    target = ladder_target(clock, step, subject)
    first_target = target.people[0] if target.people else None
    role_label = str(StepTarget(step.target).label) if not target.role else _role_label(target.role)
    _insert_escalation(
        clock=clock,
        subject_type=clock.subject_type,
        subject_id=clock.subject_id,
        limit=clock.limit,
        level=clock.level,
        target=first_target,
        target_role=step.target,
        note=target.note[:255],
        at=time_source.now(),
    )
    clock.note = target.note[:255]
    owner_name = clock.owner.display_name if clock.owner else _("责任人")
    if target.people:
        _notify(
            recipients=target.people,
            kind="escalation",
            title=_("【升级·第%(level)d级】%(subject)s") % {"level": clock.level, "subject": _subject_label(subject)},
            body=_("%(owner)s的%(limit)s已超时（到期 %(due)s），按规则升级至您（%(role)s）。%(note)s")
            % {
                "owner": owner_name,
                "limit": clock_limit_label(clock),
                "due": _when(clock.limit_due_at),
                "role": role_label,
                "note": target.note,
            }
            + _basis(clock),
            url=_subject_url(subject),
            subject=subject,
            urgency="urgent",
            dedupe_key=f"clock:{clock.pk}",
        )
    # Arm the next level, counted from this level's due time so that late sweeps do not drift.
    following = next((s for s in steps if s.level > clock.level), None)
    if following is not None:
        base = timebase(clock.mode, clock.calendar, clock.snap)
        after = parse_duration(following.after).to_timedelta(base.day_length)
        anchor = _rung_anchor(clock, following)
        _insert_clock(
            subject_type=clock.subject_type,
            subject_id=clock.subject_id,
            limit=clock.limit,
            part=clock.part,
            kind=ClockKind.ESCALATE,
            level=following.level,
            mode=clock.mode,
            snap=clock.snap,
            policy_id=clock.policy_id,
            calendar=clock.calendar,
            ladder_id=clock.ladder_id,
            owner=clock.owner,
            department=clock.department,
            anchor_at=anchor,
            offset_us=_us(after),
            due_at=base.add(anchor, after),
            limit_due_at=clock.limit_due_at,
            created_at=time_source.now(),
        )
    return {
        "level": clock.level,
        "target": first_target.pk if first_target else None,
        "target_name": first_target.display_name if first_target else "",
        "note": target.note,
    }


def _rung_anchor(clock: Clock, step: EscalationStep) -> dt.datetime:
    """Where the next rung's interval counts from: this rung, the missed deadline, or the limit's start."""
    if step.counted_from == CountedFrom.DEADLINE:
        return clock.limit_due_at
    if step.counted_from == CountedFrom.START:
        started = (
            Clock.objects.filter(
                subject_type=clock.subject_type,
                subject_id=clock.subject_id,
                limit=clock.limit,
                part=clock.part,
                kind=clock.limit,
            )
            .order_by("-pk")
            .values_list("anchor_at", flat=True)
            .first()
        )
        return started or clock.limit_due_at
    return clock.due_at


def _role_label(role: str) -> str:
    from xietong.org.roles import Role

    if role in Role.values:
        return str(Role(role).label)
    if role in StepTarget.values:
        return str(StepTarget(role).label)
    return role


def _fire_due(clock: Clock, subject: models.Model) -> dict[str, Any]:
    """The limit itself ran out: the process decides what that means (auto-accept, mark late …);
    by default the owner is told it is overdue."""
    result = run_due(clock, subject)
    if result is not None:
        return result
    if clock.owner is not None:
        _notify(
            recipients=[clock.owner],
            kind="overdue",
            title=_("【已超时】%(subject)s") % {"subject": _subject_label(subject)},
            body=_("%(limit)s已于 %(due)s 到期，尚未完成，请尽快处理。")
            % {"limit": clock_limit_label(clock), "due": _when(clock.due_at)}
            + _basis(clock),
            url=_subject_url(subject),
            subject=subject,
            dedupe_key=f"clock:{clock.pk}",
        )
    return {"due_at": clock.due_at}


SKIPPED = object()


@dataclass
class _BatchWrites:
    """What a batch of firings inserts and updates at its end, in bulk, in the batch's transaction."""

    at: dt.datetime  # the batch's instant: every clock of it fired then (they commit together)
    escalations: list[Escalation] = field(default_factory=list)
    clocks: list[Clock] = field(default_factory=list)
    done: list[Clock] = field(default_factory=list)  # state, fired_at, note
    events: list[AuditEvent] = field(default_factory=list)

    def flush(self) -> None:
        Escalation.objects.bulk_create(self.escalations)
        Clock.objects.bulk_create(self.clocks)
        # One UPDATE per outcome (fired with no note, cancelled, an escalation's note …), not a CASE per
        # row and column: bulk_update's expressions cost more CPU than the firing itself.
        outcomes: dict[tuple[str, dt.datetime | None, str], list[int]] = defaultdict(list)
        for row in self.done:
            outcomes[row.state, row.fired_at, row.note].append(row.pk)
        for (state, fired_at, note), ids in outcomes.items():
            Clock.objects.filter(pk__in=ids).update(state=state, fired_at=fired_at, note=note)
        AuditEvent.objects.bulk_create(self.events)


_batch: ContextVar[_BatchWrites | None] = ContextVar("clock_batch", default=None)


def _insert_escalation(**values: Any) -> None:
    row = Escalation(**values)
    writes = _batch.get()
    if writes is None:
        row.save(force_insert=True)
    else:
        writes.escalations.append(row)


def _insert_clock(**values: Any) -> None:
    row = Clock(**values)
    writes = _batch.get()
    if writes is None:
        row.save(force_insert=True)
    else:
        writes.clocks.append(row)


def _subject_model(subject_type: str) -> type[models.Model] | None:
    try:
        return apps.get_model(subject_type)
    except (LookupError, ValueError):
        return None


def _lock_subjects(rows: list[Clock]) -> dict[tuple[str, int], Any]:
    """The items of claimed clocks, locked (one query per item type). An item someone is changing right now
    (row locked) maps to SKIPPED, an item that no longer exists to None."""
    wanted: dict[str, set[int]] = defaultdict(set)
    for row in rows:
        wanted[row.subject_type].add(row.subject_id)
    found: dict[tuple[str, int], Any] = {}
    for subject_type, ids in wanted.items():
        model = _subject_model(subject_type)
        if model is None:
            found.update({(subject_type, pk): None for pk in ids})
            continue
        locked = {
            int(obj.pk): obj for obj in model._base_manager.select_for_update(skip_locked=True).filter(pk__in=ids)
        }
        missing = ids - locked.keys()
        busy = set(model._base_manager.filter(pk__in=missing).values_list("pk", flat=True)) if missing else set()
        for pk in ids:
            found[subject_type, pk] = locked.get(pk, SKIPPED if pk in busy else None)
    return found


def clock_fire(clock: Clock) -> object:
    """Handle one claimed clock inside the caller's transaction. Returns SKIPPED if its item is being
    changed right now (its row is locked): the clock stays armed and is tried again on the next sweep."""
    subject = _lock_subjects([clock])[(clock.subject_type, clock.subject_id)]
    if subject is SKIPPED:
        return SKIPPED
    return _fire_locked(clock, subject)


def _fire_locked(clock: Clock, subject: models.Model | None) -> Clock:
    writes = _batch.get()
    now = writes.at if writes is not None else time_source.now()
    if subject is None:
        clock.state = ClockState.CANCELLED
        clock.note = "事项已不存在"
        if writes is None:
            clock.save(update_fields=["state", "note"])
        else:
            writes.done.append(clock)
        return clock
    clock.state = ClockState.FIRED
    clock.fired_at = now
    if clock.kind == ClockKind.REMIND:
        details, action = _fire_remind(clock, subject), "clock.remind"
    elif clock.kind == ClockKind.ESCALATE:
        details, action = _fire_escalate(clock, subject), "clock.escalate"
    else:
        details, action = _fire_due(clock, subject), "clock.due"
    event: dict[str, Any] = {
        "actor": None,
        "action": action,
        "obj": subject,
        "after": {"clock": clock.pk, "limit": clock.limit, "kind": clock.kind, "level": clock.level, **details},
    }
    if writes is None:
        clock.save(update_fields=["state", "fired_at", "note"])
        audit_record(**event)
    else:
        writes.done.append(clock)
        writes.events.append(audit_build(**event))
    return clock


def clock_fire_due(batch_size: int = 200) -> int:
    """Fire up to `batch_size` due clocks, XIETONG_CLOCK_BATCH per transaction. Returns how many were
    handled.

    Any number of workers may run this at once: each claim skips rows another worker holds.
    """
    if not _any_due():
        return 0
    with memo_scope():
        return _fire_batches(batch_size)


def due_clocks() -> models.QuerySet[Clock]:
    """Armed clocks that are due, in the order they fire: the shape of the partial index clock_armed_due
    (due_at, id WHERE state = 'armed'), so that the sweep walks it from its start and stops at the first
    clock not yet due, among any number of armed clocks.

    The shape holds for a prepared statement's generic plan too (PostgreSQL prepares after two uses, see
    settings.py): the state is a constant in the SQL (`__const`, xietong/core/lookups.py), not `state = $1`,
    which cannot prove the index's predicate; and the ORDER BY is the index's, without which the generic
    plan's guess (a third of the rows due) prefers to scan the table for the first one (~100 ms at
    1,000,000 clocks)."""
    due = Clock.objects.filter(state__const=ClockState.ARMED, due_at__lte=time_source.now())
    return due.order_by("due_at", "pk")


def _any_due() -> bool:
    """The idle worker's whole clock sweep: one index probe — no transaction, no row lock, no joins — instead
    of a claim with its BEGIN/COMMIT and three joined tables. A clock falling due just after it looked is
    fired by the next pass, as after an empty claim. (Not exists(): it drops the ORDER BY.)"""
    return due_clocks().values_list("pk", flat=True).first() is not None


def _claim(limit: int, skipped: set[int]) -> list[Clock]:
    claim = due_clocks()
    if skipped:
        claim = claim.exclude(pk__in=skipped)
    claim = claim.select_related("owner", "department", "calendar")
    return list(claim.select_for_update(skip_locked=True, of=("self",))[:limit])


def _fire_batches(batch_size: int) -> int:
    handled = 0
    skipped: set[int] = set()
    per_transaction = max(1, settings.XIETONG_CLOCK_BATCH)
    while handled < batch_size:
        limit = min(per_transaction, batch_size - handled)
        try:
            with transaction.atomic():
                rows = _claim(limit, skipped)
                if not rows:
                    break
                handled += _fire_claimed(rows, skipped)
        except Exception:
            # One clock whose rule fails must not hold back the others claimed with it: this batch again,
            # one clock per transaction (the failing one raises again, alone).
            logger.exception("批量触发时钟失败，改为逐个触发")
            handled += _fire_singly(limit, skipped)
    return handled


def _fire_claimed(rows: list[Clock], skipped: set[int]) -> int:
    """Fire claimed rows inside the caller's transaction; writes go in bulk at the end. Two clocks of one
    item never fire in the same batch: the second waits for the next claim (a fresh look at the item)."""
    subjects = _lock_subjects(rows)
    _prefetch(rows, subjects)
    writes = _BatchWrites(at=time_source.now())
    token = _batch.set(writes)
    fired = 0
    seen: set[tuple[str, int]] = set()
    try:
        with notify_batch():  # the batch's messages are inserted together when it ends
            for row in rows:
                key = (row.subject_type, row.subject_id)
                if subjects[key] is SKIPPED:
                    skipped.add(row.pk)
                    continue
                if key in seen:
                    continue  # still armed: claimed again next time, after this batch committed
                seen.add(key)
                _fire_locked(row, subjects[key])
                fired += 1
    finally:
        _batch.reset(token)
    writes.flush()
    return fired


_ORG_MODELS = (Department, Person, Project)


def _prefetch(rows: list[Clock], subjects: dict[tuple[str, int], Any]) -> None:
    """What a batch's firings read besides their clocks, read once for the batch instead of once per
    firing: each item's departments, project and people (one query per field), and which of the clocks'
    owners are away (their stand-ins are told too)."""
    by_model: dict[type[models.Model], list[models.Model]] = defaultdict(list)
    for subject in subjects.values():
        if subject is not None and subject is not SKIPPED:
            by_model[type(subject)].append(subject)
    # People matter to escalations (who asked is never escalated to); the rest read departments and projects.
    wanted = _ORG_MODELS if any(row.kind == ClockKind.ESCALATE for row in rows) else (Department, Project)
    for model, items in by_model.items():
        related = [
            f.name
            for f in model._meta.concrete_fields
            if isinstance(f, models.ForeignKey) and f.related_model in wanted and not f.is_cached(items[0])
        ]
        prefetch_related_objects(items, *related)
    current_absences({row.owner_id for row in rows if row.owner_id})


def _fire_singly(limit: int, skipped: set[int]) -> int:
    handled = 0
    while handled < limit:
        with transaction.atomic():
            rows = _claim(1, skipped)
            if not rows:
                break
            if clock_fire(rows[0]) is SKIPPED:
                skipped.add(rows[0].pk)
                continue
        handled += 1
    return handled


def ladder_validate(ladder: EscalationLadder, steps: list[dict[str, Any]]) -> list[str]:
    """Reasons a ladder cannot be saved: no steps, gaps in levels, or a level that reaches nobody."""
    problems = []
    if not steps:
        problems.append(_("升级路径至少需要一级，否则超时无人知晓"))
    levels = sorted(step["level"] for step in steps)
    if levels and levels != list(range(1, len(levels) + 1)):
        problems.append(_("级别必须从 1 开始连续编号（当前：%(levels)s）") % {"levels": ", ".join(map(str, levels))})
    for step in steps:
        if step["target"] == StepTarget.PERSON and not step.get("person"):
            problems.append(_("第 %(level)d 级指定人员为空：这一级没有人接收升级") % {"level": step["level"]})
        if (
            step["target"] == StepTarget.COORDINATORS
            and not Person.objects.filter(is_coordinator=True, is_active=True).exists()
        ):
            problems.append(_("第 %(level)d 级为综合管理部协调人，但目前没有任何协调人") % {"level": step["level"]})
    return problems


def clocks_hand_over(*, subject: models.Model | None = None, old: Person, new: Person) -> int:
    """Open clocks owned by `old` (on `subject`, or on anything) now belong to `new` (离职交接, 移交)."""
    qs = Clock.objects.filter(owner=old, closed_at__isnull=True)
    if subject is not None:
        subject_type, subject_id = subject_key(subject)
        qs = qs.filter(subject_type=subject_type, subject_id=subject_id)
    return qs.update(owner=new)
