"""Pages of the lighter templates: 客户需求沟通进度同步表 and 新人入职."""

from __future__ import annotations

from typing import Any
from urllib.parse import quote

from django.contrib import messages
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from xietong.clocks.selectors import clock_views
from xietong.core import clock
from xietong.core.errors import ApplicationError
from xietong.core.http import AuthedRequest
from xietong.core.permissions import access
from xietong.core.views import form_apply_error
from xietong.items.selectors import timeline
from xietong.items.services import attachments_of, comments_of
from xietong.items.step_views import step_buttons, step_view
from xietong.lighter.choices import STAGE_SUGGESTIONS, may_manage_onboarding, may_write_customer
from xietong.lighter.exports import customer_workbook, people_text, risk_text
from xietong.lighter.forms import DEFAULT_STEPS, CustomerForm, OnboardingForm, StepForm, SyncRowForm
from xietong.lighter.models import CustomerRequirement, Onboarding, OnboardingStep
from xietong.lighter.process import CUSTOMER
from xietong.lighter.selectors import customer_list, onboarding_list
from xietong.lighter.services import (
    StepDraft,
    customer_add_row,
    customer_create,
    onboarding_add_step,
    onboarding_create,
    onboarding_may_create,
    onboarding_step_done,
)

CUSTOMER_LABELS = {
    "state": gettext_lazy("状态"),
    "title": gettext_lazy("需求主题"),
    "customer": gettext_lazy("客户"),
    "owner": gettext_lazy("客户对接人"),
    "stage": gettext_lazy("沟通阶段"),
}
ONBOARDING_LABELS = {
    "state": gettext_lazy("状态"),
    "newcomer": gettext_lazy("新员工"),
    "contact": gettext_lazy("对接人"),
    "start_date": gettext_lazy("入职日期"),
}


# --- 客户需求沟通进度同步表 ----------------------------------------------------------------------------
@require_GET
def customer_index(request: AuthedRequest) -> HttpResponse:
    scope = "all" if request.GET.get("scope") == "all" else "open"
    q = request.GET.get("q", "")[:50]
    return render(
        request,
        "lighter/customer_list.html",
        {"items": customer_list(request.user, scope, q)[:100], "scope": scope, "q": q},
    )


@require_http_methods(["GET", "POST"])
def customer_new(request: AuthedRequest) -> HttpResponse:
    form = CustomerForm(request.POST or None, user=request.user)
    if request.method == "POST" and form.is_valid():
        try:
            item = customer_create(actor=request.user, **form.cleaned_data)
        except ApplicationError as error:
            form_apply_error(form, error)
        else:
            messages.success(request, _("已创建 %(n)s，请按日期填写沟通进度") % {"n": item.number})
            return redirect(item.get_absolute_url())
    return render(request, "lighter/customer_form.html", {"form": form})


def _customer(request: AuthedRequest, pk: int) -> CustomerRequirement:
    return access(request.user, CustomerRequirement.objects.select_related("owner", "department", "project"), pk)


def _customer_context(
    request: AuthedRequest, item: CustomerRequirement, form: SyncRowForm | None = None
) -> dict[str, Any]:
    writable = item.state == "open" and may_write_customer(request.user, item)
    rows = list(item.rows.prefetch_related("people__department").select_related("author"))
    return {
        "item": item,
        "subject": item,
        "rows": [(r, people_text(r), risk_text(r)) for r in rows],
        "form": form or (SyncRowForm(initial={"date": clock.today(), "people": [request.user]}) if writable else None),
        "stages": STAGE_SUGGESTIONS,
        "can_close": any(s.name == "close" for s in step_buttons(CUSTOMER, item, request.user)),
        "timeline": timeline(item, CUSTOMER_LABELS),
        "comments": comments_of(item),
        "attachments": attachments_of(item),
    }


@require_GET
def customer_detail(request: AuthedRequest, pk: int) -> HttpResponse:
    return render(request, "lighter/customer_detail.html", _customer_context(request, _customer(request, pk)))


@require_POST
def customer_row(request: AuthedRequest, pk: int) -> HttpResponse:
    item = _customer(request, pk)
    form = SyncRowForm(request.POST)
    if form.is_valid():
        data = form.cleaned_data
        try:
            customer_add_row(actor=request.user, requirement=item, **{**data, "people": list(data["people"])})
        except ApplicationError as error:
            form_apply_error(form, error)
        else:
            messages.success(request, _("已添加一行沟通进度"))
            return redirect(item.get_absolute_url())
    messages.error(request, _("未保存：请按提示修改后重新提交"))
    return render(request, "lighter/customer_detail.html", _customer_context(request, item, form))


customer_close_view = step_view(CUSTOMER)  # …/close/ takes the step "close"


@require_GET
def customer_export(request: AuthedRequest, pk: int) -> HttpResponse:
    item = _customer(request, pk)
    response = HttpResponse(
        customer_workbook(item), content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    )
    filename = _("客户需求沟通进度同步表-%(n)s.xlsx") % {"n": item.number}
    response["Content-Disposition"] = f"attachment; filename*=UTF-8''{quote(filename)}"
    return response


# --- 新人入职 --------------------------------------------------------------------------------------------
@require_GET
def onboarding_index(request: AuthedRequest) -> HttpResponse:
    scope = "all" if request.GET.get("scope") == "all" else "open"
    return render(
        request,
        "lighter/onboarding_list.html",
        {
            "items": onboarding_list(request.user, scope)[:100],
            "scope": scope,
            "can_create": onboarding_may_create(request.user),
        },
    )


@require_http_methods(["GET", "POST"])
def onboarding_new(request: AuthedRequest) -> HttpResponse:
    if request.method == "POST":
        form = OnboardingForm(request.POST)
        if form.is_valid():
            data = {k: form.cleaned_data[k] for k in ("newcomer", "contact", "start_date", "duties", "process_links")}
            try:
                item = onboarding_create(actor=request.user, steps=form.steps(), **data)
            except ApplicationError as error:
                form_apply_error(form, error)
            else:
                messages.success(request, _("入职安排已发布，已通知新员工、对接人与各事项负责人"))
                return redirect(item.get_absolute_url())
    else:
        initial: dict[str, Any] = {"start_date": clock.today()}
        initial.update({f"step_title_{i}": str(title) for i, title in enumerate(DEFAULT_STEPS, start=1)})
        form = OnboardingForm(initial=initial)
    return render(request, "lighter/onboarding_form.html", {"form": form})


def _onboarding(request: AuthedRequest, pk: int) -> Onboarding:
    return access(
        request.user, Onboarding.objects.select_related("newcomer", "contact", "department__head", "created_by"), pk
    )


def _onboarding_context(request: AuthedRequest, item: Onboarding, form: StepForm | None = None) -> dict[str, Any]:
    steps = list(item.steps.select_related("owner", "done_by"))
    manager = may_manage_onboarding(request.user, item)
    today = clock.today()
    done = sum(1 for s in steps if s.done_at)
    return {
        "item": item,
        "subject": item,
        "steps": [
            (
                s,
                s.done_at is None and (s.owner_id == request.user.pk or manager),
                s.done_at is None and s.due_date < today,
            )
            for s in steps
        ],
        "done": done,
        "total": len(steps),
        "percent": round(100 * done / len(steps)) if steps else 0,
        "links": item.links(),
        "form": form or (StepForm() if manager and item.state == "open" else None),
        "clock_views": [v for s in steps for v in clock_views(s)],
        "timeline": timeline(item, ONBOARDING_LABELS),
        "comments": comments_of(item),
        "attachments": attachments_of(item),
    }


@require_GET
def onboarding_detail(request: AuthedRequest, pk: int) -> HttpResponse:
    return render(request, "lighter/onboarding_detail.html", _onboarding_context(request, _onboarding(request, pk)))


@require_POST
def onboarding_step_add(request: AuthedRequest, pk: int) -> HttpResponse:
    item = _onboarding(request, pk)
    form = StepForm(request.POST)
    if form.is_valid():
        data = form.cleaned_data
        try:
            onboarding_add_step(
                actor=request.user, onboarding=item, step=StepDraft(data["title"], data["owner"], data["due_date"])
            )
        except ApplicationError as error:
            form_apply_error(form, error)
        else:
            messages.success(request, _("已添加入职事项"))
            return redirect(item.get_absolute_url())
    messages.error(request, _("未保存：请按提示修改后重新提交"))
    return render(request, "lighter/onboarding_detail.html", _onboarding_context(request, item, form))


@require_POST
def onboarding_step_done_view(request: AuthedRequest, step_id: int) -> HttpResponse:
    step = OnboardingStep.objects.filter(pk=step_id).select_related("onboarding").first()
    item = _onboarding(request, step.onboarding_id if step else 0)
    assert step is not None
    try:
        onboarding_step_done(actor=request.user, step=step, note=request.POST.get("note", ""))
    except ApplicationError as error:
        messages.error(request, str(error.fields.get("note") or error.message))
    else:
        messages.success(request, _("已完成：%(t)s") % {"t": step.title})
    return redirect(item.get_absolute_url())
