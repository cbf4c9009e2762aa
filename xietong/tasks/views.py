"""协作任务分解表 pages: the table, the Gantt chart with the critical path, RACI, each task's page."""

from __future__ import annotations

from dataclasses import dataclass

from django.contrib import messages
from django.db.models import Q
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from xietong.clocks.selectors import clock_views
from xietong.core import clock
from xietong.core.errors import ApplicationError
from xietong.core.http import AuthedRequest
from xietong.core.permissions import access
from xietong.core.views import form_apply_error
from xietong.items.panels import panels_for
from xietong.items.selectors import timeline
from xietong.items.services import attachments_of, comments_of
from xietong.items.step_views import step_buttons, step_view
from xietong.requests.models import Request
from xietong.tasks.choices import RaciRole
from xietong.tasks.exports import breakdown_workbook, raci_matrix, signature_lines
from xietong.tasks.forms import TaskForm
from xietong.tasks.models import Breakdown, Task
from xietong.tasks.process import TASK, awaited_names, awaited_signatures, signing_head
from xietong.tasks.schedule import critical_path, gantt_svg
from xietong.tasks.services import (
    TASK_FIELDS,
    _may_build,
    breakdown_nodes,
    breakdown_open,
    breakdown_publish,
    breakdown_sign,
    breakdown_sign_ask,
    dependencies_set,
    raci_set,
    successors_in_conflict,
    task_create,
    task_update,
    working_days_counter,
)


@dataclass
class TaskRow:
    task: Task
    is_critical: bool
    is_late: bool
    conflicts_with: list[Task]


TASK_FIELD_LABELS = {
    "state": gettext_lazy("状态"),
    "title": gettext_lazy("任务名称"),
    "start_date": gettext_lazy("开始时间"),
    "end_date": gettext_lazy("结束时间"),
    "owner": gettext_lazy("负责人"),
    "priority": gettext_lazy("优先级"),
}


def _breakdown_for(request: AuthedRequest, request_id: int) -> Breakdown:
    item = access(
        request.user,
        Request.objects.select_related("project", "requesting_department", "receiving_department"),
        request_id,
    )
    return breakdown_open(actor=request.user, request=item)


def _breakdown_context(request: AuthedRequest, breakdown: Breakdown, form: TaskForm | None = None) -> dict:
    nodes, preds = breakdown_nodes(breakdown)
    counter, non_working = working_days_counter(breakdown.request.project)
    critical = set(critical_path({n.id: n for n in nodes}, preds, counter))
    tasks = list(
        breakdown.tasks.select_related("owner", "coordinator")
        .prefetch_related("helpers", "predecessors")
        .order_by("position")
    )
    today = clock.today()
    conflicts = {
        (t, p)
        for t, preds_ in preds.items()
        for p in preds_
        if (a := next((n for n in nodes if n.id == t), None))
        and (b := next((n for n in nodes if n.id == p), None))
        and a.start <= b.end
    }
    rows = [
        TaskRow(
            task,
            task.pk in critical,
            task.end_date < today and task.state not in ("done", "cancelled"),
            [p for p in task.predecessors.all() if (task.pk, p.pk) in conflicts],
        )
        for task in tasks
    ]
    raci_tasks, raci_people, raci_cells = raci_matrix(breakdown)
    return {
        "breakdown": breakdown,
        "item": breakdown.request,
        "rows": rows,
        "tones": TASK.tones,
        "can_build": _may_build(request.user, breakdown.request),
        "form": form
        or TaskForm(breakdown=breakdown, actor=request.user, initial={"start_date": today, "end_date": today}),
        "gantt": mark_safe(gantt_svg(nodes, preds, critical, today, non_working)),  # noqa: S308 (escaped inside)
        "raci_rows": [(t, [raci_cells.get((t.pk, p.pk), "") for p in raci_people]) for t in raci_tasks],
        "raci_people": raci_people,
        "signature_lines": signature_lines(breakdown),
        "can_sign": signing_open(breakdown) and signing_head(request.user, breakdown),
        "awaited": awaited_names(awaited_signatures(breakdown)) if signing_open(breakdown) else "",
        "clock_views": clock_views(breakdown),
    }


def signing_open(breakdown: Breakdown) -> bool:
    """Heads sign a draft; a published one again when a signature was voided or a department joined."""
    return breakdown.state == Breakdown.State.DRAFT or breakdown.signatures.exists()


@require_http_methods(["GET", "POST"])
def breakdown_page(request: AuthedRequest, request_id: int) -> HttpResponse:
    breakdown = _breakdown_for(request, request_id)
    form = None
    if request.method == "POST":
        form = TaskForm(request.POST, breakdown=breakdown, actor=request.user)
        if form.is_valid():
            data = {k: form.cleaned_data[k] for k in TASK_FIELDS}
            try:
                task = task_create(
                    actor=request.user,
                    breakdown=breakdown,
                    helpers=list(form.cleaned_data["helpers"]),
                    predecessors=list(form.cleaned_data["predecessors"]),
                    **data,
                )
            except ApplicationError as error:
                form_apply_error(form, error)
            else:
                messages.success(request, _("已添加任务：%(t)s") % {"t": task.title})
                return redirect("breakdown", request_id=request_id)
    return render(request, "tasks/breakdown.html", _breakdown_context(request, breakdown, form))


@require_POST
def breakdown_publish_view(request: AuthedRequest, request_id: int) -> HttpResponse:
    breakdown = _breakdown_for(request, request_id)
    try:
        breakdown_publish(actor=request.user, breakdown=breakdown)
    except ApplicationError as error:
        messages.error(request, str(error.message))
    else:
        messages.success(request, _("任务分解表已发布，已通知所有负责人与协助人"))
    return redirect("breakdown", request_id=request_id)


def _breakdown_step(request: AuthedRequest, request_id: int, service, done: str) -> HttpResponse:
    breakdown = _breakdown_for(request, request_id)
    try:
        service(actor=request.user, breakdown=breakdown)
    except ApplicationError as error:
        messages.error(request, str(error.message))
    else:
        messages.success(request, done)
    return redirect("breakdown", request_id=request_id)


@require_POST
def breakdown_ask_view(request: AuthedRequest, request_id: int) -> HttpResponse:
    return _breakdown_step(request, request_id, breakdown_sign_ask, _("已请各参与部门负责人签字"))


@require_POST
def breakdown_sign_view(request: AuthedRequest, request_id: int) -> HttpResponse:
    return _breakdown_step(request, request_id, breakdown_sign, _("已签字确认分工表及 RACI 矩阵"))


@require_GET
def breakdown_export(request: AuthedRequest, request_id: int) -> HttpResponse:
    breakdown = _breakdown_for(request, request_id)
    response = HttpResponse(
        breakdown_workbook(breakdown), content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    )
    name = _("协作任务分解表-%(n)s.xlsx") % {"n": breakdown.request.number}
    from urllib.parse import quote

    response["Content-Disposition"] = f"attachment; filename*=UTF-8''{quote(name)}"
    return response


def _task(request: AuthedRequest, task_id: int) -> Task:
    return access(
        request.user,
        Task.objects.select_related(
            "request__receiving_department",
            "request__requesting_department",
            "owner",
            "coordinator",
            "breakdown",
            "project",
        ),
        task_id,
    )


def task_context(
    request: AuthedRequest, task: Task, form: TaskForm | None = None, conflicts=None, bound: dict | None = None
) -> dict:
    roles: dict[str, list] = {}
    held: dict[int, set[str]] = {}
    for r in task.roles.select_related("person"):
        roles.setdefault(r.role, []).append(r.person)
        held.setdefault(r.person_id, set()).add(r.role)
    from xietong.org.models import Person

    people = (
        Person.objects.filter(Q(memberships__project=task.project) | Q(pk__in=held))
        .distinct()
        .select_related("department")
        .order_by("department__sort_order", "pk")
    )
    raci_grid = [(p, [(code, code in held.get(p.pk, set())) for code in RaciRole.values]) for p in people]
    return {
        "task": task,
        "subject": task,
        "tone": TASK.tones.get(task.state, ""),
        "actions": step_buttons(TASK, task, request.user),
        "roles": [(code, label, roles.get(code, [])) for code, label in RaciRole.choices],
        "consultations": list(task.consultations.select_related("person")),
        "predecessors": list(task.predecessors.all()),
        "successors": list(task.successors.all()),
        "clock_views": clock_views(task),
        "timeline": timeline(task, TASK_FIELD_LABELS),
        "comments": comments_of(task),
        "attachments": attachments_of(task),
        "can_build": _may_build(request.user, task.request),
        "form": form,
        "panels": panels_for(request, task, bound),
        "conflicts": conflicts or [],
        "raci_grid": raci_grid,
        "raci_codes": RaciRole.values,
    }


@require_GET
def task_detail(request: AuthedRequest, task_id: int) -> HttpResponse:
    return task_page(request, _task(request, task_id))


def task_page(request: AuthedRequest, task: Task, bound: dict | None = None) -> HttpResponse:
    """The task's page. A section's form that was refused comes back in `bound` (by panel key) so what was
    typed stays, with each error at its field (the progress update, the 异常问题反馈表, the delay request)."""
    task = _task(request, task.pk)
    form = None
    if _may_build(request.user, task.request) and task.state not in ("done", "cancelled"):
        form = TaskForm(
            instance=task,
            breakdown=task.breakdown,
            actor=request.user,
            initial={"version": task.version, "predecessors": task.predecessors.all()},
        )
    context = task_context(request, task, form, successors_in_conflict(task), bound)
    return render(request, "tasks/detail.html", context)


@require_POST
def task_edit(request: AuthedRequest, task_id: int) -> HttpResponse:
    task = _task(request, task_id)
    form = TaskForm(request.POST, instance=Task.objects.get(pk=task.pk), breakdown=task.breakdown, actor=request.user)
    conflicts: list[Task] = []
    if form.is_valid():
        data = {k: form.cleaned_data[k] for k in TASK_FIELDS}
        try:
            task, conflicts = task_update(
                actor=request.user,
                task=task,
                expected_version=form.cleaned_data.get("version") or 0,
                helpers=list(form.cleaned_data["helpers"]),
                **data,
            )
            dependencies_set(actor=request.user, task=task, predecessors=list(form.cleaned_data["predecessors"]))
        except ApplicationError as error:
            form_apply_error(form, error)
        else:
            if conflicts:
                messages.warning(
                    request,
                    _("注意：以下后续任务的开始时间早于本任务的结束时间：%(names)s")
                    % {"names": "、".join(t.title for t in conflicts)},
                )
            messages.success(request, _("任务已保存"))
            return redirect(task.get_absolute_url())
    task.refresh_from_db()
    return render(request, "tasks/detail.html", task_context(request, task, form, conflicts))


task_do = step_view(TASK)


@require_POST
def task_raci(request: AuthedRequest, task_id: int) -> HttpResponse:
    task = _task(request, task_id)
    assignments: dict[int, set[str]] = {}
    for key, values in request.POST.lists():
        if key.startswith("raci-"):
            try:
                assignments[int(key.removeprefix("raci-"))] = set(values)
            except ValueError:
                continue
    try:
        raci_set(actor=request.user, task=task, assignments=assignments)
    except ApplicationError as error:
        messages.error(request, str(error.fields.get("raci") or error.message))
    else:
        messages.success(request, _("RACI 已保存"))
    return redirect(task.get_absolute_url() + "#raci")
