"""Pages every declared process gets at /p/<key>/ when it has none of its own: the list of what the person
may see, the form that starts an item, the item page (its fields, steps, clocks, timeline, discussion and
files) and its steps — all through the same permission filter and runner as the hand-made pages."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import messages
from django.core.paginator import Paginator
from django.db.models import Q
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods

from xietong.clocks.selectors import clock_views
from xietong.core.errors import ApplicationError
from xietong.core.http import AuthedRequest
from xietong.core.permissions import access
from xietong.core.views import form_apply_error
from xietong.items.creation import item_create
from xietong.items.panels import panels_for
from xietong.items.process import Process, process_named
from xietong.items.selectors import timeline
from xietong.items.services import attachments_of, comments_of
from xietong.items.step_views import step_buttons, step_view
from xietong.org.models import Project

SCOPES = ("todo", "mine", "all")


def _process(key: str) -> Process:
    try:
        process = process_named(key)
    except KeyError as exc:
        raise Http404 from exc
    if not process.pages:
        raise Http404
    return process


def item_form_class(process: Process) -> Any:
    class ItemForm(forms.ModelForm):
        class Meta:
            model = process.model
            fields = ("title", "project", *process.fields)
            widgets = {
                name: forms.DateInput(format="%Y-%m-%d", attrs={"type": "date"})
                for name in process.fields
                if process.model._meta.get_field(name).get_internal_type() == "DateField"
            }

        def __init__(self, *args: Any, user: Any, **kwargs: Any) -> None:
            super().__init__(*args, **kwargs)
            self.fields["project"].queryset = Project.objects.restrict(user).filter(status="active")  # type: ignore[attr-defined]

    return ItemForm


def _waiting_on(process: Process, person: Any) -> Q:
    """Open items whose owner fields name the person: what waits on them."""
    named = Q()
    for name in process.owners:
        named |= Q(**{name: person})
    return named & Q(state__in=process.open_states) if process.owners else Q(pk__in=[])


@require_GET
def process_list(request: AuthedRequest, key: str) -> HttpResponse:
    process = _process(key)
    if process.page_views is not None:
        return process.page_views.list(request, process)
    scope = request.GET.get("scope", "todo")
    scope = scope if scope in SCOPES else "todo"
    items = process.model._default_manager.restrict(request.user).select_related("project")  # type: ignore[attr-defined]
    if scope == "todo":
        items = items.filter(_waiting_on(process, request.user))
    elif scope == "mine":
        items = items.filter(created_by=request.user)
    state = request.GET.get("state", "")
    if state in process.state_labels:
        items = items.filter(state=state)
    page = Paginator(items.order_by("-created_at", "-pk"), 25).get_page(request.GET.get("page"))
    context = {
        "process": process,
        "page": page,
        "scope": scope,
        "state": state,
        "query": f"scope={scope}&state={state}",
        "tones": process.tones,
    }
    return render(request, "items/generic_list.html", context)


@require_http_methods(["GET", "POST"])
def process_new(request: AuthedRequest, key: str) -> HttpResponse:
    process = _process(key)
    if process.page_views is not None:
        return process.page_views.new(request, process)
    form_class = item_form_class(process)
    form = form_class(request.POST or None, user=request.user, initial={"project": request.GET.get("project")})
    if request.method == "POST" and form.is_valid():
        submit = "submit" in request.POST
        try:
            item = item_create(process=process, actor=request.user, data=form.cleaned_data, submit=submit)
        except ApplicationError as error:
            form_apply_error(form, error)
        else:
            messages.success(request, (_("%(n)s 已提交") if submit else _("草稿 %(n)s 已保存")) % {"n": item.number})
            return redirect(item.get_absolute_url())
    return render(request, "items/generic_form.html", {"process": process, "form": form})


def _shown_fields(process: Process, item: Any) -> list[tuple[str, Any]]:
    rows = []
    for name in process.fields:
        field = process.model._meta.get_field(name)
        display = getattr(item, f"get_{name}_display", None)
        value = display() if callable(display) else getattr(item, name)
        rows.append((str(getattr(field, "verbose_name", name)), value))
    return rows


@require_GET
def process_detail(request: AuthedRequest, key: str, pk: int) -> HttpResponse:
    process = _process(key)
    if process.page_views is not None:
        return process.page_views.detail(request, process, pk)
    item = access(request.user, process.model._default_manager.select_related("project", "created_by"), pk)
    context = {
        "process": process,
        "item": item,
        "subject": item,
        "tone": process.tones.get(getattr(item, "state", ""), ""),
        "fields": _shown_fields(process, item),
        "actions": step_buttons(process, item, request.user),
        "clock_views": clock_views(item),
        "timeline": timeline(item),
        "comments": comments_of(item),
        "attachments": attachments_of(item),
        "panels": panels_for(request, item),
    }
    return render(request, "items/generic_detail.html", context)


def process_step(request: AuthedRequest, key: str, pk: int, action: str) -> HttpResponse:
    process = _process(key)
    if process.page_views is not None:
        return process.page_views.step(request, process, pk, action)
    return step_view(_process(key))(request, action, **{_process(key).id_param: pk})
