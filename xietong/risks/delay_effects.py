"""What a granted delay does to the plan, through the task's own declared steps: the task takes `postpone`
(its end date moves, its due clock is re-timed) and every dependent task that would now start too early takes
`replan`, shifted by the same number of working days — each on its own history, its owner told."""

from __future__ import annotations

import datetime as dt

from django.utils.translation import gettext as _

from xietong.items.runner import run_step
from xietong.org.models import Person
from xietong.risks.models import DelayRequest
from xietong.tasks.choices import TaskState
from xietong.tasks.models import Task
from xietong.workcal.engine import WorkingCalendar
from xietong.workcal.selectors import calendar_for_project, engine_for


def delay_apply(actor: Person, delay: DelayRequest) -> None:
    """Move the task's end date, and shift every dependent task that would now start too early by the
    same number of working days."""
    task = Task.objects.get(pk=delay.task_id)
    engine = engine_for(calendar_for_project(task.project))
    shift = sum(1 for _ in engine.working_days(task.end_date + dt.timedelta(days=1), delay.new_end_date))
    task = run_step(
        actor=actor,
        item=task,
        step="postpone",
        inputs={"end_date": delay.new_end_date, "delay": delay.number},
        as_system=True,
    )
    _shift_successors(actor, task, delay, shift, engine, seen={task.pk})


def _shift_successors(
    actor: Person, task: Task, delay: DelayRequest, shift: int, engine: WorkingCalendar, seen: set[int]
) -> None:
    successors = Task.objects.filter(dependency_links__predecessor=task).exclude(
        state__in=[TaskState.DONE, TaskState.CANCELLED]
    )
    for successor in successors.order_by("position"):
        if successor.pk in seen or successor.start_date > task.end_date:
            continue
        seen.add(successor.pk)
        successor = run_step(
            actor=actor,
            item=successor,
            step="replan",
            inputs={
                "start_date": engine.add_working_days(successor.start_date, shift),
                "end_date": engine.add_working_days(successor.end_date, shift),
                "predecessor": task.title,
                "cause": _("延期（%(number)s）") % {"number": delay.number},
            },
            as_system=True,
        )
        _shift_successors(actor, successor, delay, shift, engine, seen)
