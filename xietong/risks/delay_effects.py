"""What a granted delay does to the plan: the task's end date moves, and every dependent task that would
now start too early shifts by the same number of working days, its clocks re-timed and its owner told."""

from __future__ import annotations

import datetime as dt

from django.utils.translation import gettext as _

from xietong.core.audit import audit_record
from xietong.notify.models import MessageKind
from xietong.notify.services import notify
from xietong.org.models import Person
from xietong.risks.models import DelayRequest
from xietong.tasks.choices import TaskState
from xietong.tasks.models import Task
from xietong.tasks.timers import arm_due
from xietong.workcal.selectors import calendar_for_project, engine_for


def delay_apply(actor: Person, delay: DelayRequest) -> None:
    """Move the task's end date, and shift every dependent task that would now start too early by the
    same number of working days — re-timing their clocks."""
    task = Task.objects.select_for_update().get(pk=delay.task_id)
    engine = engine_for(calendar_for_project(task.project))
    shift = sum(1 for _ in engine.working_days(task.end_date + dt.timedelta(days=1), delay.new_end_date))
    before = task.end_date
    task.end_date = delay.new_end_date
    task.version += 1
    task.save(update_fields=["end_date", "version"])
    audit_record(
        actor=actor,
        action="task.delay_applied",
        obj=task,
        before={"end_date": before},
        after={"end_date": task.end_date, "reason": delay.number},
    )
    arm_due(task)
    _shift_successors(actor, task, shift, engine, seen={task.pk})


def _shift_successors(actor: Person, task: Task, shift: int, engine, seen: set[int]) -> None:
    for successor in (
        Task.objects.select_for_update()
        .filter(dependency_links__predecessor=task)
        .exclude(state__in=[TaskState.DONE, TaskState.CANCELLED])
    ):
        if successor.pk in seen or successor.start_date > task.end_date:
            continue
        seen.add(successor.pk)
        before = {"start_date": successor.start_date, "end_date": successor.end_date}
        successor.start_date = engine.add_working_days(successor.start_date, shift)
        successor.end_date = engine.add_working_days(successor.end_date, shift)
        successor.version += 1
        successor.save(update_fields=["start_date", "end_date", "version"])
        audit_record(
            actor=actor,
            action="task.rescheduled",
            obj=successor,
            before=before,
            after={
                "start_date": successor.start_date,
                "end_date": successor.end_date,
                "reason": _("前置任务“%(t)s”延期") % {"t": task.title},
            },
        )
        if successor.state in (TaskState.PUBLISHED, TaskState.ACCEPTED, TaskState.IN_PROGRESS):
            arm_due(successor)
            notify(
                recipients=[successor.owner],
                kind=MessageKind.INFO,
                title=_("【计划顺延】%(t)s") % {"t": f"{successor.number} {successor.title}"},
                body=_("前置任务“%(p)s”延期，本任务调整为 %(s)s ~ %(e)s。")
                % {"p": task.title, "s": successor.start_date, "e": successor.end_date},
                url=successor.get_absolute_url(),
                subject=successor,
            )
        _shift_successors(actor, successor, shift, engine, seen)
