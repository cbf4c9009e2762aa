"""Time limits in words, from the policy or the armed clock — never a literal in a message."""

from __future__ import annotations

import datetime as dt

from xietong.clocks.basis import policy_basis
from xietong.clocks.choices import TimeMode
from xietong.clocks.durations import duration_text
from xietong.clocks.models import Clock, ClockPolicy
from xietong.clocks.timebase import timebase
from xietong.core import clock as time_source
from xietong.core.i18n import month_day_time
from xietong.workcal.engine import Duration

__all__ = ["clause_line", "clock_limit_text", "due_text", "duration_text", "limit_clause_line", "policy_limit_text"]


def policy_limit_text(policy: ClockPolicy | None) -> str:
    return duration_text(policy.duration, policy.mode) if policy is not None else ""


def clock_limit_text(row: Clock) -> str:
    """The limit of an armed clock as its policy stated it when armed (offset from its anchor)."""
    span = dt.timedelta(microseconds=row.offset_us)
    minutes = int(span.total_seconds() // 60)
    return duration_text(Duration(0, minutes), row.mode) if row.mode == TimeMode.WALL else _working_text(row, span)


def _working_text(row: Clock, span: dt.timedelta) -> str:
    day = timebase(row.mode, row.calendar).day_length
    days, rest = divmod(span, day) if day else (0, span)
    return duration_text(Duration(int(days), int(rest.total_seconds() // 60)), row.mode)


def due_text(instant: dt.datetime) -> str:
    return month_day_time(time_source.local(instant))


def clause_line(row: Clock | None) -> str:
    """The clause of a clock's policy as a message's last line ("\n依据：…"), or "" when none is known.
    A process that writes its own reminder or overdue text ends it with this, as the default messages do."""
    if row is None or row.policy_id is None:
        return ""
    text = policy_basis(ClockPolicy.objects.filter(pk=row.policy_id).first())
    return f"\n{text}" if text else ""


def limit_clause_line(subject: object, limit: str) -> str:
    """clause_line of the latest clock armed for one limit of `subject` (a step's message, not a clock's)."""
    meta = getattr(subject, "_meta", None)
    if meta is None or getattr(subject, "pk", None) is None:
        return ""
    row = (
        Clock.objects.filter(subject_type=meta.label_lower, subject_id=subject.pk, limit=limit)  # type: ignore[attr-defined]
        .order_by("-pk")
        .first()
    )
    return clause_line(row)
