"""A published 协同任务分工表 changes by a 需求变更 (issue 20): every participating head signed it, so a task's
完成标准, dates and owner are no longer edited directly (tasks.services refuses it) but carried by the request's
需求变更 step — diffed line by line with the rest of the change, sent in writing to every participant, each of
whom confirms 已阅 (requests.changes). Each changed task takes its declared `change` step (re-timed, a new owner
told); each dependent task that would now start inside the buffer after its predecessor's new end
(《多部门协同作业标准沟通流程》关键执行要点提示「时间节点应预留1-2天缓冲期」, the milestone/buffer policy) takes
its `replan` step, keeping its working days. Registered as the request change's "tasks" part (tasks.apps)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from typing import Any

from django import forms
from django.utils.translation import gettext

from xietong.items.process import StepContext
from xietong.items.runner import run_step
from xietong.org.models import Person
from xietong.requests.changes import ChangePart
from xietong.requests.milestones import buffer_days
from xietong.tasks.choices import TaskState as T
from xietong.tasks.models import Breakdown, Task
from xietong.tasks.process import shown_value
from xietong.tasks.services import CHANGE_CONTROLLED, TASK_FIELDS, project_people, task_validate
from xietong.workcal.selectors import calendar_for_project, engine_for

KEY = "tasks"
MOVABLE = (T.DRAFT, T.PUBLISHED, T.ACCEPTED)  # a successor not started yet


def field_name(task_id: int, field: str) -> str:
    """Where an error about one task's field is shown (the change form's field, the API's error key)."""
    return f"task-{task_id}-{field}"


def tasks_diff(ctx: StepContext, wanted: Mapping[Any, Mapping[str, Any]]) -> tuple[list[dict[str, str]], dict]:
    """The wanted values of each task, checked as a task's are, diffed field by field."""
    request = ctx.item
    breakdown = Breakdown.objects.filter(request=request).first()
    if breakdown is None or breakdown.state != Breakdown.State.PUBLISHED:
        return [], {"tasks": gettext("分工表尚未发布：任务可在任务分解表中直接修改，无需需求变更")}
    tasks = {t.pk: t for t in breakdown.tasks.select_related("owner").prefetch_related("helpers")}
    changes: list[dict[str, str]] = []
    errors: dict[str, str] = {}
    found: dict[int, dict[str, Any]] = {}
    for key, values in wanted.items():
        task = tasks.get(int(key))
        if task is None:
            errors["tasks"] = gettext("任务 %(id)s 不属于本需求的任务分解表") % {"id": key}
            continue
        unknown = set(values) - set(CHANGE_CONTROLLED)
        if unknown:
            raise ValueError(f"a 需求变更 does not change {sorted(unknown)} of a task")
        values = {f: (v.strip() if isinstance(v, str) else v) for f, v in values.items()}
        changed = {f: v for f, v in values.items() if v != getattr(task, f)}
        if not changed:
            continue
        if task.state in (T.DONE, T.CANCELLED):
            errors[field_name(task.pk, next(iter(changed)))] = gettext("任务“%(t)s”已%(s)s，不能再变更") % {
                "t": task.title,
                "s": task.get_state_display(),
            }
            continue
        merged = {**{f: getattr(task, f) for f in TASK_FIELDS}, **values}
        problems = task_validate(ctx.principal, breakdown, merged, [], criteria_required=bool(task.completion_criteria))
        for field in CHANGE_CONTROLLED:
            if field in problems:
                errors[field_name(task.pk, field)] = problems[field]
        for field, label in CHANGE_CONTROLLED.items():
            if field in changed:
                changes.append(
                    {
                        "field": f"task:{task.pk}:{field}",
                        "label": gettext("任务“%(t)s”%(f)s") % {"t": task.title, "f": label},
                        "old": shown_value(getattr(task, field)),
                        "new": shown_value(changed[field]),
                    }
                )
        found[task.pk] = changed
    ctx.inputs["tasks_changed"] = found
    return changes, errors


def tasks_apply(ctx: StepContext, wanted: Any) -> list[dict[str, Any]]:
    """Each changed task takes its `change` step; the dependent tasks move along (`replan`)."""
    replanned: list[dict[str, Any]] = []
    number = ctx.inputs["number"]
    for pk, values in ctx.inputs.get("tasks_changed", {}).items():
        task = Task.objects.get(pk=pk)
        was = (task.start_date, task.end_date)
        task = run_step(
            actor=ctx.actor, item=task, step="change", inputs={"values": values, "version": number}, as_system=True
        )
        if (task.start_date, task.end_date) != was:
            replanned.append(
                {
                    "kind": "task",
                    "id": task.pk,
                    "text": gettext("任务“%(t)s” %(a)s → %(b)s（已重新计时）")
                    % {"t": task.title, "a": span(*was), "b": span(task.start_date, task.end_date)},
                    "flag": False,
                }
            )
        if task.end_date > was[1]:
            replanned.extend(successors_replan(ctx, task, seen={task.pk}))
    return replanned


def span(start: dt.date, end: dt.date) -> str:
    return f"{start:%Y-%m-%d} ~ {end:%Y-%m-%d}"


def successors_replan(ctx: StepContext, task: Task, seen: set[int]) -> list[dict[str, Any]]:
    """Every dependent task not started yet that would begin inside the buffer after `task` ends starts at the
    first working day after it, keeping its working days; then its own successors, in turn."""
    engine = engine_for(calendar_for_project(task.project))
    earliest = engine.add_working_days(task.end_date, buffer_days() + 1)
    moved: list[dict[str, Any]] = []
    successors = Task.objects.filter(dependency_links__predecessor=task, state__in=MOVABLE).order_by("position")
    for successor in successors:
        if successor.pk in seen or successor.start_date >= earliest:
            continue
        seen.add(successor.pk)
        shift = sum(1 for _day in engine.working_days(successor.start_date, earliest - dt.timedelta(days=1)))
        was = (successor.start_date, successor.end_date)
        successor = run_step(
            actor=ctx.actor,
            item=successor,
            step="replan",
            inputs={
                "start_date": earliest,
                "end_date": engine.add_working_days(successor.end_date, shift),
                "predecessor": task.title,
                "cause": gettext("按需求变更（V%(n)s）调整") % {"n": ctx.inputs["number"]},
                "version": ctx.inputs["number"],
            },
            as_system=True,
        )
        moved.append(
            {
                "kind": "task",
                "id": successor.pk,
                "text": gettext("任务“%(t)s” %(a)s → %(b)s（前置任务“%(p)s”调整，已顺延并重新计时）")
                % {
                    "t": successor.title,
                    "a": span(*was),
                    "b": span(successor.start_date, successor.end_date),
                    "p": task.title,
                },
                "flag": False,
            }
        )
        moved.extend(successors_replan(ctx, successor, seen))
    return moved


# --- the change form: each open task of the published 分工表, with what the change may alter ----------------
DATE = forms.DateInput(format="%Y-%m-%d", attrs={"type": "date"})


class OwnerField(forms.ModelChoiceField):
    def label_from_instance(self, obj: Person) -> str:
        return obj.display_name


def tasks_form_fields(request: Any, person: Any) -> list[tuple[str, forms.Field, Any]]:
    breakdown = Breakdown.objects.filter(request=request).first()
    if breakdown is None or breakdown.state != Breakdown.State.PUBLISHED:
        return []
    members = project_people(request.project)
    fields: list[tuple[str, forms.Field, Any]] = []
    for task in breakdown.tasks.exclude(state__in=(T.DONE, T.CANCELLED)).select_related("owner").order_by("position"):

        def label(field: str, task: Task = task) -> str:
            return gettext("任务“%(t)s”%(f)s") % {"t": task.title, "f": CHANGE_CONTROLLED[field]}

        fields += [
            (
                field_name(task.pk, "completion_criteria"),
                forms.CharField(
                    label=label("completion_criteria"), required=False, widget=forms.Textarea(attrs={"rows": 2})
                ),
                task.completion_criteria,
            ),
            (
                field_name(task.pk, "start_date"),
                forms.DateField(label=label("start_date"), widget=DATE),
                task.start_date,
            ),
            (field_name(task.pk, "end_date"), forms.DateField(label=label("end_date"), widget=DATE), task.end_date),
            (
                field_name(task.pk, "owner"),
                OwnerField(
                    label=label("owner"),
                    queryset=Person.objects.filter(pk__in=members | {task.owner_id}).order_by("name"),
                ),
                task.owner_id,
            ),
        ]
    return fields


def tasks_form_values(cleaned: dict[str, Any]) -> dict[int, dict[str, Any]]:
    wanted: dict[int, dict[str, Any]] = {}
    for name, value in cleaned.items():
        if name.startswith("task-"):
            _prefix, pk, field = name.split("-", 2)
            wanted.setdefault(int(pk), {})[field] = value
    return wanted


TASKS_PART = ChangePart(
    KEY, diff=tasks_diff, apply=tasks_apply, form_fields=tasks_form_fields, form_values=tasks_form_values
)
