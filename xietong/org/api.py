"""The organisation over JSON, through the same permission filter as the pages."""

from __future__ import annotations

from django.db.models import Q
from django.http import HttpRequest
from ninja import Router, Schema
from ninja.pagination import paginate

from xietong.core.api_errors import responses
from xietong.core.api_pagination import BoundedLimitOffset
from xietong.core.permissions import access
from xietong.org.models import Department, Person, Project
from xietong.org.selectors import person_list, project_list, project_members

router = Router(tags=["org"])


class DepartmentOut(Schema):
    id: int
    name: str
    code: str
    parent_id: int | None
    head_id: int | None
    division_leader_id: int | None
    is_coordinating_office: bool


class PersonOut(Schema):
    id: int
    username: str
    name: str
    department_id: int | None
    title: str
    email: str
    phone: str


class ProjectOut(Schema):
    id: int
    code: str
    name: str
    description: str
    department_id: int
    lead_id: int
    status: str


@router.get("/departments", response=responses(list[DepartmentOut]), summary="部门列表（部门树）")
def departments(request: HttpRequest):
    return Department.objects.restrict(request.user).order_by("sort_order", "name")


@router.get("/people", response=responses(list[PersonOut]), summary="人员列表（仅可见范围内）")
@paginate(BoundedLimitOffset)
def people(request: HttpRequest, department_id: int | None = None, q: str | None = None):
    qs = person_list(request.user).filter(is_active=True)
    if department_id is not None:
        qs = qs.filter(department_id=department_id)
    if q:
        qs = qs.filter(Q(name__icontains=q) | Q(username__icontains=q))
    return qs


@router.get("/people/{person_id}", response=responses(PersonOut), summary="人员详情")
def person(request: HttpRequest, person_id: int):
    return access(request.user, Person, person_id)


@router.get("/projects", response=responses(list[ProjectOut]), summary="项目列表（仅可见范围内）")
@paginate(BoundedLimitOffset)
def projects(request: HttpRequest):
    return project_list(request.user)


@router.get("/projects/{project_id}", response=responses(ProjectOut), summary="项目详情")
def project(request: HttpRequest, project_id: int):
    return access(request.user, Project, project_id)


@router.get("/projects/{project_id}/members", response=responses(list[PersonOut]), summary="项目成员")
def members(request: HttpRequest, project_id: int):
    return project_members(access(request.user, Project, project_id))
