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
from xietong.org.models import Department, Person, Project
from xietong.requests.choices import MACHINE, Priority
from xietong.requests.models import Request
from xietong.requests.selectors import SCOPES, RequestFilters, request_list
from xietong.requests.services import request_create, request_transition

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


class RequestTransitionIn(Schema):
    reason: str = Field("", max_length=3000)
    version: int | None = None


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


class RequestActionOut(Schema):
    name: str
    label: str
    needs_reason: bool


@router.get("/{request_id}/actions", response=responses(list[RequestActionOut]), summary="当前可执行的操作")
def list_actions(request: AuthedRequest, request_id: int):
    item = access(request.user, Request, request_id)
    return [
        RequestActionOut(name=t.name, label=str(t.label), needs_reason=t.needs_reason)
        for t in MACHINE.available(item, request.user)
    ]


@router.post(
    "/{request_id}/transitions/{name}", response=responses(RequestOut), summary="执行操作（接收确认、受理、拒绝……）"
)
def transition(request: AuthedRequest, request_id: int, name: str, payload: RequestTransitionIn):
    item = access(request.user, Request, request_id)
    return request_transition(
        actor=request.user, request=item, name=name, reason=payload.reason, expected_version=payload.version
    )
