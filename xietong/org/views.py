"""Organisation pages: the department tree, a person's profile, projects."""

from __future__ import annotations

from django.contrib import messages
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods

from xietong.core.errors import ApplicationError
from xietong.core.http import AuthedRequest
from xietong.core.permissions import CHANGE, access, can
from xietong.core.views import form_apply_error
from xietong.org.forms import ContactForm
from xietong.org.models import Person, Project
from xietong.org.roles import manager_chain, roles_of
from xietong.org.selectors import org_tree_rows, project_list, project_members
from xietong.org.services import CONTACT_FIELDS, person_update_contact


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
