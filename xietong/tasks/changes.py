"""A published 协同任务分工表 changes by a 需求变更 (issue 20): every participating head signed it, so a task's
完成标准, dates and owner are no longer edited directly (tasks.services refuses it) but carried by the request's
需求变更 step — diffed line by line with the rest of the change, sent in writing to every participant, each of
whom confirms 已阅 (requests.changes). Each changed task takes its declared `change` step (re-timed, a new owner
told); each dependent task that would now start inside the buffer after its predecessor's new end
(《多部门协同作业标准沟通流程》关键执行要点提示「时间节点应预留1-2天缓冲期」, the milestone/buffer policy) takes
its `replan` step, keeping its working days. Registered as the request change's "tasks" part (tasks.apps).

A task is added to, or cancelled from, a published 分工表 the same way (the "new_tasks" and "cancel_tasks"
parts; direct creation and cancellation are refused, tasks.services / tasks.process): the new task — name,
owner and so department, dates, 完成标准, predecessors — is checked as a task is, listed in the version's diff,
then made a draft and published by its own `publish` step (acceptance and due clocks, the owner told 【新任务】);
a cancelled task takes its `cancel` step (its clocks stopped). Either way the affected department's signature on
the 分工表 is void and its head asked to sign again (the breakdown's `ask_again` step), which holds back the
request's 提交交付 until they have (tasks.request_gates)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from typing import Any

from django import forms
from django.utils.translation import gettext, gettext_lazy

from xietong.items.process import StepContext
from xietong.items.runner import run_step
from xietong.org.models import Person
from xietong.requests.changes import ChangePart
from xietong.requests.choices import Priority
from xietong.requests.milestones import buffer_days
from xietong.tasks.choices import TaskState as T
from xietong.tasks.models import Breakdown, Task
from xietong.tasks.process import RUNNING, shown_value, signing_departments
from xietong.tasks.services import CHANGE_CONTROLLED, TASK_FIELDS, project_people, task_row_create, task_validate
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


# --- a task added to / cancelled from the published 分工表 ----------------------------------------------------
NEW_KEY, CANCEL_KEY = "new_tasks", "cancel_tasks"
NEW_FIELDS = ("title", "owner", "start_date", "end_date", "completion_criteria", "predecessors")


def published_breakdown(request: Any) -> Breakdown | None:
    breakdown = Breakdown.objects.filter(request=request).first()
    return breakdown if breakdown is not None and breakdown.state == Breakdown.State.PUBLISHED else None


def new_field_name(n: int, field: str) -> str:
    """Where an error about the n-th new task's field is shown (the change form's field, the API's error key)."""
    return f"new-task-{n}-{field}"


def cancel_field_name(task_id: int) -> str:
    return f"cancel-task-{task_id}"


def new_tasks_diff(ctx: StepContext, wanted: list[Mapping[str, Any]]) -> tuple[list[dict[str, str]], dict]:
    """Each new task checked as a task is (errors at new-task-<n>-<field>), one diff line each."""
    request = ctx.item
    breakdown = published_breakdown(request)
    if breakdown is None:
        return [], {NEW_KEY: gettext("分工表尚未发布：任务可在任务分解表中直接添加，无需需求变更")}
    tasks = {t.pk: t for t in breakdown.tasks.exclude(state=T.CANCELLED)}
    changes: list[dict[str, str]] = []
    errors: dict[str, str] = {}
    found: list[tuple[dict[str, Any], list[Task]]] = []
    for n, values in enumerate(wanted, start=1):
        data: dict[str, Any] = {
            "title": (values.get("title") or "").strip(),
            "content": (values.get("content") or "").strip(),
            "completion_criteria": (values.get("completion_criteria") or "").strip(),
            "owner": values.get("owner"),
            "coordinator": None,
            "start_date": values.get("start_date"),
            "end_date": values.get("end_date"),
            "priority": values.get("priority") or Priority.MEDIUM,
            "resources": "",
        }
        problems = task_validate(ctx.principal, breakdown, data, [])
        errors.update({new_field_name(n, f): problems[f] for f in (*NEW_FIELDS, "priority") if f in problems})
        predecessors = []
        for key in values.get("predecessors") or []:
            task = tasks.get(int(getattr(key, "pk", key)))
            if task is None:
                errors[new_field_name(n, "predecessors")] = gettext("前置任务须为本分工表中未取消的任务")
            else:
                predecessors.append(task)
        if problems or new_field_name(n, "predecessors") in errors:
            continue
        owner = data["owner"]
        department = owner.department or request.receiving_department
        words = gettext("负责人：%(o)s（%(d)s），%(s)s ~ %(e)s；完成标准：%(c)s") % {
            "o": owner.display_name,
            "d": department.name,
            "s": f"{data['start_date']:%Y-%m-%d}",
            "e": f"{data['end_date']:%Y-%m-%d}",
            "c": data["completion_criteria"],
        }
        if predecessors:
            words += gettext("；前置任务：%(p)s") % {"p": "、".join(t.title for t in predecessors)}
        changes.append(
            {
                "field": f"task:new:{n}",
                "label": gettext("新增任务“%(t)s”") % {"t": data["title"]},
                "old": "—",
                "new": words,
            }
        )
        found.append((data, predecessors))
    ctx.inputs["tasks_added"] = found
    return changes, errors


def new_tasks_apply(ctx: StepContext, wanted: Any) -> list[dict[str, Any]]:
    """Each new task is made a draft and published by its own step (clocks armed, owner told 【新任务】); its
    department's head signs the 分工表 again."""
    breakdown = Breakdown.objects.get(request=ctx.item)
    number = ctx.inputs["number"]
    added: list[dict[str, Any]] = []
    for data, predecessors in ctx.inputs.get("tasks_added", []):
        task = task_row_create(
            actor=ctx.principal, breakdown=breakdown, helpers=[], predecessors=predecessors, data=data, version=number
        )
        task = run_step(actor=ctx.actor, item=task, step="publish", as_system=True, fresh=True)
        added.append(
            {
                "kind": "task",
                "id": task.pk,
                "text": gettext("新增任务“%(t)s” %(s)s（已发布并计时，负责人：%(o)s）")
                % {"t": task.title, "s": span(task.start_date, task.end_date), "o": task.owner.display_name},
                "flag": False,
            }
        )
        sign_again(ctx, breakdown, task)
    return added


def cancel_tasks_diff(ctx: StepContext, wanted: list[Any]) -> tuple[list[dict[str, str]], dict]:
    breakdown = published_breakdown(ctx.item)
    if breakdown is None:
        return [], {CANCEL_KEY: gettext("分工表尚未发布：任务可在任务页面直接取消，无需需求变更")}
    tasks = {t.pk: t for t in breakdown.tasks.select_related("owner")}
    changes: list[dict[str, str]] = []
    errors: dict[str, str] = {}
    found: list[int] = []
    for key in wanted:
        task = tasks.get(int(key))
        if task is None:
            errors[CANCEL_KEY] = gettext("任务 %(id)s 不属于本需求的任务分解表") % {"id": key}
            continue
        if task.state not in RUNNING:
            errors[cancel_field_name(task.pk)] = gettext("任务“%(t)s”已%(s)s，不能再取消") % {
                "t": task.title,
                "s": task.get_state_display(),
            }
            continue
        changes.append(
            {
                "field": f"task:{task.pk}:cancel",
                "label": gettext("取消任务“%(t)s”") % {"t": task.title},
                "old": gettext("%(s)s（负责人：%(o)s，%(d)s）")
                % {
                    "s": task.get_state_display(),
                    "o": task.owner.display_name,
                    "d": span(task.start_date, task.end_date),
                },
                "new": gettext("已取消"),
            }
        )
        found.append(task.pk)
    ctx.inputs["tasks_cancelled"] = found
    return changes, errors


def cancel_tasks_apply(ctx: StepContext, wanted: Any) -> list[dict[str, Any]]:
    """Each task takes its `cancel` step (its clocks stopped, its I people told); its department signs again."""
    number = ctx.inputs["number"]
    breakdown = Breakdown.objects.get(request=ctx.item)
    cancelled: list[dict[str, Any]] = []
    for pk in ctx.inputs.get("tasks_cancelled", []):
        task = run_step(
            actor=ctx.actor,
            item=Task.objects.get(pk=pk),
            step="cancel",
            reason=gettext("按需求变更（V%(n)s）取消") % {"n": number},
            inputs={"version": number},
            as_system=True,
        )
        cancelled.append(
            {
                "kind": "task",
                "id": task.pk,
                "text": gettext("任务“%(t)s”已按需求变更取消（计时已停止）") % {"t": task.title},
                "flag": False,
            }
        )
        sign_again(ctx, breakdown, task)
    return cancelled


def sign_again(ctx: StepContext, breakdown: Breakdown, task: Task) -> None:
    """The head of the department the task is in signed the 分工表 without it (or with it): that signature is
    void and they are asked to sign again — once per change and department."""
    asked: set[int] = ctx.inputs.setdefault("signatures_asked_again", set())
    if task.department_id in asked:
        return
    for participation in signing_departments(breakdown):
        if participation.department_id == task.department_id:
            asked.add(task.department_id)
            run_step(
                actor=ctx.actor,
                item=breakdown,
                step="ask_again",
                inputs={"participation": participation, "why": "tasks", "version": ctx.inputs["number"]},
                as_system=True,
            )


NEW_LABELS = {
    "title": gettext_lazy("新增任务：任务名称"),
    "owner": gettext_lazy("新增任务：负责人"),
    "start_date": gettext_lazy("新增任务：开始时间"),
    "end_date": gettext_lazy("新增任务：结束时间"),
    "completion_criteria": gettext_lazy("新增任务：完成标准"),
    "predecessors": gettext_lazy("新增任务：前置任务"),
}


class PredecessorsField(forms.ModelMultipleChoiceField):
    def label_from_instance(self, obj: Task) -> str:
        return f"{obj.position}. {obj.title}"


def new_tasks_form_fields(request: Any, person: Any) -> list[tuple[str, forms.Field, Any]]:
    """One new task per change on the page (the API takes several); left empty, nothing is added."""
    breakdown = published_breakdown(request)
    if breakdown is None:
        return []
    members = project_people(request.project)
    return [
        (new_field_name(1, "title"), forms.CharField(label=NEW_LABELS["title"], required=False, max_length=120), ""),
        (
            new_field_name(1, "owner"),
            OwnerField(
                label=NEW_LABELS["owner"],
                required=False,
                queryset=Person.objects.filter(pk__in=members).order_by("name"),
            ),
            None,
        ),
        (
            new_field_name(1, "start_date"),
            forms.DateField(label=NEW_LABELS["start_date"], required=False, widget=DATE),
            None,
        ),
        (
            new_field_name(1, "end_date"),
            forms.DateField(label=NEW_LABELS["end_date"], required=False, widget=DATE),
            None,
        ),
        (
            new_field_name(1, "completion_criteria"),
            forms.CharField(
                label=NEW_LABELS["completion_criteria"], required=False, widget=forms.Textarea(attrs={"rows": 2})
            ),
            "",
        ),
        (
            new_field_name(1, "predecessors"),
            PredecessorsField(
                label=NEW_LABELS["predecessors"],
                required=False,
                queryset=breakdown.tasks.exclude(state=T.CANCELLED).order_by("position"),
                widget=forms.SelectMultiple(attrs={"size": 4}),
            ),
            [],
        ),
    ]


def new_tasks_form_values(cleaned: dict[str, Any]) -> list[dict[str, Any]]:
    values = {
        name.removeprefix(new_field_name(1, "")): value
        for name, value in cleaned.items()
        if name.startswith(new_field_name(1, ""))
    }
    if not any(values.get(f) for f in NEW_FIELDS):
        return []
    values["predecessors"] = list(values.get("predecessors") or [])
    return [values]


def cancel_tasks_form_fields(request: Any, person: Any) -> list[tuple[str, forms.Field, Any]]:
    breakdown = published_breakdown(request)
    if breakdown is None:
        return []
    return [
        (
            cancel_field_name(task.pk),
            forms.BooleanField(label=gettext("取消任务“%(t)s”") % {"t": task.title}, required=False),
            False,
        )
        for task in breakdown.tasks.filter(state__in=RUNNING).order_by("position")
    ]


def cancel_tasks_form_values(cleaned: dict[str, Any]) -> list[int]:
    return [
        int(name.removeprefix("cancel-task-")) for name, on in cleaned.items() if name.startswith("cancel-task-") and on
    ]


NEW_TASKS_PART = ChangePart(
    NEW_KEY,
    diff=new_tasks_diff,
    apply=new_tasks_apply,
    form_fields=new_tasks_form_fields,
    form_values=new_tasks_form_values,
)
CANCEL_TASKS_PART = ChangePart(
    CANCEL_KEY,
    diff=cancel_tasks_diff,
    apply=cancel_tasks_apply,
    form_fields=cancel_tasks_form_fields,
    form_values=cancel_tasks_form_values,
)
