"""Each approver's own deadline under a step's limit (会签 above all): the step's clock counts from when the
step was entered; an approver who got the task later — added by 加签, reached in 依次 — has the whole limit from
that moment, in the same time mode and calendar as the step's clock. 转交 and 离职交接 pass the task on with
its start (ApprovalTask.started_at), so whoever takes it over continues the same deadline."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from typing import Any

from django.db.models import Q

from xietong.clocks.durations import clock_span_text
from xietong.clocks.timebase import timebase
from xietong.workcal.engine import WorkingCalendar, parse_duration


def task_clock(clocks: list[Any], task: Any) -> Any:
    """Of an item's limit clocks (newest first), the one `task` answers to: its own; the one it was passed on
    to (转交: the same start); else — an item armed before each approver had a clock — the step's clock of
    that time."""
    step = [c for c in clocks if c.limit == task.step and c.kind == c.limit]
    part = task_part(task.pk)
    own = next((c for c in step if c.part == part), None)
    if own is None and task.started_at is not None:
        own = next((c for c in step if c.part and c.anchor_at == task.started_at), None)
    if own is None:
        own = next((c for c in step if not c.part and c.created_at <= task.created_at), None)
    return own


def approver_due(clock: Any, task: Any) -> dt.datetime | None:
    """When `task`'s approver must have acted under `clock` — their own, or the step's (None: not reached)."""
    start = task.started_at
    if start is None:
        return None
    if clock.part:
        return clock.limit_due_at if start == clock.anchor_at else _due_from(clock, start)
    if start <= clock.anchor_at or clock.policy is None:
        return clock.limit_due_at  # got it with the step: the step's own deadline
    return _due_from(clock, start)


def _due_from(clock: Any, start: dt.datetime) -> dt.datetime:
    if clock.policy is None:
        return clock.limit_due_at
    base = timebase(clock.mode, clock.calendar, clock.snap)
    offset = parse_duration(clock.policy.duration).to_timedelta(base.day_length)
    return base.add(start, offset)


def before_due(definition: Any, step: Any, values: Mapping[str, Any], calendar: WorkingCalendar) -> dt.datetime | None:
    """When a step whose limit counts back from a date field (提前2个工作日发送会议通知) is due for this item,
    in `calendar` (the approver's, as their clock counts): a datetime field's value minus the limit — in
    working time the same time of day on the N-th working day before — or, for a date field, the end of
    working hours of the N-th working day before (elapsed: the day's 00:00 minus the duration). The limit is
    the item's rule by condition when one holds. None: the step counts forward, or the item has no value."""
    limit = step.limit
    if limit is None or not limit.before_field:
        return None
    field = definition.field(limit.before_field)
    raw = values.get(limit.before_field)
    if field is None or not raw:
        return None
    n = limit.rule_for(values)
    rule = limit.rules[n - 1] if n else limit
    try:
        span = parse_duration(rule.duration)
        if field.type == "date":
            day = dt.date.fromisoformat(str(raw))
            if rule.mode == "working":
                return calendar.day_end(calendar.subtract_working_days(day, span.days))
            return calendar.at(day, dt.time(0)) - span.to_timedelta(dt.timedelta(hours=24))
        when = dt.datetime.fromisoformat(str(raw)).replace(tzinfo=None)
    except ValueError:
        return None
    if rule.mode == "working":
        return calendar.at(calendar.subtract_working_days(when.date(), span.days), when.time())
    return when.replace(tzinfo=calendar.tz) - span.to_timedelta(dt.timedelta(hours=24))


def time_left_words(clock: Any, due: dt.datetime, now: dt.datetime) -> tuple[str, bool]:
    """剩余 … / 已超时 … to `due`, counted as the step's clock counts (working hours or elapsed)."""
    base = timebase(clock.mode, clock.calendar, clock.snap)
    late = now > due
    span = base.between(due, now) if late else base.between(now, due)
    return clock_span_text(span, clock.mode, clock.calendar), late


# --- each approver's own clock ------------------------------------------------------------------------
# Every approver who has been reached holds a clock of the step's limit (clocks.Clock.part = their task):
# the step's policy — reminder, escalation ladder, clause — counted from when they got the task, owned by
# them (stand-ins are told too, as for every clock). The designed process's steps settle these clocks after
# they change the tasks (designer.compile): armed when reached, met when the approver acts, cancelled when
# the step ends without them; 转交 passes the clock on with its deadline.

PART_PREFIX = "task-"


def task_part(task_pk: int) -> str:
    return f"{PART_PREFIX}{task_pk}"


def part_task_pk(part: str) -> int | None:
    """The approval task a clock's share names (None: the step's own clock, armed before issue 21)."""
    if not part.startswith(PART_PREFIX):
        return None
    try:
        return int(part[len(PART_PREFIX) :])
    except ValueError:
        return None


def pass_clock_on(ctx: Any, task: Any, taken: Any) -> None:
    """转交 / 离职交接: the task's clocks go to whoever takes it over, the deadline unchanged."""
    from xietong.clocks.services import clock_pass_on

    clock_pass_on(
        subject=ctx.item, limit=task.step, part=task_part(task.pk), to_part=task_part(taken.pk), owner=taken.person
    )


def settle_approver_clocks(ctx: Any, whole_limit_met: str = "", known: list[Any] | None = None) -> None:
    """After a step of a designed process: each reached approver of the current step has a running clock,
    and an approver who is no longer there has none — met if they approved or handled it, else cancelled
    (或签 decided by another, rejected, sent back, withdrawn). A fixed number of queries, whatever the
    number of approvers: their clocks are armed in one insert and closed in one update per outcome.
    `whole_limit_met`: a step whose every open clock the caller meets next — its approvers' shares too.
    `known`: the current step's tasks as the step that ran read and changed them (no query when they hold
    every clocked one)."""
    from xietong.clocks.models import Clock
    from xietong.clocks.services import Share, clock_arm_parts, clock_cancel, clock_satisfy, subject_key
    from xietong.designer.definitions import definition_of, policy_process_of
    from xietong.designer.models import OPEN_TASKS, ApprovalTask, ItemState, TaskState

    item = ctx.item
    definition = definition_of(item)
    if not any(step.limit is not None for step in definition.steps):
        return
    subject_type, subject_id = subject_key(item)
    clocked = set(
        Clock.objects.filter(subject_type=subject_type, subject_id=subject_id, closed_at__isnull=True)
        .exclude(part="")
        .values_list("part", flat=True)
    )
    clocked_pks = [pk for pk in map(part_task_pk, clocked) if pk is not None]
    running = item.state == ItemState.RUNNING and bool(item.step)
    tasks = known if known is not None and set(clocked_pks) <= {t.pk for t in known} else None
    if tasks is None:
        reached = Q(pk__in=clocked_pks)
        if running:
            reached |= Q(item=item, step=item.step, round=item.round, status__in=OPEN_TASKS, started_at__isnull=False)
        tasks = list(ApprovalTask.objects.filter(reached).select_related("person"))

    def live(task: Any) -> bool:
        return (
            running
            and task.step == item.step
            and task.round == item.round
            and task.status in OPEN_TASKS
            and task.started_at is not None
        )

    met = [t for t in tasks if not live(t) and t.status in (TaskState.APPROVED, TaskState.DONE)]
    met_parts = {task_part(t.pk) for t in met}
    gone = [task_part(t.pk) for t in tasks if not live(t) and task_part(t.pk) in clocked]
    clock_satisfy(subject=item, limit="", at=ctx.now, parts=[task_part(t.pk) for t in met if t.step != whole_limit_met])
    clock_cancel(subject=item, parts=[p for p in gone if p not in met_parts], note=str(ctx.step.label))
    step = next((s for s in definition.steps if s.key == item.step), None)
    fresh = [t for t in tasks if live(t) and task_part(t.pk) not in clocked]
    if step is None or step.limit is None or not fresh:
        return
    # The step's limit for this item: its first rule whose condition holds (当 紧急程度 = 高 时 2 小时), else the
    # default — each is a policy of its own, with its clause.
    from xietong.designer.schema import rule_priority

    values = item.values or {}
    counts_back = bool(step.limit.before_field)

    def due(task: Any) -> dt.datetime | None:
        """提前 N 个工作日: counted back from the form's date in the approver's calendar (None: forward)."""
        if not counts_back:
            return None
        from xietong.workcal.selectors import clock_calendar, engine_for

        calendar = clock_calendar(owner=task.person, department=item.department, project=item.project)
        return before_due(definition, step, values, engine_for(calendar))

    clock_arm_parts(
        subject=item,
        process=policy_process_of(item),
        limit=step.key,
        priority=rule_priority(step.limit.rule_for(values)),
        shares=[
            Share(task_part(t.pk), t.person, t.started_at or ctx.now, due(t))
            for t in sorted(fresh, key=lambda t: (t.position, t.pk))
        ],
        department=item.department,
        project=item.project,
    )
