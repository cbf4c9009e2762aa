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
from xietong.items.collaboration import CollaborationType, collaboration_label
from xietong.items.step_api import add_step_routes
from xietong.org.models import Department, Person, Project
from xietong.requests.choices import Priority
from xietong.requests.models import Participation, Request
from xietong.requests.participants import participants_parse
from xietong.requests.process import REQUEST
from xietong.requests.selectors import SCOPES, RequestFilters, request_list
from xietong.requests.services import request_create

router = Router(tags=["requests"])


class DepartmentTakingPartOut(Schema):
    """参与部门及职责: one department taking part, its contact and duties, and its head's signature."""

    department_id: int
    contact_id: int | None
    duties: str
    coordinator_id: int | None
    state: str = Field(description="draft 未发出 / awaiting 待签字 / confirmed 已签字")
    confirmed_by_id: int | None
    confirmed_at: dt.datetime | None


class RequestOut(Schema):
    id: int
    number: str
    title: str
    project_id: int
    state: str
    priority: str
    collaboration_type: str = Field(description="协作类型：project/affairs/emergency/sync，未选时为空")
    collaboration_label: str = Field(description="常规项目协作 / 跨部门事务对接 / 紧急事项处理 / 日常信息同步")
    requesting_department_id: int
    requester_id: int
    receiving_department_id: int
    receiver_id: int | None
    background: str
    goal: str
    content: str
    expected_date: dt.date
    criteria: list[str]
    participants: list[DepartmentTakingPartOut]
    version: int
    created_at: dt.datetime
    submitted_at: dt.datetime | None

    @staticmethod
    def resolve_criteria(obj: Request) -> list[str]:
        return [c.text for c in obj.criteria.all()]

    @staticmethod
    def resolve_collaboration_label(obj: Request) -> str:
        return collaboration_label(obj)

    @staticmethod
    def resolve_participants(obj: Request) -> list[DepartmentTakingPartOut]:
        return [
            DepartmentTakingPartOut(
                department_id=p.department_id,
                contact_id=p.contact_id,
                duties=p.duties,
                coordinator_id=p.coordinator_id,
                state=p.state,
                confirmed_by_id=p.confirmed_by_id,
                confirmed_at=p.confirmed_at,
            )
            for p in obj.participations.all()
            if p.state != Participation.State.WITHDRAWN
        ]


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
    collaboration_type: CollaborationType | None = Field(
        None,
        description="协作类型（归档名称“协作类型-项目名称-日期”用它）：project 常规项目协作、affairs 跨部门事务对接、"
        "emergency 紧急事项处理、sync 日常信息同步",
    )
    criteria: list[str] = Field(default_factory=list, max_length=30)
    participants: str = Field(
        "",
        max_length=8000,
        description="参与部门及职责，与页面相同：每行一个“部门/对接人：职责”，如“市场部/罗倩：提供用户调研数据”",
    )
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
    ).prefetch_related("criteria", "participations")


@router.post("/", response=responses(RequestOut, 201), summary="发起需求（草稿或直接提交）")
def create_request(request: AuthedRequest, payload: RequestIn):
    project = Project.objects.restrict(request.user).filter(pk=payload.project_id).first()
    if project is None:
        raise ApplicationError(fields={"project_id": _("项目不存在或您不是其成员")})
    taking, problem = participants_parse(payload.participants)
    if problem:
        raise ApplicationError(_("需求说明书填写不完整或有误"), fields={"participants": problem})
    item = request_create(
        actor=request.user,
        criteria=payload.criteria,
        submit=payload.submit,
        participants=taking,
        collaboration_type=payload.collaboration_type.value if payload.collaboration_type else "",
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
