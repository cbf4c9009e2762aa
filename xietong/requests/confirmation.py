"""《需求确认函》: the receiving side's 内部评估 (可行性、资源：人力/时间/权限、初步时间节点) after 接收确认, with the
participating departments and their signatures — a page to read and print, and the form that records it."""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods

from xietong.core.errors import ApplicationError
from xietong.core.http import AuthedRequest
from xietong.core.permissions import access
from xietong.core.views import form_apply_error
from xietong.items.runner import run_step
from xietong.requests.choices import RequestState
from xietong.requests.models import Feasibility, Request


class EvaluationForm(forms.Form):
    feasibility = forms.ChoiceField(label=gettext_lazy("可行性"), choices=[("", "—"), *Feasibility.choices])
    resource_people = forms.CharField(label=gettext_lazy("资源：人力"), widget=forms.Textarea(attrs={"rows": 2}))
    resource_time = forms.CharField(label=gettext_lazy("资源：时间"), widget=forms.Textarea(attrs={"rows": 2}))
    resource_access = forms.CharField(label=gettext_lazy("资源：权限"), widget=forms.Textarea(attrs={"rows": 2}))
    schedule = forms.CharField(
        label=gettext_lazy("初步时间节点"),
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=gettext_lazy("如“需求确认：10月9日；原型初稿：第10个工作日；验收：第15个工作日”"),
    )
    version = forms.IntegerField(required=False, widget=forms.HiddenInput)


@require_http_methods(["GET", "POST"])
def request_confirmation(request: AuthedRequest, request_id: int) -> HttpResponse:
    item = access(request.user, Request.objects.select_related("requester", "receiving_department"), request_id)
    may_evaluate = item.state == RequestState.ACKNOWLEDGED and item.is_receiver_side(request.user)
    form = EvaluationForm(initial={"version": item.version}) if may_evaluate else None
    if request.method == "POST" and may_evaluate:
        form = EvaluationForm(request.POST)
        if form.is_valid():
            try:
                run_step(
                    actor=request.user,
                    item=item,
                    step="evaluate",
                    inputs=form.cleaned_data,
                    expected_version=form.cleaned_data.get("version"),
                )
            except ApplicationError as error:
                form_apply_error(form, error)
            else:
                messages.success(request, _("评估结果已提交，需求确认函已生成"))
                return redirect("request-confirmation", item.pk)
    participations = item.participations.exclude(state="withdrawn").select_related(
        "department", "contact", "confirmed_by", "coordinator"
    )
    return render(
        request,
        "requests/confirmation.html",
        {"item": item, "form": form, "participations": participations},
    )
