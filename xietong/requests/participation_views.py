"""The 参与部门及职责 section of a request's page: each department's state, its head's 签字 button, and the form
in which the department names its 协作负责人."""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.http import HttpResponse
from django.shortcuts import redirect
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from xietong.core.errors import ApplicationError
from xietong.core.http import AuthedRequest
from xietong.core.permissions import access
from xietong.items.runner import run_step
from xietong.items.step_views import refusal_text, step_view
from xietong.org.models import Person
from xietong.requests.models import Participation
from xietong.requests.participation import PARTICIPATION, head_or_contact, in_department

participation_do = step_view(PARTICIPATION)


class CoordinatorForm(forms.Form):
    coordinator = forms.ModelChoiceField(
        label=gettext_lazy("协作负责人"), queryset=Person.objects.filter(is_active=True), required=True
    )
    version = forms.IntegerField(required=False, widget=forms.HiddenInput)


def participants_panel(request, item) -> dict | None:
    rows = list(item.participations.select_related("department__head", "contact", "coordinator", "confirmed_by"))
    if not rows:
        return None
    entries = []
    for row in rows:
        people = [p for p in Person.objects.filter(is_active=True).order_by("name") if in_department(row.department, p)]
        entries.append(
            {
                "row": row,
                "tone": PARTICIPATION.tones.get(row.state, ""),
                "actions": PARTICIPATION.available(row, request.user),
                "may_name": row.state != Participation.State.WITHDRAWN and head_or_contact(request.user, row),
                "people": people,
            }
        )
    return {"item": item, "entries": entries}


@require_POST
def coordinator_name(request: AuthedRequest, request_id: int, participation_id: int) -> HttpResponse:
    row = access(request.user, Participation, participation_id)
    form = CoordinatorForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("请选择协作负责人"))
        return redirect(row.get_absolute_url())
    try:
        run_step(
            actor=request.user,
            item=row,
            step="name_coordinator",
            inputs={"coordinator": form.cleaned_data["coordinator"]},
            expected_version=form.cleaned_data.get("version"),
        )
    except ApplicationError as error:
        messages.error(request, refusal_text(error))
    else:
        messages.success(request, _("已指定协作负责人"))
    return redirect(row.get_absolute_url())
