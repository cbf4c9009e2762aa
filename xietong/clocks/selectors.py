"""Clocks as people see them on an item: due time, time left in working hours, escalations."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from django.db import models
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from xietong.clocks.basis import policy_basis
from xietong.clocks.durations import clock_span_text
from xietong.clocks.models import Clock, ClockKind, ClockState, Escalation, TimeMode, clock_limit_label
from xietong.clocks.services import subject_key, timebase
from xietong.core import clock as time_source
from xietong.workcal.selectors import default_calendar

# Shown beside a due time that was counted by the weekday pattern because a year it runs into has no
# published holidays yet: it will move when that year's notice is imported.
PROVISIONAL_NOTE = gettext_lazy("按每周工作日推算，待节假日公布")


@dataclass
class PersonDue:
    name: str
    due_at: dt.datetime | None
    status: str
    tone: str


@dataclass
class ClockView:
    clock: Clock
    label: str
    due_at: dt.datetime
    status: str  # 剩余 2 个工作日 3 小时 / 已超时 10 分钟 / 已暂停，剩余 … / 已完成 (workcal.spans)
    tone: str  # ok / warn / late / muted
    escalations: list[Escalation]
    counted_in: str = ""  # 按“标准工作日历”计时 / 自然时间
    provisional: bool = False
    basis: str = ""  # 依据：《文件》条款「原文」 — the policy's source as it reads now
    # When several people answer to one limit (会签): each with their own due time and state, in place of the
    # clock's single owner (filled by the process's page, e.g. designer.views).
    people: list[PersonDue] = field(default_factory=list)
    # Earlier armings of the same limit (a progress update re-arms its clock), newest first: folded under the
    # limit's one row, never a row each.
    history: list[ClockView] = field(default_factory=list)

    @property
    def provisional_note(self) -> str:
        return str(PROVISIONAL_NOTE) if self.provisional else ""


def is_provisional(clock: Clock) -> bool:
    """An armed working-time clock whose period runs into a year whose holidays are not published."""
    if clock.mode != TimeMode.WORKING or clock.state != ClockState.ARMED or clock.closed_at is not None:
        return False
    engine = timebase(clock.mode, clock.calendar)
    first = time_source.local(clock.anchor_at).year
    last = time_source.local(max(clock.limit_due_at, clock.due_at)).year
    return any(not engine.statutory_published(year) for year in range(first, last + 1))  # type: ignore[union-attr]


def counted_in(clock: Clock) -> str:
    if clock.mode != TimeMode.WORKING:
        return _("自然时间（到期落在非工作时间时顺延至下一工作时段）") if clock.snap else _("自然时间")
    name = clock.calendar.name if clock.calendar is not None else default_calendar().name
    return _("按“%(calendar)s”计时") % {"calendar": name}


def _status(clock: Clock, now: dt.datetime) -> tuple[str, str]:
    def words(span: dt.timedelta) -> str:
        return clock_span_text(span, clock.mode, clock.calendar)

    if clock.state == ClockState.PAUSED:
        left = dt.timedelta(microseconds=clock.offset_us)
        return _("已暂停，剩余 %(left)s") % {"left": words(left)}, "muted"
    if clock.met_at is not None:
        on_time = clock.met_at <= clock.limit_due_at
        return (_("已按时完成") if on_time else _("已完成（超时）")), ("ok" if on_time else "warn")
    if clock.state == ClockState.CANCELLED:
        return _("已取消"), "muted"
    base = timebase(clock.mode, clock.calendar)
    if clock.closed_at is not None:
        # Ran out, then the item moved on without meeting it: the lateness stops counting at that moment.
        late = base.between(clock.limit_due_at, clock.closed_at)
        if late > dt.timedelta(0):
            return _("超时 %(late)s 后结束") % {"late": words(late)}, "warn"
        return _("已结束"), "muted"
    left = base.between(now, clock.limit_due_at)
    if left > dt.timedelta(0):
        tone = "warn" if left <= dt.timedelta(hours=1) else "ok"
        return _("剩余 %(left)s") % {"left": words(left)}, tone
    return _("已超时 %(late)s") % {"late": words(-left)}, "late"


def clock_views(subject: models.Model) -> list[ClockView]:
    """One row per time limit of the item — its newest arming, with the escalations so far — newest first; the
    limit's earlier armings are in the row's history."""
    subject_type, subject_id = subject_key(subject)
    clocks = list(
        Clock.objects.filter(subject_type=subject_type, subject_id=subject_id)
        .exclude(kind__in=[ClockKind.REMIND, ClockKind.ESCALATE])
        .select_related("calendar", "owner", "policy")
        .order_by("-created_at", "-pk")
    )
    escalations = list(
        Escalation.objects.filter(subject_type=subject_type, subject_id=subject_id).select_related("target", "clock")
    )
    now = time_source.now()
    views = []
    for clock in clocks:
        label = clock_limit_label(clock)
        status, tone = _status(clock, now)
        # Escalations of this arming share its limit due time.
        related = [
            e
            for e in escalations
            if e.limit == clock.limit and e.clock.part == clock.part and e.clock.limit_due_at == clock.limit_due_at
        ]
        views.append(
            ClockView(
                clock,
                label,
                clock.limit_due_at,
                status,
                tone,
                related if clock.kind == clock.limit else [],
                counted_in(clock),
                is_provisional(clock),
                policy_basis(clock.policy),
            )
        )
    # A limit several people answer to (会签) has a row per person's share, each with its own history.
    rows: dict[tuple[str, str], ClockView] = {}
    for view in views:
        key = (view.clock.limit, view.clock.part)
        if key in rows:
            rows[key].history.append(view)
        else:
            rows[key] = view
    return list(rows.values())


def open_clock(subject: models.Model, limit: str) -> Clock | None:
    """The limit's own clock that still counts: armed, paused, or fired and not yet met or cancelled."""
    subject_type, subject_id = subject_key(subject)
    return (
        Clock.objects.filter(
            subject_type=subject_type, subject_id=subject_id, limit=limit, kind=limit, closed_at__isnull=True
        )
        .exclude(state=ClockState.CANCELLED)
        .order_by("-created_at", "-pk")
        .first()
    )
