"""任务 over JSON, with the same services and permission filter as the pages."""

from __future__ import annotations

import datetime as dt

from django.utils.translation import gettext as _
from ninja import Field, Router, Schema, Status
from ninja.pagination import paginate

from xietong.core.api_errors import responses
from xietong.core.api_pagination import BoundedLimitOffset
from xietong.core.errors import ApplicationError
from xietong.core.http import AuthedRequest
from xietong.core.permissions import access
from xietong.items.step_api import add_step_routes
from xietong.org.models import Person
from xietong.requests.choices import Priority
from xietong.requests.models import Request
from xietong.tasks.models import Task
from xietong.tasks.process import TASK
from xietong.tasks.services import breakdown_open, task_create, task_update

router = Router(tags=["tasks"])


class TaskOut(Schema):
    id: int
    number: str
    request_id: int
    position: int
    title: str
    content: str
    completion_criteria: str
    owner_id: int
    helper_ids: list[int]
    coordinator_id: int | None
    start_date: dt.date
    end_date: dt.date
    priority: str
    state: str
    predecessor_ids: list[int]
    version: int
    auto_accepted: bool

    @staticmethod
    def resolve_helper_ids(obj: Task) -> list[int]:
        return [p.pk for p in obj.helpers.all()]

    @staticmethod
    def resolve_predecessor_ids(obj: Task) -> list[int]:
        return [p.pk for p in obj.predecessors.all()]


class TaskIn(Schema):
    title: str = Field(..., max_length=120)
    content: str = ""
    completion_criteria: str = Field("", max_length=3000, description="完成标准（必填）")
    owner_id: int
    helper_ids: list[int] = Field(default_factory=list, max_length=50)
    coordinator_id: int | None = None
    start_date: dt.date
    end_date: dt.date
    priority: Priority = Priority.MEDIUM
    resources: str = ""
    predecessor_ids: list[int] = Field(default_factory=list, max_length=100)


class TaskPatch(Schema):
    version: int
    title: str | None = Field(None, max_length=120)
    start_date: dt.date | None = None
    end_date: dt.date | None = None
    owner_id: int | None = None
    priority: Priority | None = None


def _person(pk: int | None, field: str) -> Person | None:
    if pk is None:
        return None
    person = Person.objects.filter(pk=pk, is_active=True).first()
    if person is None:
        raise ApplicationError(fields={field: _("人员不存在")})
    return person


@router.get("/", response=responses(list[TaskOut]), summary="任务列表（仅可见范围内）")
@paginate(BoundedLimitOffset)
def list_tasks(request: AuthedRequest, request_id: int | None = None, mine: bool = False, state: str = ""):
    qs = (
        Task.objects.restrict(request.user)
        .prefetch_related("helpers", "predecessors")
        .order_by("request_id", "position")
    )
    if request_id is not None:
        qs = qs.filter(request_id=request_id)
    if mine:
        qs = qs.filter(owner=request.user)
    if state:
        qs = qs.filter(state=state)
    return qs


@router.post("/requests/{request_id}", response=responses(TaskOut, 201), summary="在需求的任务分解表中添加任务")
def create_task(request: AuthedRequest, request_id: int, payload: TaskIn):
    item = access(request.user, Request, request_id)
    breakdown = breakdown_open(actor=request.user, request=item)
    predecessors = list(Task.objects.filter(pk__in=payload.predecessor_ids))
    if len(predecessors) != len(set(payload.predecessor_ids)):
        raise ApplicationError(fields={"predecessor_ids": _("前置任务不存在")})
    task = task_create(
        actor=request.user,
        breakdown=breakdown,
        predecessors=predecessors,
        helpers=[p for pk in payload.helper_ids if (p := _person(pk, "helper_ids")) is not None],
        title=payload.title,
        content=payload.content,
        completion_criteria=payload.completion_criteria,
        owner=_person(payload.owner_id, "owner_id"),
        coordinator=_person(payload.coordinator_id, "coordinator_id"),
        start_date=payload.start_date,
        end_date=payload.end_date,
        priority=payload.priority.value,
        resources=payload.resources,
    )
    return Status(201, task)


@router.get("/{task_id}", response=responses(TaskOut), summary="任务详情")
def get_task(request: AuthedRequest, task_id: int):
    return access(request.user, Task, task_id)


@router.patch("/{task_id}", response=responses(TaskOut), summary="修改任务（需带版本号，冲突时返回 409）")
def patch_task(request: AuthedRequest, task_id: int, payload: TaskPatch):
    task = access(request.user, Task, task_id)
    data = {k: v for k, v in payload.dict(exclude_unset=True).items() if k not in ("version", "owner_id")}
    if "priority" in data and data["priority"] is not None:
        data["priority"] = data["priority"].value
    if payload.owner_id is not None:
        data["owner"] = _person(payload.owner_id, "owner_id")
    task, _conflicts = task_update(actor=request.user, task=task, expected_version=payload.version, **data)
    return task


add_step_routes(router, TASK, TaskOut, noun="任务")
