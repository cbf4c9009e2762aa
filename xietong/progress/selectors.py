"""协同进度跟踪表: each task as 已完成 / 进行中 / 滞后, with its latest update and open calls for help."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.db.models import QuerySet
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from xietong.core import clock
from xietong.core.i18n import enumerate_list
from xietong.progress.models import ProgressUpdate
from xietong.tasks.choices import TaskState
from xietong.tasks.models import Task
from xietong.workcal.selectors import calendar_for_project, engine_for

STATUS_LABELS = {
    "done": gettext_lazy("已完成"),
    "in_progress": gettext_lazy("进行中"),
    "late": gettext_lazy("滞后"),
    "not_started": gettext_lazy("未开始"),
}


@dataclass
class TrackingRow:
    task: Task
    status: str  # done / in_progress / late / not_started
    reason: str  # why late
    percent: int
    last_update: ProgressUpdate | None
    stale: bool  # no update on the last working day (未更新)
    help_open: list[ProgressUpdate]

    @property
    def status_label(self) -> str:
        return str(STATUS_LABELS[self.status])


def tracking_rows(tasks: QuerySet[Task], today: dt.date | None = None) -> list[TrackingRow]:
    today = today or clock.today()
    tasks = (
        tasks.select_related("owner", "project", "department")
        .prefetch_related("predecessors")
        .order_by("request_id", "position")
    )
    task_list = list(tasks)
    latest: dict[int, ProgressUpdate] = {}
    help_open: dict[int, list[ProgressUpdate]] = {}
    for update in ProgressUpdate.objects.filter(task__in=task_list).select_related("help_from").order_by("created_at"):
        latest[update.task_id] = update
        if update.help_open:
            help_open.setdefault(update.task_id, []).append(update)
    rows = []
    engines: dict[int, object] = {}
    for task in task_list:
        if task.project_id not in engines:
            engines[task.project_id] = engine_for(calendar_for_project(task.project))
        engine = engines[task.project_id]
        last = latest.get(task.pk)
        status, reason = "in_progress", ""
        if task.state == TaskState.DONE:
            status = "done"
        elif task.end_date < today:
            status, reason = "late", _("已过计划完成日期 %(d)s") % {"d": f"{task.end_date:%m-%d}"}
        else:
            blocking = [p for p in task.predecessors.all() if p.state != TaskState.DONE and p.end_date < today]
            if blocking:
                status, reason = (
                    "late",
                    _("前置任务滞后：%(tasks)s") % {"tasks": enumerate_list(p.title for p in blocking)},
                )
            elif task.state in (TaskState.PUBLISHED, TaskState.ACCEPTED):
                status = "late" if task.start_date < today else "not_started"
                if status == "late":
                    reason = _("应于 %(d)s 开始") % {"d": f"{task.start_date:%m-%d}"}
        stale = False
        if task.state == TaskState.IN_PROGRESS:
            previous = _previous_working_day(engine, today)
            started = clock.local(task.started_at).date() if task.started_at else today
            stale = started <= previous and (last is None or last.work_date < previous)
        rows.append(
            TrackingRow(
                task,
                status,
                reason,
                last.percent if last else (100 if status == "done" else 0),
                last,
                stale,
                help_open.get(task.pk, []),
            )
        )
    return rows


def _previous_working_day(engine, today: dt.date) -> dt.date:
    day = today - dt.timedelta(days=1)
    for _attempt in range(30):
        if engine.is_working_day(day):
            return day
        day -= dt.timedelta(days=1)
    return day


def project_tasks(
    user, project, *, department: int | None = None, person: int | None = None, status: str = ""
) -> list[TrackingRow]:
    qs = Task.objects.restrict(user).filter(project=project).exclude(state__in=["draft", "cancelled"])
    if department:
        qs = qs.filter(department_id=department)
    if person:
        qs = qs.filter(owner_id=person)
    rows = tracking_rows(qs)
    return [r for r in rows if r.status == status] if status else rows
