"""需求 over JSON: the same services and permission filter as the pages."""

import datetime as dt

from django.utils.translation import gettext as _
from ninja import Field, Query, Router, Schema, Status
from ninja.pagination import paginate

from xietong.core.api_errors import responses
from xietong.core.api_pagination import BoundedLimitOffset
from xietong.core.errors import ApplicationError
from xietong.core.http import AuthedRequest
from xietong.core.permissions import access
from xietong.items.step_api import add_step_routes
from xietong.org.models import Department, Person, Project
from xietong.requests.choices import Priority
from xietong.requests.models import Request
from xietong.requests.process import REQUEST
from xietong.requests.selectors import SCOPES, RequestFilters, request_list
from xietong.requests.services import request_create

router = Router(tags=["requests"])


class RequestOut(Schema):
    id: int
    number: str
    title: str
    project_id: int
    state: str
    priority: str
    requesting_department_id: int
    requester_id: int
    receiving_department_id: int
    receiver_id: int | None
    background: str
    goal: str
    content: str
    expected_date: dt.date
    criteria: list[str]
    version: int
    created_at: dt.datetime
    submitted_at: dt.datetime | None

    @staticmethod
    def resolve_criteria(obj: Request) -> list[str]:
        return [c.text for c in obj.criteria.all()]


class RequestIn(Schema):
    title: str = Field(..., max_length=120)
    project_id: int
    receiving_department_id: int
    receiver_id: int | None = None
    background: str = ""
    goal: str = ""
    content: str = ""
    expected_date: dt.date
    priority: Priority = Priority.MEDIUM
    criteria: list[str] = Field(default_factory=list, max_length=30)
    submit: bool = False


class RequestListFilters(Schema):
    scope: str = "all"
    state: str = ""
    priority: str = ""
    department_id: int | None = None
    overdue: bool = False
    q: str = Field("", max_length=50)


def _get(model, pk, label: str):
    obj = model.objects.filter(pk=pk).first()
    if obj is None:
        raise ApplicationError(fields={label: _("不存在")})
    return obj


@router.get("/", response=responses(list[RequestOut]), summary="需求列表（仅可见范围内）")
@paginate(BoundedLimitOffset)
def list_requests(request: AuthedRequest, filters: Query[RequestListFilters]):
    return request_list(
        request.user,
        RequestFilters(
            scope=filters.scope if filters.scope in SCOPES else "all",
            state=filters.state,
            priority=filters.priority,
            department=filters.department_id,
            overdue=filters.overdue,
            q=filters.q,
        ),
    ).prefetch_related("criteria")


@router.post("/", response=responses(RequestOut, 201), summary="发起需求（草稿或直接提交）")
def create_request(request: AuthedRequest, payload: RequestIn):
    project = Project.objects.restrict(request.user).filter(pk=payload.project_id).first()
    if project is None:
        raise ApplicationError(fields={"project_id": _("项目不存在或您不是其成员")})
    item = request_create(
        actor=request.user,
        criteria=payload.criteria,
        submit=payload.submit,
        title=payload.title,
        project=project,
        receiving_department=_get(Department, payload.receiving_department_id, "receiving_department_id"),
        receiver=_get(Person, payload.receiver_id, "receiver_id") if payload.receiver_id else None,
        background=payload.background,
        goal=payload.goal,
        content=payload.content,
        expected_date=payload.expected_date,
        priority=payload.priority.value,
    )
    return Status(201, item)


@router.get("/{request_id}", response=responses(RequestOut), summary="需求详情")
def get_request(request: AuthedRequest, request_id: int):
    return access(request.user, Request, request_id)


add_step_routes(router, REQUEST, RequestOut, noun="需求")
