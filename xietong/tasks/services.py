"""Writes to breakdowns and tasks: building, RACI, dependencies; publishing and each task's steps run the
declared process (tasks.process)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db import transaction
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.utils.translation import gettext_lazy as _lazy

from xietong.clocks.services import policy_for
from xietong.clocks.wording import due_text, policy_limit_text
from xietong.core.audit import audit_record, changed_fields, snapshot
from xietong.core.bounds import plan_date_error
from xietong.core.concurrency import save_versioned
from xietong.core.errors import ApplicationError, Conflict, Forbidden, InvalidState
from xietong.core.permissions import VIEW, authorize
from xietong.items.runner import run_step
from xietong.notify.models import MessageKind
from xietong.notify.services import notify
from xietong.org.models import Person, ProjectMembership
from xietong.org.services import project_members_admit
from xietong.requests.choices import Priority, RequestState
from xietong.requests.models import Request
from xietong.tasks.choices import RaciRole, TaskState
from xietong.tasks.models import Breakdown, BreakdownSignature, Task, TaskDependency, TaskRole
from xietong.tasks.process import NEW_TASK_BODY, NEW_TASK_TITLE, raci_validate
from xietong.tasks.schedule import Node, date_conflicts, find_cycle
from xietong.tasks.timers import arm_accept, arm_daily_update, arm_due
from xietong.workcal.selectors import calendar_for_project, engine_for

TASK_FIELDS = (
    "title",
    "content",
    "completion_criteria",
    "owner",
    "coordinator",
    "start_date",
    "end_date",
    "priority",
    "resources",
)
BUILDABLE_REQUEST_STATES = (RequestState.ACCEPTED, RequestState.IN_PROGRESS)
# Once every participating head signed and the 分工表 is published, these change only by a 需求变更 (issue 20;
# 《多部门协同作业标准沟通流程》关键执行要点提示「重要沟通(如需求变更、进度滞后)必须书面同步至所有参与方」):
# the change is sent to every participant, each confirms 已阅, and dependent dates are re-planned (tasks.changes).
CHANGE_CONTROLLED = {
    "completion_criteria": _lazy("完成标准"),
    "start_date": _lazy("开始时间"),
    "end_date": _lazy("结束时间"),
    "owner": _lazy("负责人"),
}


def _may_build(actor: Person, request: Request) -> bool:
    return request.is_requester_side(actor) or request.is_receiver_side(actor)


def project_people(project) -> set[int]:
    """Who may own a task of the project: its members and its lead."""
    return _members(project)


def _members(project) -> set[int]:
    ids = set(ProjectMembership.objects.filter(project=project).values_list("person_id", flat=True))
    ids.add(project.lead_id)
    return ids


@transaction.atomic
def breakdown_open(*, actor: Person, request: Request) -> Breakdown:
    """The request's breakdown, created on first use. Only both sides of an accepted request build it."""
    authorize(actor, VIEW, request)
    request = Request.objects.select_related("project", "requesting_department", "receiving_department").get(
        pk=request.pk
    )
    if request.state not in BUILDABLE_REQUEST_STATES and not Breakdown.objects.filter(request=request).exists():
        raise InvalidState(_("需求受理后才能制定协作任务分解表"))
    breakdown, created = Breakdown.objects.get_or_create(request=request)
    if created:
        if not _may_build(actor, request):
            raise Forbidden(_("只有发起方与接收方可以制定任务分解表"))
        audit_record(actor=actor, action="breakdown.create", obj=request, after={"breakdown": breakdown.pk})
    return breakdown


def task_validate(
    actor: Person, breakdown: Breakdown, data: dict[str, Any], helpers: list[Person], *, criteria_required: bool = True
) -> dict[str, str]:
    errors: dict[str, str] = {}
    request = breakdown.request
    members = _members(request.project)
    if not (data.get("title") or "").strip():
        errors["title"] = _("请填写任务名称")
    if not (data.get("completion_criteria") or "").strip() and criteria_required:
        errors["completion_criteria"] = _("请填写完成标准，如“输出功耗测试报告，待机续航≥5天”")
    owner = data.get("owner")
    if owner is None:
        errors["owner"] = _("每个任务必须有唯一责任人")
    elif owner.pk not in members:
        errors["owner"] = _("%(person)s 不是项目“%(project)s”的成员，不能担任负责人") % {
            "person": owner,
            "project": request.project,
        }
    outsiders = [p.display_name for p in helpers if p.pk not in members]
    if outsiders:
        errors["helpers"] = _("协助人须为项目成员：%(names)s 不是") % {"names": "、".join(outsiders)}
    if owner is not None and owner in helpers:
        errors["helpers"] = _("负责人不必再列为协助人")
    start, end = data.get("start_date"), data.get("end_date")
    if start is None:
        errors["start_date"] = _("请填写开始时间")
    if end is None:
        errors["end_date"] = _("请填写结束时间")
    if start and end and end < start:
        errors["end_date"] = _("结束时间 %(end)s 早于开始时间 %(start)s") % {"end": end, "start": start}
    for field, label in (("start_date", _("开始时间")), ("end_date", _("结束时间"))):
        if (bound := plan_date_error(data.get(field), label)) is not None:
            errors[field] = bound
    if data.get("priority") not in Priority.values:
        errors["priority"] = _("优先级只能是 高、中、低")
    return errors


def _default_roles(task: Task, helpers: list[Person]) -> None:
    rows = [
        TaskRole(task=task, person=task.owner, role=RaciRole.ACCOUNTABLE),
        TaskRole(task=task, person=task.owner, role=RaciRole.RESPONSIBLE),
    ]
    rows += [TaskRole(task=task, person=p, role=RaciRole.RESPONSIBLE) for p in helpers]
    if task.coordinator_id and task.coordinator_id != task.owner_id:
        rows.append(TaskRole(task=task, person=task.coordinator, role=RaciRole.CONSULTED))
    if task.request.requester_id not in {task.owner_id, *[p.pk for p in helpers]}:
        rows.append(TaskRole(task=task, person=task.request.requester, role=RaciRole.INFORMED))
    TaskRole.objects.bulk_create(rows, ignore_conflicts=True)


def signatures_void(actor: Person, breakdown: Breakdown) -> None:
    """The 分工表 or its RACI changed while a draft: what the heads signed is no longer what it says; their
    signatures are void (on the request's history) and they sign again."""
    if breakdown.state != Breakdown.State.DRAFT:
        return
    rows = list(BreakdownSignature.objects.filter(breakdown=breakdown).select_related("department", "signed_by"))
    if not rows:
        return
    BreakdownSignature.objects.filter(pk__in=[r.pk for r in rows]).delete()
    audit_record(
        actor=actor,
        action="breakdown.signatures_void",
        obj=breakdown.request,
        before={"signatures": [f"{r.department.name}（{r.signed_by.display_name}）" for r in rows]},
        after={"signatures": []},
    )


def _admit(actor: Person, request: Request, people: list[Person | None]) -> None:
    """A department head naming a member of her department adds them to the project on the spot (audited);
    refused work rolls that back with it."""
    project_members_admit(actor=actor, project=request.project, people=people)


# After publication a task is added (or cancelled) only by a 需求变更 (tasks.changes), never directly: the
# 分工表 is what every participating head signed (《多部门协同作业标准沟通流程》二「《协同任务分工表》(含各部门负责人签字
# 确认)」), and 重要沟通(如需求变更、进度滞后)必须书面同步至所有参与方 (关键执行要点提示).
ADD_REFUSAL = gettext_lazy(
    "分工表已发布（各参与部门负责人已签字），不能直接新增任务：请在需求页面“提出需求变更”，"
    "变更将书面发送全部参与方确认，受影响部门的负责人重新签字"
)


@transaction.atomic
def task_create(
    *,
    actor: Person,
    breakdown: Breakdown,
    helpers: list[Person] | None = None,
    predecessors: list[Task] | None = None,
    **data: Any,
) -> Task:
    """A task of a draft 分工表. On a published one this is refused at the task's name, pointing to 需求变更."""
    breakdown = (
        Breakdown.objects.select_for_update(of=("self",)).select_related("request__project").get(pk=breakdown.pk)
    )
    request = breakdown.request
    authorize(actor, VIEW, request)
    if not _may_build(actor, request):
        raise Forbidden(_("只有发起方与接收方可以编制任务"))
    if breakdown.state == Breakdown.State.PUBLISHED:
        raise ApplicationError(str(ADD_REFUSAL), fields={"title": str(ADD_REFUSAL)})
    helpers = helpers or []
    data.setdefault("priority", Priority.MEDIUM)
    _admit(actor, request, [data.get("owner"), data.get("coordinator"), *helpers])
    errors = task_validate(actor, breakdown, data, helpers)
    if errors:
        raise ApplicationError(_("任务信息有误"), fields=errors)
    task = task_row_create(actor=actor, breakdown=breakdown, helpers=helpers, predecessors=predecessors, data=data)
    signatures_void(actor, breakdown)
    return task


def task_row_create(
    *,
    actor: Person,
    breakdown: Breakdown,
    helpers: list[Person],
    predecessors: list[Task] | None,
    data: dict[str, Any],
    version: int | None = None,
) -> Task:
    """The task's row, a draft, checked by the caller: its number, default RACI and predecessors, on its
    history (`version`: the 需求变更 that added it). Publishing it is its own declared step."""
    request = breakdown.request
    data = {**data, "completion_criteria": (data.get("completion_criteria") or "").strip()}
    position = (breakdown.tasks.order_by("-position").values_list("position", flat=True).first() or 0) + 1
    task = Task(
        breakdown=breakdown,
        request=request,
        project=request.project,
        created_by=actor,
        position=position,
        number=f"{request.number}-T{position:02d}",
        department=data["owner"].department or request.receiving_department,
        **{k: v for k, v in data.items() if k in TASK_FIELDS},
    )
    task.save()
    task.helpers.set(helpers)
    _default_roles(task, helpers)
    if predecessors:
        dependencies_set(actor=actor, task=task, predecessors=predecessors, audit=False)
    after = {
        **snapshot(task, TASK_FIELDS),
        "helpers": [p.pk for p in helpers],
        "predecessors": [p.pk for p in predecessors or []],
    }
    if version is not None:
        after["version"] = version
    audit_record(actor=actor, action="task.create", obj=task, after=after)
    return task


@transaction.atomic
def task_update(
    *, actor: Person, task: Task, expected_version: int, helpers: list[Person] | None = None, **data: Any
) -> tuple[Task, list[Task]]:
    """Edit a task. Returns it with the successors whose start now falls before its end (to show)."""
    authorize(actor, VIEW, task)
    task = Task.objects.select_for_update(of=("self",)).select_related("request", "breakdown").get(pk=task.pk)
    if task.version != expected_version:
        raise Conflict()
    if not _may_build(actor, task.request):
        raise Forbidden(_("只有发起方与接收方可以修改任务"))
    if task.state in (TaskState.DONE, TaskState.CANCELLED):
        raise InvalidState(_("已完成或已取消的任务不能修改"))
    current_helpers = list(task.helpers.all())
    new_helpers = current_helpers if helpers is None else helpers
    merged = {**{f: getattr(task, f) for f in TASK_FIELDS}, **data}
    merged["completion_criteria"] = (merged["completion_criteria"] or "").strip()  # as task_create keeps it
    _admit(actor, task.request, [merged.get("owner"), merged.get("coordinator"), *new_helpers])
    # A task made before 完成标准 was asked for may keep it empty; once given, it cannot be erased.
    errors = task_validate(actor, task.breakdown, merged, new_helpers, criteria_required=bool(task.completion_criteria))
    errors.update(change_controlled_refusals(task, merged))
    if errors:
        raise ApplicationError(_("任务信息有误"), fields=errors)
    before = {**snapshot(task, TASK_FIELDS), "helpers": sorted(p.pk for p in current_helpers)}
    owner_changed = merged["owner"].pk != task.owner_id
    for field in TASK_FIELDS:
        setattr(task, field, merged[field])
    save_versioned(task, expected_version=expected_version, fields=TASK_FIELDS)
    task.helpers.set(new_helpers)
    if owner_changed:
        TaskRole.objects.filter(task=task, role=RaciRole.ACCOUNTABLE).delete()
        TaskRole.objects.get_or_create(task=task, person=task.owner, role=RaciRole.ACCOUNTABLE)
        TaskRole.objects.get_or_create(task=task, person=task.owner, role=RaciRole.RESPONSIBLE)
    old, new = changed_fields(before, {**snapshot(task, TASK_FIELDS), "helpers": sorted(p.pk for p in new_helpers)})
    if new:
        audit_record(actor=actor, action="task.update", obj=task, before=old, after=new)
        signatures_void(actor, task.breakdown)
    if owner_changed and task.state == TaskState.PUBLISHED:
        _announce(task, [task.owner])
    if task.state in (TaskState.PUBLISHED, TaskState.ACCEPTED, TaskState.IN_PROGRESS) and (
        owner_changed or "end_date" in new
    ):
        arm_due(task)
    if owner_changed and task.state == TaskState.IN_PROGRESS:
        arm_daily_update(task)
    return task, successors_in_conflict(task)


def change_controlled_refusals(task: Task, merged: dict[str, Any]) -> dict[str, str]:
    """After publication the 完成标准, dates and owner are not edited directly: each one changed is refused at
    its field, pointing to the 需求变更."""
    if task.breakdown.state != Breakdown.State.PUBLISHED:
        return {}
    errors = {}
    for field, label in CHANGE_CONTROLLED.items():
        old, new = getattr(task, field), merged[field]
        if isinstance(new, str) and isinstance(old, str):  # a form sends its lines back with \r\n
            old, new = old.replace("\r\n", "\n").strip(), new.replace("\r\n", "\n").strip()
        if new != old:
            errors[field] = _(
                "分工表已发布（各参与部门负责人已签字），%(label)s不能直接修改：请在需求页面“提出需求变更”，"
                "变更将书面发送全部参与方确认"
            ) % {"label": label}
    return errors


def successors_in_conflict(task: Task) -> list[Task]:
    return list(
        Task.objects.filter(dependency_links__predecessor=task, start_date__lte=task.end_date)
        .exclude(state=TaskState.CANCELLED)
        .order_by("position")
    )


@transaction.atomic
def dependencies_set(*, actor: Person, task: Task, predecessors: list[Task], audit: bool = True) -> None:
    """Task starts after these tasks end. Refused across breakdowns and for cycles (named)."""
    if not _may_build(actor, task.request):
        raise Forbidden(_("只有发起方与接收方可以设置依赖关系"))
    for predecessor in predecessors:
        if predecessor.breakdown_id != task.breakdown_id:
            raise ApplicationError(
                fields={"predecessors": _("“%(other)s”属于其他需求或项目，不能作为前置任务") % {"other": predecessor}}
            )
        if predecessor.pk == task.pk:
            raise ApplicationError(fields={"predecessors": _("任务不能依赖自己")})
    edges: dict[int, set[int]] = {}
    for link in TaskDependency.objects.filter(task__breakdown_id=task.breakdown_id).exclude(task=task):
        edges.setdefault(link.task_id, set()).add(link.predecessor_id)
    edges[task.pk] = {p.pk for p in predecessors}
    cycle = find_cycle(edges)
    if cycle:
        titles = dict(Task.objects.filter(pk__in=cycle).values_list("pk", "title"))
        raise ApplicationError(
            fields={"predecessors": _("依赖关系形成循环：%(cycle)s") % {"cycle": " → ".join(titles[i] for i in cycle)}}
        )
    before = sorted(task.predecessors.values_list("pk", flat=True))
    TaskDependency.objects.filter(task=task).delete()
    TaskDependency.objects.bulk_create([TaskDependency(task=task, predecessor=p) for p in predecessors])
    if before != sorted(p.pk for p in predecessors):
        signatures_void(actor, task.breakdown)
    if audit:
        audit_record(
            actor=actor,
            action="task.dependencies",
            obj=task,
            before={"predecessors": before},
            after={"predecessors": sorted(p.pk for p in predecessors)},
        )


@transaction.atomic
def raci_set(*, actor: Person, task: Task, assignments: dict[int, set[str]]) -> None:
    """Replace the task's RACI letters: exactly one A, at least one R."""
    authorize(actor, VIEW, task)
    if not _may_build(actor, task.request):
        raise Forbidden(_("只有发起方与接收方可以设置 RACI"))
    assignments = {pid: {r for r in roles if r in RaciRole.values} for pid, roles in assignments.items()}
    assignments = {pid: roles for pid, roles in assignments.items() if roles}
    problems = raci_validate(assignments)
    if problems:
        raise ApplicationError(_("RACI 设置有误"), fields={"raci": "；".join(problems)})
    people = Person.objects.in_bulk(list(assignments))
    if len(people) != len(assignments):
        raise ApplicationError(fields={"raci": _("RACI 中有不存在的人员")})
    before = {f"{r.person_id}": r.role for r in task.roles.all()}
    TaskRole.objects.filter(task=task).delete()
    TaskRole.objects.bulk_create(
        [TaskRole(task=task, person=people[pid], role=r) for pid, roles in assignments.items() for r in sorted(roles)]
    )
    audit_record(
        actor=actor,
        action="task.raci",
        obj=task,
        before={"raci": before},
        after={"raci": {str(pid): "".join(sorted(roles)) for pid, roles in assignments.items()}},
    )
    signatures_void(actor, task.breakdown)


def _announce(task: Task, people: list[Person]) -> None:
    """The new-task message to a published task's new owner: its acceptance limit as the policy states it."""
    accept = arm_accept(task)
    values = {
        "task": f"{task.number} {task.title}",
        "start": task.start_date,
        "end": task.end_date,
        "owner": task.owner.display_name,
        "due": due_text(accept.limit_due_at) if accept is not None else "",
        "limit": policy_limit_text(policy_for("task", "accept", "*")),
    }
    notify(
        recipients=people,
        kind=MessageKind.ASSIGNMENT,
        title=str(NEW_TASK_TITLE) % values,
        body=str(NEW_TASK_BODY) % values,
        url=task.get_absolute_url(),
        subject=task,
    )


@transaction.atomic
def breakdown_publish(*, actor: Person, breakdown: Breakdown) -> Breakdown:
    """Publish: every owner and helper is told; each owner has the acceptance limit to confirm, or it is
    accepted by default. The request moves into execution (the declared step, tasks.process.BREAKDOWN)."""
    request = breakdown.request
    authorize(actor, VIEW, request)
    if not _may_build(actor, request):
        raise Forbidden(_("只有发起方与接收方可以发布任务分解表"))
    return run_step(actor=actor, item=breakdown, step="publish", as_system=True)


def breakdown_sign_ask(*, actor: Person, breakdown: Breakdown) -> Breakdown:
    """提交签字: each participating department's head who has not signed finds it in their inbox."""
    return run_step(actor=actor, item=breakdown, step="ask_signatures")


def breakdown_sign(*, actor: Person, breakdown: Breakdown) -> Breakdown:
    """A participating department's head signs the 分工表 and its RACI (the declared step, on the history)."""
    return run_step(actor=actor, item=breakdown, step="sign")


def task_transition(*, actor: Person, task: Task, name: str, reason: str = "") -> Task:
    """A person takes a step of the task (确认接收、开始、征询意见、完成、重新打开、取消)."""
    return run_step(actor=actor, item=task, step=name, reason=reason)


def breakdown_nodes(breakdown: Breakdown) -> tuple[list[Node], dict[int, set[int]]]:
    tasks = list(breakdown.tasks.exclude(state=TaskState.CANCELLED).order_by("position"))
    nodes = [Node(t.pk, t.title, t.start_date, t.end_date, t.state == TaskState.DONE) for t in tasks]
    preds: dict[int, set[int]] = {}
    for link in TaskDependency.objects.filter(task__breakdown=breakdown):
        preds.setdefault(link.task_id, set()).add(link.predecessor_id)
    return nodes, preds


def breakdown_conflicts(breakdown: Breakdown) -> list[tuple[int, int]]:
    nodes, preds = breakdown_nodes(breakdown)
    return date_conflicts({n.id: n for n in nodes}, preds)


def working_days_counter(project):
    engine = engine_for(calendar_for_project(project))

    def count(start: dt.date, end: dt.date) -> int:
        return sum(1 for _ in engine.working_days(start, end))

    return count, (lambda day: not engine.is_working_day(day))
