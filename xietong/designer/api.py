"""Designed processes over JSON: /api/processes/{key}/items/… — the same checks, permission filter and runner
as the pages. Values are keyed by the definition's field keys (a table as a list of row objects, a date range
as {"start", "end"}) and checked on the server against the definition."""

import datetime as dt
from typing import Any

from django.utils.translation import gettext as _
from ninja import Field, Query, Router, Schema, Status
from ninja.pagination import paginate

from xietong.core.api_errors import responses
from xietong.core.api_pagination import BoundedLimitOffset
from xietong.core.errors import ApplicationError, NotFound
from xietong.core.http import AuthedRequest
from xietong.core.permissions import access
from xietong.designer.models import ApprovalTask, DesignedItem, ItemState, ProcessDefinition, TaskState
from xietong.items.process import REASON_MAX_LENGTH
from xietong.items.runner import run_step
from xietong.org.models import Person, Project

router = Router(tags=["processes"])


class ApprovalTaskOut(Schema):
    step: str
    person_id: int
    person: str
    status: str
    round: int
    note: str
    acted_at: dt.datetime | None

    due_at: dt.datetime | None = Field(
        None, description="此审批人自己的时限：自收到任务起按步骤时限计算（加签者自收到起重新计时，转交者沿用原时限）"
    )

    @staticmethod
    def resolve_person(obj: ApprovalTask) -> str:
        return str(obj.person.display_name)

    @staticmethod
    def resolve_due_at(obj: ApprovalTask) -> dt.datetime | None:
        from xietong.clocks.models import Clock
        from xietong.clocks.services import subject_key
        from xietong.designer.approver_deadlines import approver_due, task_clock

        subject_type, subject_id = subject_key(obj.item)
        clocks = list(
            Clock.objects.filter(subject_type=subject_type, subject_id=subject_id, kind=obj.step).order_by(
                "-created_at", "-pk"
            )
        )
        clock = task_clock(clocks, obj)
        return approver_due(clock, obj) if clock is not None else None


class DesignedItemOut(Schema):
    id: int
    number: str
    title: str
    process: str
    definition_version: int = Field(description="事项所依据的流程版本号（发布新版本后，进行中的事项仍按原版本办结）")
    project_id: int
    department_id: int
    requester_id: int
    state: str
    step: str
    values: dict[str, Any]
    version: int
    created_at: dt.datetime
    submitted_at: dt.datetime | None
    decided_at: dt.datetime | None

    @staticmethod
    def resolve_process(obj: DesignedItem) -> str:
        return str(obj.definition.key)

    @staticmethod
    def resolve_definition_version(obj: DesignedItem) -> int:
        return int(obj.definition_version.n)

    @staticmethod
    def resolve_requester_id(obj: DesignedItem) -> int:
        return int(obj.created_by_id)


class DesignedItemDetailOut(DesignedItemOut):
    tasks: list[ApprovalTaskOut]

    @staticmethod
    def resolve_tasks(obj: DesignedItem) -> list[ApprovalTask]:
        return list(obj.tasks.select_related("person").order_by("round", "pk"))


class DesignedItemIn(Schema):
    title: str = Field(..., max_length=120)
    project_id: int
    values: dict[str, Any] = Field(default_factory=dict, description="按字段标识填写；明细表为行对象的列表")
    chosen: dict[str, list[int]] = Field(default_factory=dict, description="发起人自选审批人：步骤标识 → 人员 ID")
    submit: bool = True


class DesignedStepIn(Schema):
    reason: str = Field("", max_length=REASON_MAX_LENGTH)
    version: int | None = None
    to_person_id: int | None = Field(None, description="转交、加签的对象")
    to_step: str = Field("", max_length=40, description="退回到的步骤标识；留空退回发起人")
    how: str = Field("", max_length=8, description="加签：before（在我之前）或 after（在我之后）")


class DesignedActionOut(Schema):
    name: str
    label: str
    needs_reason: bool


class BatchIn(Schema):
    item_ids: list[int] = Field(..., min_length=1, max_length=100)
    reason: str = Field("", max_length=REASON_MAX_LENGTH)


class BatchResultOut(Schema):
    id: int
    ok: bool
    message: str = ""


class ItemFilters(Schema):
    scope: str = "all"
    state: str = ""


def _definition(key: str) -> ProcessDefinition:
    found = ProcessDefinition.objects.filter(key=key, is_active=True, versions__isnull=False).distinct().first()
    if found is None:
        raise NotFound()
    return found


def _items(request: AuthedRequest, key: str) -> Any:
    _definition(key)
    return (
        DesignedItem.objects.restrict(request.user)
        .filter(definition__key=key)
        .select_related("definition", "definition_version")
    )


@router.get("/approvals", response=responses(list[DesignedItemOut]), summary="设计流程：待我审批")
@paginate(BoundedLimitOffset)
def my_approvals(request: AuthedRequest):
    waiting = ApprovalTask.objects.filter(person=request.user, status=TaskState.OPEN).values("item_id")
    return (
        DesignedItem.objects.restrict(request.user)
        .filter(pk__in=waiting, state=ItemState.RUNNING)
        .select_related("definition", "definition_version")
        .order_by("created_at", "pk")
    )


@router.post("/approvals/batch", response=responses(list[BatchResultOut]), summary="设计流程：批量同意")
def batch_approve(request: AuthedRequest, payload: BatchIn):
    """Each item approved in its own transaction: one refusal does not undo the others."""
    results = []
    for pk in payload.item_ids:
        try:
            item = access(request.user, DesignedItem, pk)
            run_step(actor=request.user, item=item, step="approve", reason=payload.reason)
        except ApplicationError as error:
            results.append(BatchResultOut(id=pk, ok=False, message=str(error.message)))
        else:
            results.append(BatchResultOut(id=pk, ok=True))
    return results


@router.get("/{key}/items", response=responses(list[DesignedItemOut]), summary="设计流程：事项列表（仅可见范围内）")
@paginate(BoundedLimitOffset)
def list_items(request: AuthedRequest, key: str, filters: Query[ItemFilters]):
    items = _items(request, key)
    if filters.scope == "mine":
        items = items.filter(created_by=request.user)
    elif filters.scope == "todo":
        waiting = ApprovalTask.objects.filter(person=request.user, status=TaskState.OPEN).values("item_id")
        items = items.filter(pk__in=waiting, state=ItemState.RUNNING)
    if filters.state:
        items = items.filter(state=filters.state)
    return items.order_by("-created_at", "-pk")


@router.post("/{key}/items", response=responses(DesignedItemDetailOut, 201), summary="设计流程：发起事项")
def create_item(request: AuthedRequest, key: str, payload: DesignedItemIn):
    from xietong.designer.items import designed_item_create

    project = Project.objects.restrict(request.user).filter(pk=payload.project_id).first()
    if project is None:
        raise ApplicationError(fields={"project_id": _("项目不存在或您不是其成员")})
    item = designed_item_create(
        definition=_definition(key),
        actor=request.user,
        title=payload.title,
        project=project,
        raw=payload.values,
        chosen=payload.chosen,
        submit=payload.submit,
    )
    return Status(201, item)


@router.get("/{key}/items/{designed_id}", response=responses(DesignedItemDetailOut), summary="设计流程：事项详情")
def get_item(request: AuthedRequest, key: str, designed_id: int):
    return access(request.user, _items(request, key), designed_id)


@router.get(
    "/{key}/items/{designed_id}/actions", response=responses(list[DesignedActionOut]), summary="设计流程：可执行的操作"
)
def list_actions(request: AuthedRequest, key: str, designed_id: int):
    from xietong.items.process import process_for

    item = access(request.user, _items(request, key), designed_id)
    return [
        DesignedActionOut(name=s.name, label=str(s.label), needs_reason=s.needs_reason)
        for s in process_for(item).available(item, request.user)
    ]


@router.post(
    "/{key}/items/{designed_id}/transitions/{name}",
    response=responses(DesignedItemDetailOut),
    summary="设计流程：执行操作（同意、拒绝、退回、转交、加签、撤回、催办）",
)
def take_step(request: AuthedRequest, key: str, designed_id: int, name: str, payload: DesignedStepIn):
    item = access(request.user, _items(request, key), designed_id)
    inputs: dict[str, Any] = {"how": payload.how}
    if payload.to_person_id is not None:
        inputs["to"] = Person.objects.filter(pk=payload.to_person_id, is_active=True).first()
    elif payload.to_step:
        inputs["to"] = payload.to_step
    return run_step(
        actor=request.user,
        item=item,
        step=name,
        reason=payload.reason,
        inputs=inputs,
        expected_version=payload.version,
    )
