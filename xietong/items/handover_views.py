"""离职交接 page (administrators): what the person still answers for, and the successor who takes it over."""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods

from xietong.clocks.models import Clock
from xietong.core.errors import ApplicationError, NotFound
from xietong.core.http import AuthedRequest
from xietong.core.permissions import access
from xietong.core.views import form_apply_error
from xietong.items.handover import open_items_owned_by, person_hand_over
from xietong.org.models import Person


class HandOverForm(forms.Form):
    successor = forms.ModelChoiceField(label=gettext_lazy("接替人"), queryset=Person.objects.none())
    deactivate = forms.BooleanField(label=gettext_lazy("交接后停用该账号"), required=False, initial=True)

    def __init__(self, *args, person: Person, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["successor"].queryset = (  # type: ignore[attr-defined]
            Person.objects.filter(is_active=True).exclude(pk=person.pk).order_by("department__sort_order", "name")
        )


@require_http_methods(["GET", "POST"])
def hand_over(request: AuthedRequest, person_id: int) -> HttpResponse:
    if not (request.user.is_staff or request.user.is_superuser):
        raise NotFound()
    person = access(request.user, Person, person_id)
    form = HandOverForm(request.POST or None, person=person)
    if request.method == "POST" and form.is_valid():
        try:
            report = person_hand_over(
                actor=request.user,
                person=person,
                successor=form.cleaned_data["successor"],
                deactivate=form.cleaned_data["deactivate"],
            )
        except ApplicationError as error:
            form_apply_error(form, error)
        else:
            messages.success(
                request,
                _("已将 %(name)s 的 %(items)d 个事项、%(clocks)d 个时限移交给 %(successor)s")
                % {
                    "name": person.display_name,
                    "items": sum(report.items.values()),
                    "clocks": report.clocks,
                    "successor": form.cleaned_data["successor"].display_name,
                },
            )
            return redirect("person-detail", person_id=person.pk)
    context = {
        "person": person,
        "form": form,
        "items": open_items_owned_by(person),
        "clocks": Clock.objects.filter(owner=person, closed_at__isnull=True).count(),
    }
    return render(request, "items/hand_over.html", context)
