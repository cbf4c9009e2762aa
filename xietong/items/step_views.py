"""The page side of every declared process: one view takes a step from an item's page (the buttons), the
same way for every process — the runner decides, the page shows the outcome."""

from __future__ import annotations

from collections.abc import Callable

from django import forms
from django.contrib import messages
from django.http import HttpResponse
from django.shortcuts import redirect
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from xietong.core.errors import ApplicationError
from xietong.core.http import AuthedRequest
from xietong.core.permissions import access
from xietong.items.process import REASON_MAX_LENGTH, Process, Step
from xietong.items.runner import run_step


class StepForm(forms.Form):
    reason = forms.CharField(required=False, max_length=REASON_MAX_LENGTH)
    version = forms.IntegerField(required=False)


def refusal_text(error: ApplicationError) -> str:
    """A refusal in one line for the flash message: the reason's own message first."""
    if error.fields.get("reason"):
        return str(error.fields["reason"])
    if error.fields:
        return "；".join(str(v) for v in error.fields.values())
    return str(error.message)


def step_view(process: Process) -> Callable[..., HttpResponse]:
    """POST …/<{process.id_param}>/do/<action>/ for `process`: take the step, then back to the item's page."""

    @require_POST
    def take(request: AuthedRequest, action: str, **ids: int) -> HttpResponse:
        item = access(request.user, process.model, ids[process.id_param])
        form = StepForm(request.POST)
        form.is_valid()
        try:
            run_step(
                actor=request.user,
                item=item,
                step=action,
                reason=request.POST.get("reason", ""),
                expected_version=form.cleaned_data.get("version"),
            )
        except ApplicationError as error:
            messages.error(request, refusal_text(error))
        else:
            messages.success(request, _("已完成：%(action)s") % {"action": process.get(action).label})
        return redirect(item.get_absolute_url())  # type: ignore[attr-defined]

    take.__name__ = f"{process.key}_step"
    return take


def step_buttons(process: Process, item, person) -> list[Step]:
    """The steps `person` may take on `item` now, stand-ins included (the action card on its page)."""
    return process.available(item, person)
