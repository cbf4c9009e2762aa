"""Each approver's own deadline under a step's limit (会签 above all): the step's clock counts from when the
step was entered; an approver who got the task later — added by 加签, reached in 依次 — has the whole limit from
that moment, in the same time mode and calendar as the step's clock. 转交 and 离职交接 pass the task on with
its start (ApprovalTask.started_at), so whoever takes it over continues the same deadline."""

from __future__ import annotations

import datetime as dt
from typing import Any

from xietong.clocks.durations import clock_span_text
from xietong.clocks.timebase import timebase
from xietong.workcal.engine import parse_duration


def approver_due(clock: Any, task: Any) -> dt.datetime | None:
    """When `task`'s approver must have acted under the step's `clock` (None: not reached yet)."""
    start = task.started_at
    if start is None:
        return None
    if start <= clock.anchor_at or clock.policy is None:
        return clock.limit_due_at  # got it with the step: the step's own deadline
    base = timebase(clock.mode, clock.calendar, clock.snap)
    offset = parse_duration(clock.policy.duration).to_timedelta(base.day_length)
    return base.add(start, offset)


def time_left_words(clock: Any, due: dt.datetime, now: dt.datetime) -> tuple[str, bool]:
    """剩余 … / 已超时 … to `due`, counted as the step's clock counts (working hours or elapsed)."""
    base = timebase(clock.mode, clock.calendar, clock.snap)
    late = now > due
    span = base.between(due, now) if late else base.between(now, due)
    return clock_span_text(span, clock.mode, clock.calendar), late
