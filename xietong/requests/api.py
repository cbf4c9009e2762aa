"""需求 over JSON: the same services and permission filter as the pages."""

import datetime as dt
from typing import Any

from django.utils.translation import gettext as _
from ninja import Field, Query, Router, Schema, Status
from ninja.pagination import paginate

from xietong.clocks.selectors import open_clock
from xietong.core.api_errors import responses
from xietong.core.api_pagination import BoundedLimitOffset
from xietong.core.errors import ApplicationError
from xietong.core.http import AuthedRequest
from xietong.core.permissions import access
from xietong.items.collaboration import CollaborationType, collaboration_label
from xietong.items.step_api import add_step_routes
from xietong.org.models import Department, Person, Project
from xietong.requests.changes import REQUEST_CHANGE, change_request
from xietong.requests.choices import Priority
from xietong.requests.milestones import MILESTONE, milestone_add
from xietong.requests.models import Milestone, Participation, Request, RequestVersion
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


class MilestoneOut(Schema):
    """关键时间节点: dated, or the N-th working day from a start date; each a clock (due_at while it counts)."""

    id: int
    title: str
    owner_id: int
    start_date: dt.date | None
    workday: int | None
    due_date: dt.date
    after_id: int | None
    state: str
    reached_at: dt.datetime | None
    due_at: dt.datetime | None

    @staticmethod
    def resolve_due_at(obj: Milestone) -> dt.datetime | None:
        clock = open_clock(obj, "due")
        return clock.limit_due_at if clock is not None else None


class MilestoneIn(Schema):
    title: str = Field("", max_length=100)
    owner_id: int | None = None
    due_date: dt.date | None = Field(None, description="节点日期；或填 workday 与 start_date")
    workday: int | None = Field(None, description="第几个工作日（起算日当天如为工作日为第1个）")
    start_date: dt.date | None = None
    after_id: int | None = Field(None, description="前置节点")


class ChangeReceiptOut(Schema):
    person_id: int
    roles: str
    confirmed_at: dt.datetime | None


class VersionOut(Schema):
    """One version of the request: V1 as agreed, each 需求变更 the next, with its diff and who confirmed 已阅."""

    id: int
    number: int
    state: str
    changes: list[dict[str, str]]
    replanned: list[dict]
    reason: str
    author_id: int | None
    sent_at: dt.datetime | None
    snapshot: dict
    receipts: list[ChangeReceiptOut]
    version: int

    @staticmethod
    def resolve_receipts(obj: RequestVersion) -> list[ChangeReceiptOut]:
        return [
            ChangeReceiptOut(person_id=r.person_id, roles=r.roles, confirmed_at=r.confirmed_at)
            for r in obj.receipts.all()
        ]


class TaskChangeIn(Schema):
    """One task of the published 分工表 as the 需求变更 changes it: only what is given changes."""

    completion_criteria: str | None = Field(None, max_length=3000, description="完成标准")
    start_date: dt.date | None = Field(None, description="开始时间")
    end_date: dt.date | None = Field(None, description="结束时间")
    owner_id: int | None = Field(None, description="负责人")


class NewTaskIn(Schema):
    """A task the 需求变更 adds to the published 分工表 (its department is its owner's)."""

    title: str = Field(..., max_length=120, description="任务名称")
    owner_id: int = Field(..., description="负责人")
    start_date: dt.date = Field(..., description="开始时间")
    end_date: dt.date = Field(..., description="结束时间")
    completion_criteria: str = Field(..., max_length=3000, description="完成标准")
    content: str = Field("", max_length=3000, description="任务描述")
    predecessor_ids: list[int] = Field(default_factory=list, max_length=100, description="前置任务")


class ChangeIn(Schema):
    """需求变更: only what is given changes; the rest stays as it is."""

    reason: str = Field("", max_length=3000, description="变更原因")
    title: str | None = Field(None, max_length=120)
    background: str | None = Field(None, max_length=3000)
    goal: str | None = Field(None, max_length=3000)
    content: str | None = Field(None, max_length=3000)
    expected_date: dt.date | None = None
    priority: Priority | None = None
    criteria: list[str] | None = Field(None, max_length=30, description="验收标准，每条一项；给出时整体替换")
    participants: str | None = Field(
        None, max_length=8000, description="参与部门及职责，每行“部门/对接人：职责”；给出时整体替换（接收部门始终参与）"
    )
    milestones: dict[int, dt.date] = Field(
        default_factory=dict, description="节点 id → 新日期（按工作日计的节点为新起算日）"
    )
    tasks: dict[int, TaskChangeIn] = Field(
        default_factory=dict,
        description="已发布分工表的任务 id → 新的完成标准、起止时间或负责人（分工表发布后只能这样修改）；依赖它的任务随之顺延",
    )
    new_tasks: list[NewTaskIn] = Field(
        default_factory=list,
        max_length=20,
        description="向已发布的分工表新增的任务（分工表发布后只能这样新增）；受影响部门的负责人重新签字",
    )
    cancel_tasks: list[int] = Field(
        default_factory=list,
        max_length=100,
        description="从已发布的分工表取消的任务 id（分工表发布后只能这样取消）；受影响部门的负责人重新签字",
    )
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


@router.get("/{request_id}/milestones", response=responses(list[MilestoneOut]), summary="需求：关键时间节点")
def list_milestones(request: AuthedRequest, request_id: int):
    item = access(request.user, Request, request_id)
    return list(item.milestones.order_by("due_date", "position"))


@router.post("/{request_id}/milestones", response=responses(MilestoneOut, 201), summary="需求：设定关键时间节点")
def add_milestone(request: AuthedRequest, request_id: int, payload: MilestoneIn):
    item = access(request.user, Request, request_id)
    after = None
    if payload.after_id is not None:
        after = Milestone._base_manager.filter(pk=payload.after_id, request=item).first()
        if after is None:
            raise ApplicationError(fields={"after": _("前置节点须是本需求的节点")})
    node = milestone_add(
        actor=request.user,
        request=item,
        title=payload.title,
        owner=_get(Person, payload.owner_id, "owner") if payload.owner_id else None,
        due_date=payload.due_date,
        workday=payload.workday,
        start_date=payload.start_date,
        after=after,
    )
    return Status(201, node)


@router.get("/{request_id}/versions", response=responses(list[VersionOut]), summary="需求：版本记录（需求变更及已阅）")
def list_versions(request: AuthedRequest, request_id: int):
    item = access(request.user, Request, request_id)
    return list(item.versions.prefetch_related("receipts").order_by("number"))


@router.post("/{request_id}/changes", response=responses(VersionOut, 201), summary="需求：提出需求变更（受理后）")
def add_change(request: AuthedRequest, request_id: int, payload: ChangeIn):
    item = access(request.user, Request, request_id)
    data = {
        name: getattr(payload, name)
        for name in ("title", "background", "goal", "content", "expected_date")
        if getattr(payload, name) is not None
    }
    if payload.priority is not None:
        data["priority"] = payload.priority.value
    taking = None
    if payload.participants is not None:
        taking, problem = participants_parse(payload.participants)
        if problem:
            raise ApplicationError(_("需求变更填写有误"), fields={"participants": problem})
    tasks: dict[int, dict[str, Any]] = {}
    for task_id, wanted in payload.tasks.items():
        values = {k: v for k, v in wanted.dict(exclude={"owner_id"}).items() if v is not None}
        if wanted.owner_id is not None:
            owner = Person.objects.filter(pk=wanted.owner_id, is_active=True).first()
            if owner is None:
                raise ApplicationError(_("需求变更填写有误"), fields={f"task-{task_id}-owner": _("没有这位在职人员")})
            values["owner"] = owner
        tasks[task_id] = values
    new_tasks = []
    for n, wanted_task in enumerate(payload.new_tasks, start=1):
        owner = Person.objects.filter(pk=wanted_task.owner_id, is_active=True).first()
        if owner is None:
            raise ApplicationError(_("需求变更填写有误"), fields={f"new-task-{n}-owner": _("没有这位在职人员")})
        new_tasks.append(
            {
                **wanted_task.dict(exclude={"owner_id", "predecessor_ids"}),
                "owner": owner,
                "predecessors": wanted_task.predecessor_ids,
            }
        )
    parts: dict[str, Any] = {"tasks": tasks, "new_tasks": new_tasks, "cancel_tasks": payload.cancel_tasks}
    change_request(
        actor=request.user,
        request=item,
        reason=payload.reason,
        data=data,
        milestones=payload.milestones,
        criteria=payload.criteria,
        participants=taking,
        parts={key: value for key, value in parts.items() if value} or None,
        expected_version=payload.version,
    )
    return Status(201, item.versions.prefetch_related("receipts").order_by("-number").first())


# 节点已达成 / 取消节点 at /milestones/{milestone_id}/…, 已阅 / 提醒未确认人员 at /changes/{request_change_id}/….
milestone_steps, change_steps = Router(tags=["requests"]), Router(tags=["requests"])
add_step_routes(milestone_steps, MILESTONE, MilestoneOut, noun="关键时间节点")
add_step_routes(change_steps, REQUEST_CHANGE, VersionOut, noun="需求变更")
router.add_router("/milestones", milestone_steps)
router.add_router("/changes", change_steps)
