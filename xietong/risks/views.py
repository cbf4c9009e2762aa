"""Pages for exceptions, delay requests and disputes; their forms live as panels on task and request pages."""

from __future__ import annotations

import datetime as dt

from django.contrib import messages
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_POST

from xietong.clocks.selectors import clock_views
from xietong.core.errors import ApplicationError
from xietong.core.http import AuthedRequest
from xietong.core.permissions import access
from xietong.core.views import form_apply_error
from xietong.items.panels import panels_for
from xietong.items.selectors import timeline
from xietong.items.services import attachments_of, comments_of
from xietong.org.models import Person
from xietong.requests.models import Request
from xietong.risks.forms import DelayForm, DisputeForm, ExceptionForm
from xietong.risks.models import DelayRequest, Dispute, ExceptionReport
from xietong.risks.process import delay_approvers, may_decide, may_respond, may_settle, reporter_or_initiator
from xietong.risks.services import (
    delay_decide,
    delay_request,
    dispute_answer,
    dispute_open,
    dispute_settle,
    exception_raise,
    exception_resolve,
    exception_respond,
    exception_update_eta,
)
from xietong.tasks.models import Task
from xietong.tasks.views import task_page

LABELS = {
    "state": gettext_lazy("状态"),
    "expected_resolution": gettext_lazy("预计解决时间"),
    "end_date": gettext_lazy("结束时间"),
}


def _error_text(error: ApplicationError) -> str:
    return "；".join(str(v) for v in error.fields.values()) or str(error.message)


def _item_context(item) -> dict:
    return {
        "clock_views": clock_views(item),
        "timeline": timeline(item, LABELS),
        "comments": comments_of(item),
        "attachments": attachments_of(item),
        "subject": item,
    }


@require_POST
def exception_new(request: AuthedRequest, task_id: int) -> HttpResponse:
    task = access(request.user, Task, task_id)
    form = ExceptionForm(request.POST)
    if not form.is_valid():
        return task_page(request, task, bound={"risks": {"exception_form": form}})
    try:
        report = exception_raise(actor=request.user, task=task, **form.cleaned_data)
    except ApplicationError as error:
        form_apply_error(form, error)
        return task_page(request, task, bound={"risks": {"exception_form": form}})
    messages.success(request, _("异常问题已提报，已抄送发起方及部门负责人"))
    return redirect(report.get_absolute_url())


@require_GET
def exception_detail(request: AuthedRequest, report_id: int) -> HttpResponse:
    report = access(
        request.user,
        ExceptionReport.objects.select_related("task", "request", "initiator", "department", "decided_by", "resolver"),
        report_id,
    )
    context = {
        "report": report,
        "can_resolve": report.state == "open" and may_decide(request.user, report),
        "can_update_eta": report.state == "open" and reporter_or_initiator(request.user, report),
        "can_respond": report.state == "open" and may_respond(request.user, report),
        "resolver_choices": Person.objects.filter(
            is_active=True, department__in=[report.department_id, report.initiator_department_id]
        ).order_by("department_id", "pk"),
        **_item_context(report),
        "panels": panels_for(request, report),
    }
    return render(request, "risks/exception_detail.html", context)


@require_POST
def exception_do(request: AuthedRequest, report_id: int, action: str) -> HttpResponse:
    report = access(request.user, ExceptionReport, report_id)
    try:
        if action == "resolve":
            exception_resolve(actor=request.user, report=report, resolution=request.POST.get("resolution", ""))
        elif action == "eta":
            field = ExceptionForm.base_fields["expected_resolution"]
            try:
                eta = field.clean(request.POST.get("expected_resolution"))
            except Exception:
                eta = None
            if eta is None:
                raise ApplicationError(fields={"expected_resolution": _("请填写有效的预计解决时间")})
            exception_update_eta(
                actor=request.user, report=report, expected_resolution=eta, note=request.POST.get("note", "")
            )
        elif action == "respond":
            exception_respond(
                actor=request.user,
                report=report,
                resolver=_person_or_none(request.POST.get("resolver")),
                expected_resolution=_eta_or_none(request.POST.get("expected_resolution")),
            )
        else:
            raise ApplicationError(_("未知操作"))
    except ApplicationError as error:
        messages.error(request, _error_text(error))
    else:
        messages.success(request, _("已保存"))
    return redirect(report.get_absolute_url())


def _person_or_none(value: str | None) -> Person | None:
    value = (value or "").strip()
    return Person.objects.filter(pk=int(value), is_active=True).first() if value.isdigit() else None


def _eta_or_none(value: str | None) -> dt.datetime | None:
    if not (value or "").strip():
        return None
    try:
        return ExceptionForm.base_fields["expected_resolution"].clean(value)
    except Exception:
        raise ApplicationError(fields={"expected_resolution": _("请填写有效的预计解决时间")}) from None


@require_POST
def delay_new(request: AuthedRequest, task_id: int) -> HttpResponse:
    task = access(request.user, Task, task_id)
    form = DelayForm(request.POST)
    if not form.is_valid():
        return task_page(request, task, bound={"risks": {"delay_form": form}})
    try:
        delay = delay_request(actor=request.user, task=task, **form.cleaned_data)
    except ApplicationError as error:
        form_apply_error(form, error)
        return task_page(request, task, bound={"risks": {"delay_form": form}})
    messages.success(request, _("延期申请已提交审批"))
    return redirect(delay.get_absolute_url())


@require_GET
def delay_detail(request: AuthedRequest, delay_id: int) -> HttpResponse:
    delay = access(
        request.user,
        DelayRequest.objects.select_related("task__project__lead", "task__request__requesting_department__head"),
        delay_id,
    )
    approvers = delay_approvers(delay.task)
    decided = {a.role: a for a in delay.approvals.select_related("approver")}
    rows = [(role, person, decided.get(role)) for role, person in approvers.items()]
    can_decide = delay.state == "pending" and any(
        p.pk == request.user.pk and role not in decided for role, p, _d in rows
    )
    return render(
        request,
        "risks/delay_detail.html",
        {"delay": delay, "rows": rows, "can_decide": can_decide, **_item_context(delay)},
    )


@require_POST
def delay_do(request: AuthedRequest, delay_id: int) -> HttpResponse:
    delay = access(request.user, DelayRequest, delay_id)
    try:
        delay_decide(
            actor=request.user,
            delay=delay,
            approve=request.POST.get("decision") == "approve",
            note=request.POST.get("note", ""),
        )
    except ApplicationError as error:
        messages.error(request, _error_text(error))
    else:
        messages.success(request, _("审批意见已记录"))
    return redirect(delay.get_absolute_url())


@require_POST
def dispute_new(request: AuthedRequest, request_id: int) -> HttpResponse:
    item = access(request.user, Request, request_id)
    form = DisputeForm(request.POST)
    if not form.is_valid():
        messages.error(request, "；".join(f"{form.fields[k].label}：{v[0]}" for k, v in form.errors.items()))
        return redirect(item.get_absolute_url() + "#risks")
    try:
        dispute = dispute_open(actor=request.user, request=item, **form.cleaned_data)
    except ApplicationError as error:
        messages.error(request, _error_text(error))
        return redirect(item.get_absolute_url() + "#risks")
    return redirect(dispute.get_absolute_url())


@require_GET
def dispute_detail(request: AuthedRequest, dispute_id: int) -> HttpResponse:
    dispute = access(
        request.user,
        Dispute.objects.select_related("department_a__head", "department_b__head", "decided_by"),
        dispute_id,
    )
    context = {
        "dispute": dispute,
        "can_answer": dispute.state == "open" and request.user.department_id == dispute.department_b_id,
        "can_agree": dispute.state == "open" and may_settle(request.user, dispute, decide=False),
        "can_decide": dispute.state == "open" and may_settle(request.user, dispute, decide=True),
        **_item_context(dispute),
    }
    return render(request, "risks/dispute_detail.html", context)


@require_POST
def dispute_do(request: AuthedRequest, dispute_id: int, action: str) -> HttpResponse:
    dispute = access(request.user, Dispute, dispute_id)
    try:
        if action == "answer":
            dispute_answer(actor=request.user, dispute=dispute, position_b=request.POST.get("position_b", ""))
        elif action in ("agree", "decide"):
            dispute_settle(
                actor=request.user,
                dispute=dispute,
                resolution=request.POST.get("resolution", ""),
                decide=action == "decide",
            )
        else:
            raise ApplicationError(_("未知操作"))
    except ApplicationError as error:
        messages.error(request, _error_text(error))
    else:
        messages.success(request, _("已保存"))
    return redirect(dispute.get_absolute_url())
