"""问题 pages: lists, the 问题提报表, the detail page with dispatch / progress / solution forms, the
ledger (问题处理台账) with its Excel export, and the case library."""

from __future__ import annotations

from typing import Any
from urllib.parse import quote

from django.contrib import messages
from django.core.paginator import Paginator
from django.forms import BaseForm
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from xietong.clocks.selectors import clock_views, open_clock
from xietong.clocks.wording import clock_limit_text, due_text
from xietong.core.errors import ApplicationError
from xietong.core.http import AuthedRequest, wants_fragment
from xietong.core.permissions import access
from xietong.core.uploads import upload_refusal
from xietong.core.views import form_apply_error
from xietong.items.panels import panels_for
from xietong.items.selectors import TimelineEntry, timeline
from xietong.items.services import attachments_of, comments_of
from xietong.items.step_views import step_buttons, step_view
from xietong.org.models import Person, Project
from xietong.problems.choices import URGENCY_EDITABLE_STATES, ProblemState, ProblemUrgency
from xietong.problems.exports import ledger_workbook
from xietong.problems.forms import (
    DispatchForm,
    PlanForm,
    ProblemForm,
    ProgressForm,
    ResubmitForm,
    SolutionForm,
    UrgencyForm,
)
from xietong.problems.models import Problem
from xietong.problems.process import PROBLEM, may_change_urgency
from xietong.problems.selectors import SCOPES, ProblemFilters, case_search, ledger_rows, problem_list
from xietong.problems.services import (
    cadence_text,
    problem_dispatch,
    problem_file,
    problem_plan,
    problem_progress,
    problem_resubmit,
    problem_set_urgency,
    problem_solve,
)

BUTTON_ACTIONS = ("endorse", "return_filing", "confirm", "reject_solution", "withdraw")
FIELD_LABELS = {
    "state": gettext_lazy("状态"),
    "title": gettext_lazy("问题主题"),
    "urgency": gettext_lazy("紧急程度"),
    "expected_date": gettext_lazy("期望解决时间"),
    "lead_department": gettext_lazy("主责部门"),
    "owner": gettext_lazy("主责负责人"),
    "helper_departments": gettext_lazy("配合部门"),
    "cc": gettext_lazy("抄送分管领导"),
    "basis": gettext_lazy("分派依据"),
    "deadline": gettext_lazy("完成时限"),
    "progress": gettext_lazy("阶段性成果"),
    "endorsed_at": gettext_lazy("部门负责人签署时间"),
    "return_note": gettext_lazy("退回原因"),
    "background": gettext_lazy("问题背景"),
    "current_state": gettext_lazy("现状"),
    "impact": gettext_lazy("影响范围"),
    "measures": gettext_lazy("解决措施"),
}


def _readable_measures(entries: list[TimelineEntry]) -> list[TimelineEntry]:
    """A plan's measures are stored as a list of {measure, owner id, due date}: the timeline showed them as
    Python dicts ({'measure': …, 'owner': 19, …}). Shown as 「1. 措施（责任人，计划完成 日期）」."""
    owners: set[int] = set()
    for entry in entries:
        for m in (entry.event.after or {}).get("measures") or []:
            if isinstance(m, dict) and isinstance(m.get("owner"), int):
                owners.add(m["owner"])
    names = {p.pk: p.display_name for p in Person.objects.filter(pk__in=owners)} if owners else {}
    label = str(FIELD_LABELS["measures"])
    for entry in entries:
        measures = (entry.event.after or {}).get("measures")
        if not isinstance(measures, list):
            continue
        text = "；".join(
            _("%(n)s. %(measure)s（%(owner)s，计划完成 %(due)s）")
            % {
                "n": i,
                "measure": m.get("measure", ""),
                "owner": names.get(m.get("owner"), "—"),
                "due": m.get("due_date") or "—",
            }
            for i, m in enumerate(measures, start=1)
            if isinstance(m, dict)
        )
        entry.details = [(f, b, text if f == label else a) for f, b, a in entry.details]
    return entries


def _filters(request: AuthedRequest) -> ProblemFilters:
    get = request.GET
    scope = get.get("scope", "todo")
    state = get.get("state", "")
    urgency = get.get("urgency", "")
    return ProblemFilters(
        scope=scope if scope in SCOPES else "todo",
        state=state if state in [*ProblemState.values, "open"] else "",
        urgency=urgency if urgency in ProblemUrgency.values else "",
        overdue=get.get("overdue") == "1",
        q=get.get("q", "")[:50],
    )


@require_GET
def problem_index(request: AuthedRequest) -> HttpResponse:
    filters = _filters(request)
    page = Paginator(problem_list(request.user, filters), 25).get_page(request.GET.get("page"))
    context = {
        "page": page,
        "filters": filters,
        "states": ProblemState.choices,
        "urgencies": ProblemUrgency.choices,
        "tones": PROBLEM.tones,
        "query": request.GET.urlencode(),
    }
    template = "problems/_list_table.html" if wants_fragment(request) else "problems/list.html"
    return render(request, template, context)


def filed_text(problem: Problem) -> str:
    """The flash after filing names 综合管理部's limit as its clock runs it, never a literal."""
    clock = open_clock(problem, "dispatch")
    if clock is None and problem.endorser is not None and problem.state == "endorsing":
        return _("问题 %(n)s 已提报，等待部门负责人 %(head)s 审核签署后提交综合管理部") % {
            "n": problem.number,
            "head": problem.endorser.display_name,
        }
    if clock is None:
        return _("问题 %(n)s 已提报") % {"n": problem.number}
    return _("问题 %(n)s 已提报，综合管理部将在 %(due)s 前（%(limit)s内）分派") % {
        "n": problem.number,
        "due": due_text(clock.limit_due_at),
        "limit": clock_limit_text(clock),
    }


@require_http_methods(["GET", "POST"])
def problem_new(request: AuthedRequest) -> HttpResponse:
    if request.method == "POST":
        form = ProblemForm(request.POST, request.FILES, user=request.user)
        if (refused := upload_refusal(request, "evidence")) is not None:
            form.add_error("evidence", refused)  # a file over the limit was dropped while it streamed in
        if form.is_valid():
            data = {name: form.cleaned_data.get(name) for name in ProblemForm.Meta.fields}
            try:
                problem = problem_file(actor=request.user, evidence=form.cleaned_data["evidence"], **data)
            except ApplicationError as error:
                form_apply_error(form, error)
            else:
                messages.success(request, filed_text(problem))
                return redirect(problem.get_absolute_url())
    else:
        form = ProblemForm(user=request.user, initial={"urgency": ProblemUrgency.MEDIUM})
    has_projects = Project.objects.restrict(request.user).filter(status="active").exists()
    return render(request, "problems/form.html", {"form": form, "has_projects": has_projects})


def _problem(request: AuthedRequest, problem_id: int) -> Problem:
    return access(
        request.user,
        Problem.objects.select_related(
            "project",
            "created_by",
            "filing_department__head",
            "lead_department__head",
            "owner",
            "dispatched_by",
            "endorser",
        ),
        problem_id,
    )


def detail_context(request: AuthedRequest, problem: Problem, **forms: BaseForm) -> dict[str, Any]:
    steps = step_buttons(PROBLEM, problem, request.user)
    available = {s.name for s in steps}
    version = {"version": problem.version}
    cadence = open_clock(problem, "update_due")
    plans = list(problem.plans.select_related("author").prefetch_related("measures__owner"))
    context: dict[str, Any] = {
        "item": problem,
        "subject": problem,
        "panels": panels_for(request, problem),
        "tone": PROBLEM.tones.get(problem.state, ""),
        "buttons": [s for s in steps if s.name in BUTTON_ACTIONS],
        "updates": list(problem.updates.select_related("author")),
        "reports": list(problem.reports.select_related("author", "verdict_by")),
        "plans": plans,
        "plan": plans[-1] if plans else None,
        "helper_departments": list(problem.helper_departments.all()),
        "helpers": list(problem.helpers.all()),
        "cc": list(problem.cc.all()),
        "cadence": cadence,
        "cadence_text": cadence_text(problem),
        "clock_views": clock_views(problem),
        "timeline": _readable_measures(timeline(problem, FIELD_LABELS)),
        "comments": comments_of(problem),
        "attachments": attachments_of(problem),
        "dispatch_form": forms.get("dispatch_form")
        or (DispatchForm(initial=version) if "dispatch" in available else None),
        # No progress or solution report before a plan (步骤3): their forms appear once one is recorded.
        "progress_form": forms.get("progress_form")
        or (ProgressForm(initial=version) if "progress" in available and plans else None),
        "solution_form": forms.get("solution_form")
        or (SolutionForm(initial=version) if "solve" in available and plans else None),
        "plan_form": forms.get("plan_form") or (PlanForm(initial=version) if "plan" in available else None),
        "resubmit_form": forms.get("resubmit_form")
        or (ResubmitForm(instance=problem, initial=version) if "resubmit" in available else None),
        "urgency_form": forms.get("urgency_form")
        or (
            UrgencyForm(initial={**version, "urgency": problem.urgency})
            if problem.state in URGENCY_EDITABLE_STATES and may_change_urgency(request.user, problem)
            else None
        ),
    }
    return context


@require_GET
def problem_detail(request: AuthedRequest, problem_id: int) -> HttpResponse:
    problem = _problem(request, problem_id)
    return render(request, "problems/detail.html", detail_context(request, problem))


def _form_post(request: AuthedRequest, problem_id: int, form_class, name: str, run, success: str) -> HttpResponse:
    """Shared shape of the detail page's forms: valid → service → redirect; refused → the page again
    with the messages next to the fields, nothing saved."""
    problem = _problem(request, problem_id)
    form = form_class if isinstance(form_class, BaseForm) else form_class(request.POST)
    if form.is_valid():
        try:
            run(problem, form.cleaned_data)
        except ApplicationError as error:
            form_apply_error(form, error)
        else:
            messages.success(request, success)
            return redirect(problem.get_absolute_url())
    messages.error(request, _("未保存：请按提示修改后重新提交"))
    return render(request, "problems/detail.html", detail_context(request, problem, **{name: form}))


@require_POST
def problem_dispatch_view(request: AuthedRequest, problem_id: int) -> HttpResponse:
    def run(problem: Problem, data: dict[str, Any]) -> None:
        problem_dispatch(
            actor=request.user,
            problem=problem,
            lead_department=data["lead_department"],
            owner=data.get("owner"),
            helper_departments=list(data.get("helper_departments") or []),
            basis=data["basis"],
            deadline=data["deadline"],
            expected_version=data.get("version"),
        )

    return _form_post(request, problem_id, DispatchForm, "dispatch_form", run, _("已分派，并已通知主责部门与分管领导"))


@require_POST
def problem_plan_view(request: AuthedRequest, problem_id: int) -> HttpResponse:
    def run(problem: Problem, data: dict[str, Any]) -> None:
        problem_plan(
            actor=request.user,
            problem=problem,
            measures=form.measures(),
            consultation=data["consultation"],
            expected_version=data.get("version"),
        )

    form = PlanForm(request.POST)
    return _form_post(request, problem_id, form, "plan_form", run, _("解决方案已记录，可以开始反馈进度"))


@require_POST
def problem_resubmit_view(request: AuthedRequest, problem_id: int) -> HttpResponse:
    def run(problem: Problem, data: dict[str, Any]) -> None:
        problem_resubmit(
            actor=request.user,
            problem=problem,
            expected_version=data.get("version"),
            **{name: data.get(name) for name in ResubmitForm.Meta.fields},
        )

    form = ResubmitForm(request.POST)
    return _form_post(request, problem_id, form, "resubmit_form", run, _("已重新提交，等待部门负责人审核签署"))


@require_POST
def problem_progress_view(request: AuthedRequest, problem_id: int) -> HttpResponse:
    def run(problem: Problem, data: dict[str, Any]) -> None:
        problem_progress(
            actor=request.user,
            problem=problem,
            progress=data["progress"],
            risk=data["risk"],
            next_step=data["next_step"],
            major_risk=data["major_risk"],
            expected_version=data.get("version"),
        )

    return _form_post(request, problem_id, ProgressForm, "progress_form", run, _("进度已反馈"))


@require_POST
def problem_solve_view(request: AuthedRequest, problem_id: int) -> HttpResponse:
    def run(problem: Problem, data: dict[str, Any]) -> None:
        problem_solve(
            actor=request.user,
            problem=problem,
            cause=data["cause"],
            measures=data["measures"],
            effect=data["effect"],
            expected_version=data.get("version"),
        )

    return _form_post(request, problem_id, SolutionForm, "solution_form", run, _("问题解决报告已提交，等待提报人确认"))


@require_POST
def problem_urgency_view(request: AuthedRequest, problem_id: int) -> HttpResponse:
    def run(problem: Problem, data: dict[str, Any]) -> None:
        problem_set_urgency(
            actor=request.user,
            problem=problem,
            urgency=data["urgency"],
            reason=data["reason"],
            expected_version=data.get("version"),
        )

    return _form_post(request, problem_id, UrgencyForm, "urgency_form", run, _("紧急程度已调整"))


# 确认解决 / 退回继续处理 / 撤回 are buttons on the page (the other steps have their own forms).
problem_do = step_view(PROBLEM)


@require_GET
def ledger(request: AuthedRequest) -> HttpResponse:
    state = request.GET.get("state", "")
    state = state if state in [*ProblemState.values, "open"] else ""
    q = request.GET.get("q", "")[:50]
    rows = ledger_rows(request.user, state=state, q=q)
    return render(
        request,
        "problems/ledger.html",
        {"rows": rows, "state": state, "q": q, "states": ProblemState.choices, "query": request.GET.urlencode()},
    )


@require_GET
def ledger_export(request: AuthedRequest) -> HttpResponse:
    state = request.GET.get("state", "")
    state = state if state in [*ProblemState.values, "open"] else ""
    rows = ledger_rows(request.user, state=state, q=request.GET.get("q", "")[:50])
    response = HttpResponse(
        ledger_workbook(rows), content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    )
    filename = _("问题处理台账.xlsx")
    response["Content-Disposition"] = f"attachment; filename*=UTF-8''{quote(filename)}"
    return response


@require_GET
def cases(request: AuthedRequest) -> HttpResponse:
    q = request.GET.get("q", "")[:100]
    page = Paginator(case_search(request.user, q), 20).get_page(request.GET.get("page"))
    return render(request, "problems/cases.html", {"page": page, "q": q})
