"""需求 pages: lists (待我处理 / 我发起的 / 我部门的), the form, the detail page with its actions."""

from __future__ import annotations

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_http_methods

from xietong.clocks.selectors import clock_views
from xietong.core.errors import ApplicationError
from xietong.core.http import AuthedRequest, wants_fragment
from xietong.core.permissions import access
from xietong.core.views import form_apply_error
from xietong.items.panels import panels_for
from xietong.items.runner import run_step
from xietong.items.selectors import timeline
from xietong.items.services import attachments_of, comments_of
from xietong.items.step_views import step_buttons, step_view
from xietong.org.models import Department
from xietong.requests.choices import Priority, RequestState
from xietong.requests.forms import RequestForm
from xietong.requests.models import Request
from xietong.requests.participants import participants_text
from xietong.requests.process import REQUEST
from xietong.requests.selectors import SCOPES, RequestFilters, request_list
from xietong.requests.services import EDITABLE_STATES, request_create, request_update
from xietong.requests.validation import request_validate, vagueness_warnings

FIELD_LABELS = {
    "state": gettext_lazy("状态"),
    "title": gettext_lazy("主题"),
    "priority": gettext_lazy("优先级"),
    "expected_date": gettext_lazy("期望完成时间"),
    "receiver": gettext_lazy("接收人"),
    "receiving_department": gettext_lazy("接收部门"),
    "criteria": gettext_lazy("验收标准"),
    "content": gettext_lazy("具体内容"),
    "goal": gettext_lazy("需求目标"),
    "background": gettext_lazy("需求背景"),
}


def _filters(request: AuthedRequest) -> RequestFilters:
    get = request.GET
    scope = get.get("scope", "todo")
    try:
        department = int(get["department"]) if get.get("department") else None
    except ValueError:
        department = None
    return RequestFilters(
        scope=scope if scope in SCOPES else "todo",
        state=get.get("state", "") if get.get("state", "") in [*RequestState.values, "open"] else "",
        priority=get.get("priority", "") if get.get("priority", "") in Priority.values else "",
        department=department,
        overdue=get.get("overdue") == "1",
        q=get.get("q", "")[:50],
        sort=get.get("sort", "-created"),
    )


@require_GET
def request_index(request: AuthedRequest) -> HttpResponse:
    filters = _filters(request)
    page = Paginator(request_list(request.user, filters), 25).get_page(request.GET.get("page"))
    context = {
        "page": page,
        "filters": filters,
        "states": RequestState.choices,
        "priorities": Priority.choices,
        "departments": Department.objects.order_by("sort_order"),
        "tones": REQUEST.tones,
        "query": request.GET.urlencode(),
    }
    template = "requests/_list_table.html" if wants_fragment(request) else "requests/list.html"
    return render(request, template, context)


def _all_errors_at_once(request: AuthedRequest, form: RequestForm) -> None:
    """A form refused for its own fields also shows what the service would refuse next (the fields submitting
    needs, a receiver outside the department …), so it is corrected in one round, not two."""
    data = {name: form.cleaned_data.get(name) for name in RequestForm.Meta.fields}
    submitting = "submit" in request.POST
    for name, message in request_validate(request.user, data, form.criteria_lines(), submitting=submitting).items():
        if name in form.fields and name not in form.errors:
            form.add_error(name, str(message))


def _form_save(request: AuthedRequest, form: RequestForm, instance: Request | None):
    data = {name: form.cleaned_data.get(name) for name in RequestForm.Meta.fields}
    submit = "submit" in request.POST
    if instance is None:
        return request_create(
            actor=request.user, criteria=form.criteria_lines(), submit=submit, participants=form.taking, **data
        )
    saved = request_update(
        actor=request.user,
        request=instance,
        expected_version=form.cleaned_data.get("version") or 0,
        criteria=form.criteria_lines(),
        participants=form.taking,
        **data,
    )
    if submit:
        saved = run_step(actor=request.user, item=saved, step="submit", expected_version=saved.version)
    return saved


@require_http_methods(["GET", "POST"])
def request_new(request: AuthedRequest) -> HttpResponse:
    if request.method == "POST":
        form = RequestForm(request.POST, user=request.user)
        if not form.is_valid():
            _all_errors_at_once(request, form)
        else:
            try:
                saved = _form_save(request, form, None)
            except ApplicationError as error:
                form_apply_error(form, error)
            else:
                messages.success(
                    request,
                    _("需求 %(n)s 已提交") % {"n": saved.number}
                    if saved.state == "submitted"
                    else _("草稿 %(n)s 已保存") % {"n": saved.number},
                )
                return redirect(saved.get_absolute_url())
    else:
        form = RequestForm(
            user=request.user,
            initial={
                "requester": request.user,
                "requesting_department": request.user.department,
                "priority": Priority.MEDIUM,
                "project": request.GET.get("project") or None,
            },
        )
    return render(request, "requests/form.html", {"form": form, "warnings": _form_warnings(form)})


def _form_warnings(form: RequestForm) -> list[str]:
    if not form.is_bound:
        return []
    data = form.data
    return vagueness_warnings(
        data.get("title", ""),
        {
            _("具体内容"): data.get("content", ""),
            _("需求目标"): data.get("goal", ""),
            _("需求背景"): data.get("background", ""),
        },
    )


@require_http_methods(["GET", "POST"])
def request_edit(request: AuthedRequest, request_id: int) -> HttpResponse:
    item = access(request.user, Request, request_id)
    if item.state not in EDITABLE_STATES or not item.is_requester_side(request.user):
        messages.error(request, _("当前状态下您不能修改这份需求说明书"))
        return redirect(item.get_absolute_url())
    if request.method == "POST":
        form = RequestForm(request.POST, instance=Request.objects.get(pk=item.pk), user=request.user)
        if not form.is_valid():
            _all_errors_at_once(request, form)
        else:
            try:
                saved = _form_save(request, form, item)
            except ApplicationError as error:
                form_apply_error(form, error)
            else:
                messages.success(request, _("已保存"))
                return redirect(saved.get_absolute_url())
    else:
        criteria = "\n".join(item.criteria.values_list("text", flat=True))
        initial = {"criteria": criteria, "version": item.version, "participants": participants_text(item)}
        form = RequestForm(instance=item, user=request.user, initial=initial)
    return render(request, "requests/form.html", {"form": form, "item": item, "warnings": _form_warnings(form)})


def detail_context(request: AuthedRequest, item: Request, bound: dict | None = None) -> dict:
    """The request page; a panel's refused form comes back in `bound` (by panel key) with its errors."""
    return {
        "item": item,
        "tone": REQUEST.tones.get(item.state, ""),
        "actions": step_buttons(REQUEST, item, request.user),
        "criteria": list(item.criteria.all()),
        "signatures": {s.role: s for s in item.signatures.select_related("person")},
        "warnings": vagueness_warnings(item.title, {_("具体内容"): item.content, _("需求目标"): item.goal}),
        "clock_views": clock_views(item),
        "timeline": timeline(item, FIELD_LABELS),
        "comments": comments_of(item),
        "attachments": attachments_of(item),
        "subject": item,
        "panels": panels_for(request, item, bound),
        "can_edit": item.state in EDITABLE_STATES and item.is_requester_side(request.user),
        "state_labels": REQUEST.state_labels,
    }


@require_GET
def request_detail(request: AuthedRequest, request_id: int) -> HttpResponse:
    return request_page(request, request_id)


def request_page(
    request: AuthedRequest, request_id: int, bound: dict | None = None, *, status: int = 200
) -> HttpResponse:
    """The request's page (also after a panel's form was refused: `bound` keeps what was typed)."""
    item = access(
        request.user,
        Request.objects.select_related(
            "project",
            "requester",
            "receiver",
            "requesting_department__head",
            "receiving_department__head",
            "created_by",
        ),
        request_id,
    )
    return render(request, "requests/detail.html", detail_context(request, item, bound), status=status)


request_do = step_view(REQUEST)
