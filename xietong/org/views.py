"""Organisation pages: the department tree, a person's profile, projects."""

from __future__ import annotations

from django.contrib import messages
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from xietong.core.errors import ApplicationError, NotFound
from xietong.core.http import AuthedRequest
from xietong.core.permissions import CHANGE, access, can
from xietong.core.views import form_apply_error
from xietong.org.forms import AbsenceForm, ContactForm
from xietong.org.models import Person, Project
from xietong.org.roles import manager_chain, roles_of
from xietong.org.selectors import absence_lists, absence_people, org_tree_rows, project_list, project_members
from xietong.org.services import CONTACT_FIELDS, absence_cancel, absence_set, person_update_contact
from xietong.org.standins import current_absence


@require_GET
def org_tree(request: AuthedRequest) -> HttpResponse:
    return render(request, "org/tree.html", {"rows": org_tree_rows(request.user)})


@require_GET
def person_detail(request: AuthedRequest, person_id: int) -> HttpResponse:
    person = access(request.user, Person.objects.select_related("department"), person_id)
    context = {
        "person": person,
        "roles": roles_of(person),
        "chain": manager_chain(person),
        "projects": project_list(request.user).filter(members=person),
        "can_edit": can(request.user, CHANGE, person),
        "away": current_absence(person),
    }
    return render(request, "org/person_detail.html", context)


@require_http_methods(["GET", "POST"])
def person_contact_edit(request: AuthedRequest, person_id: int) -> HttpResponse:
    person = access(request.user, Person, person_id, CHANGE)
    if request.method == "POST":
        form = ContactForm(request.POST, instance=Person.objects.get(pk=person.pk))
        if form.is_valid():
            try:
                person_update_contact(
                    actor=request.user,
                    person=person,
                    expected_version=form.cleaned_data["version"],
                    **{name: form.cleaned_data[name] for name in CONTACT_FIELDS},
                )
            except ApplicationError as error:
                form_apply_error(form, error)
            else:
                messages.success(request, _("联系方式已保存"))
                return redirect("person-detail", person_id=person.pk)
    else:
        form = ContactForm(instance=person, initial={"version": person.version})
    return render(request, "org/person_contact_edit.html", {"person": person, "form": form})


@require_GET
def projects(request: AuthedRequest) -> HttpResponse:
    return render(request, "org/project_list.html", {"projects": project_list(request.user)})


@require_GET
def project_detail(request: AuthedRequest, project_id: int) -> HttpResponse:
    project = access(request.user, Project.objects.select_related("department", "lead"), project_id)
    return render(request, "org/project_detail.html", {"project": project, "members": project_members(project)})


@require_http_methods(["GET", "POST"])
def absences(request: AuthedRequest) -> HttpResponse:
    """代理设置: one's own absences, those of the people one heads, and whom one stands in for."""
    people = absence_people(request.user)
    form = AbsenceForm(request.POST or None, people=people, initial={"person": request.user})
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            absence_set(
                actor=request.user,
                person=data["person"],
                stand_in=data["stand_in"],
                starts_at=data["starts_at"],
                ends_at=data["ends_at"],
                reason=data["reason"],
            )
        except ApplicationError as error:
            form_apply_error(form, error)
        else:
            messages.success(request, _("已设置代理：%(stand_in)s") % {"stand_in": data["stand_in"].display_name})
            return redirect("absences")
    context = {"form": form, **absence_lists(request.user, people)}
    return render(request, "org/absences.html", context)


@require_POST
def absence_cancel_view(request: AuthedRequest, absence_id: int) -> HttpResponse:
    try:
        absence_cancel(actor=request.user, absence_id=absence_id)
    except NotFound:
        raise
    except ApplicationError as error:
        messages.error(request, str(error.message))
    else:
        messages.success(request, _("已撤销代理设置"))
    return redirect("absences")
