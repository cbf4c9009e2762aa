"""协同进度跟踪表 per project, the weekly summary, posting progress and answering calls for help."""

from __future__ import annotations

from urllib.parse import quote

from django.contrib import messages
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from xietong.core.errors import ApplicationError, NotFound
from xietong.core.http import AuthedRequest
from xietong.core.i18n import enumerate_list
from xietong.core.permissions import access
from xietong.core.spreadsheets import workbook_bytes
from xietong.core.views import form_apply_error
from xietong.org.models import Department, Person, Project
from xietong.progress.forms import ProgressForm
from xietong.progress.models import WeeklySummary
from xietong.progress.selectors import STATUS_LABELS, project_tasks
from xietong.progress.services import help_answer, progress_post
from xietong.tasks.models import Task
from xietong.tasks.views import task_page


def _int(value: str | None) -> int | None:
    try:
        return int(value) if value else None
    except ValueError:
        return None


@require_GET
def tracking(request: AuthedRequest, project_id: int) -> HttpResponse:
    project = access(request.user, Project, project_id)
    department, person = _int(request.GET.get("department")), _int(request.GET.get("person"))
    status = request.GET.get("status", "")
    status = status if status in STATUS_LABELS else ""
    rows = project_tasks(request.user, project, department=department, person=person, status=status)
    if request.GET.get("format") == "xlsx":
        return _export(project, rows)
    context = {
        "project": project,
        "rows": rows,
        "status_labels": STATUS_LABELS,
        "status": status,
        "department": department,
        "person": person,
        "departments": Department.objects.filter(pk__in={r.task.department_id for r in rows} | ({department} - {None})),
        "people": Person.objects.filter(pk__in={r.task.owner_id for r in rows} | ({person} - {None})),
        "summaries": WeeklySummary.objects.filter(project=project)[:8],
        "counts": {key: sum(1 for r in rows if r.status == key) for key in STATUS_LABELS},
    }
    return render(request, "progress/tracking.html", context)


def _export(project: Project, rows) -> HttpResponse:
    from openpyxl import Workbook
    from openpyxl.styles import Font, PatternFill

    wb = Workbook()
    ws = wb.active
    ws.title = _("协同进度跟踪表")
    ws.append([_("协同进度跟踪表 · %(p)s") % {"p": project.name}])
    ws["A1"].font = Font(bold=True, size=14)
    headers = [
        _("任务编号"),
        _("任务名称"),
        _("负责人"),
        _("部门"),
        _("计划开始"),
        _("计划完成"),
        _("完成百分比"),
        _("状态"),
        _("滞后原因"),
        _("最近更新"),
        _("当日进展"),
        _("次日计划"),
        _("需协助"),
    ]
    ws.append(headers)
    for cell in ws[2]:
        cell.font = Font(bold=True)
    late = PatternFill("solid", fgColor="FDECEC")
    for r in rows:
        last = r.last_update
        ws.append(
            [
                r.task.number,
                r.task.title,
                r.task.owner.display_name,
                r.task.department.name,
                r.task.start_date,
                r.task.end_date,
                r.percent / 100,
                r.status_label,
                r.reason,
                last.work_date if last else None,
                last.text if last else "",
                last.next_step if last else "",
                enumerate_list(u.help_from.display_name for u in r.help_open),
            ]
        )
        ws.cell(row=ws.max_row, column=7).number_format = "0%"
        for col in (5, 6, 10):
            ws.cell(row=ws.max_row, column=col).number_format = "yyyy-mm-dd"
        if r.status == "late":
            for cell in ws[ws.max_row]:
                cell.fill = late
    response = HttpResponse(
        workbook_bytes(wb), content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    )
    filename = _("协同进度跟踪表-%(p)s.xlsx") % {"p": project.name}
    response["Content-Disposition"] = f"attachment; filename*=UTF-8''{quote(filename)}"
    return response


@require_POST
def post_progress(request: AuthedRequest, task_id: int) -> HttpResponse:
    task = access(request.user, Task, task_id)
    form = ProgressForm(request.POST, task=task)
    if form.is_valid():
        try:
            progress_post(actor=request.user, task=task, **form.cleaned_data)
        except ApplicationError as error:
            form_apply_error(form, error)
        else:
            messages.success(request, _("进度已更新"))
            return redirect(task.get_absolute_url() + "#progress")
    return task_page(request, task, bound={"progress": {"form": form}})


@require_POST
def answer_help(request: AuthedRequest, update_id: int) -> HttpResponse:
    try:
        update = help_answer(actor=request.user, update_id=update_id, answer=request.POST.get("answer", ""))
    except NotFound:
        raise
    except ApplicationError as error:
        messages.error(request, str(error.fields.get("answer") or error.message))
        return redirect(request.POST.get("next") or "/")
    messages.success(request, _("已答复"))
    return redirect(update.task.get_absolute_url() + "#progress")


@require_GET
def weekly(request: AuthedRequest, summary_id: int) -> HttpResponse:
    try:
        summary = WeeklySummary.objects.select_related("project").get(pk=summary_id)
    except WeeklySummary.DoesNotExist as exc:
        raise NotFound() from exc
    access(request.user, Project, summary.project_id)
    return render(request, "progress/weekly.html", {"summary": summary, "project": summary.project})
