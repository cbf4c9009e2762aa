"""The task's clocks: acceptance (its limit, then accepted by default — the declared `auto_accept` step),
the daily progress update by 17:00 on each working day while it runs, and its end date."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.utils.translation import gettext as _

from xietong.clocks.services import clock_arm
from xietong.clocks.wording import clause_line
from xietong.core import clock as time_source
from xietong.core.i18n import month_day_padded
from xietong.items.runner import run_step
from xietong.notify.models import MessageKind
from xietong.notify.services import notify
from xietong.tasks.choices import TaskState
from xietong.workcal.selectors import calendar_for_project, engine_for

DAILY_UPDATE_TIME = dt.time(17, 0)


def _engine(task):
    return engine_for(calendar_for_project(task.project))


def end_of_day(task, day: dt.date) -> dt.datetime:
    """The end of the last working period of `day` (18:00 by default): when a task's end date runs out."""
    engine = _engine(task)
    return engine.day_end(day)


def arm_accept(task) -> Any:
    return clock_arm(
        subject=task,
        process="task",
        limit="accept",
        owner=task.owner,
        department=task.department,
        project=task.project,
    )


def arm_due(task) -> None:
    """The task's end date, with a reminder a working day before and escalation when overrun."""
    clock_arm(
        subject=task,
        process="task",
        limit="due",
        owner=task.owner,
        department=task.department,
        project=task.project,
        due_at=end_of_day(task, task.end_date),
    )


def next_update_due(task, after: dt.datetime, *, updated_today: bool) -> dt.datetime:
    """17:00 today if today is a working day, it is not yet 17:00 and nobody updated today; else 17:00 on
    the next working day (a 调休 Saturday included)."""
    engine = _engine(task)
    local = after.astimezone(engine.tz)
    today = local.date()
    if engine.is_working_day(today) and local.time() < DAILY_UPDATE_TIME and not updated_today:
        return engine.at(today, DAILY_UPDATE_TIME)
    return engine.at(engine.next_working_day(today), DAILY_UPDATE_TIME)


def arm_daily_update(task, *, after: dt.datetime | None = None, updated_today: bool = False) -> None:
    after = after or time_source.now()
    clock_arm(
        subject=task,
        process="task",
        limit="update_due",
        owner=task.owner,
        department=task.department,
        project=task.project,
        start=after,
        due_at=next_update_due(task, after, updated_today=updated_today),
    )


def task_clock_due(clock, task) -> dict[str, Any] | None:
    """A clock of this task ran out: the task's rules decide (auto-accept, daily update; else the default
    overdue message). Runs inside the firing transaction."""
    if clock.limit == "accept" and task.state == TaskState.PUBLISHED:
        run_step(actor=None, item=task, step="auto_accept", inputs={"at": clock.due_at})
        return {"auto_accepted": True}
    if clock.limit == "update_due":
        if task.state != TaskState.IN_PROGRESS:
            return {"skipped": "task not running"}
        local = time_source.local(clock.due_at)
        notify(
            recipients=[task.owner],
            kind=MessageKind.OVERDUE,
            title=_("【未更新进度】%(task)s") % {"task": f"{task.number} {task.title}"},
            body=_("%(day)s %(time)s 前未更新任务进度，请补充当日进展与次日计划。")
            % {"day": month_day_padded(local), "time": f"{local:%H:%M}"}
            + clause_line(clock),
            url=task.get_absolute_url(),
            subject=task,
            dedupe_key=f"clock:{clock.pk}",
        )
        arm_daily_update(task, after=clock.due_at, updated_today=True)
        return {"missed_update": local.date().isoformat()}
    return None
