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
from xietong.items.step_views import step_refused_tell, step_view
from xietong.org.models import Person
from xietong.org.tree import DepartmentTree
from xietong.requests.models import Participation
from xietong.requests.participation import PARTICIPATION, head_or_contact

participation_do = step_view(PARTICIPATION)


class CoordinatorForm(forms.Form):
    coordinator = forms.ModelChoiceField(
        label=gettext_lazy("协作负责人"), queryset=Person.objects.filter(is_active=True), required=True
    )
    version = forms.IntegerField(required=False, widget=forms.HiddenInput)


def _department_people(department_id: int) -> list[Person]:
    """Active people of the department and the departments under it (participation.in_department), by name."""
    departments = DepartmentTree.load().with_descendants([department_id])
    return list(Person.objects.filter(is_active=True, department_id__in=departments).order_by("name"))


def participants_panel(request, item) -> dict | None:
    rows = list(item.participations.select_related("department__head", "contact", "coordinator", "confirmed_by"))
    if not rows:
        return None
    entries = []
    for row in rows:
        may_name = row.state != Participation.State.WITHDRAWN and head_or_contact(request.user, row)
        entries.append(
            {
                "row": row,
                "tone": PARTICIPATION.tones.get(row.state, ""),
                "actions": PARTICIPATION.available(row, request.user),
                "may_name": may_name,
                # Only who may name a coordinator sees the choice, of the department's own people (in the query:
                # every active person read and filtered here cost each viewer ~16 ms per department at 1,000).
                "people": _department_people(row.department_id) if may_name else [],
            }
        )
    return {"item": item, "entries": entries}


@require_POST
def coordinator_name(request: AuthedRequest, request_id: int, participation_id: int) -> HttpResponse:
    row = access(request.user, Participation, participation_id)
    form = CoordinatorForm(request.POST)
    try:
        if not form.is_valid():
            raise ApplicationError(fields={"coordinator": _("请选择协作负责人")})
        run_step(
            actor=request.user,
            item=row,
            step="name_coordinator",
            inputs={"coordinator": form.cleaned_data["coordinator"]},
            expected_version=form.cleaned_data.get("version"),
        )
    except ApplicationError as error:
        step_refused_tell(request, PARTICIPATION, row, "name_coordinator", error)  # the row shows it, choice kept
    else:
        messages.success(request, _("已指定协作负责人"))
    return redirect(row.get_absolute_url())
