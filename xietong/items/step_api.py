"""The API side of every declared process: `GET …/{id}/actions`, `POST …/{id}/transitions/{name}` and
`GET …/{id}/clocks`, added to a process's router with one call."""

import datetime as dt
import inspect
from collections.abc import Callable
from typing import Any

from ninja import Field, Router, Schema

from xietong.clocks.selectors import clock_views
from xietong.core.api_errors import responses
from xietong.core.http import AuthedRequest
from xietong.core.permissions import access
from xietong.items.process import REASON_MAX_LENGTH, Process
from xietong.items.runner import run_step


class ItemStepIn(Schema):
    reason: str = Field("", max_length=REASON_MAX_LENGTH)
    version: int | None = None


class ActionOut(Schema):
    name: str
    label: str
    needs_reason: bool
    reason_label: str = ""


class ClockOut(Schema):
    """One time limit of the item, as its page shows it."""

    limit: str
    label: str
    due_at: dt.datetime
    status: str
    tone: str
    counted_in: str
    provisional: bool = Field(description="到期时间按每周工作日推算：所跨年份的节假日尚未公布，公布后会重新计算")
    provisional_note: str
    escalated_to: list[str]
    basis: str = Field(description="依据：《文件》条款「原文」——规定这一时限的公司文件条款；未登记时为空")
    source: str = Field(description="依据文件")
    clause: str = Field(description="条款编号")
    clause_text: str = Field(description="条款原文")


def _named(func: Callable[..., Any], id_param: str, *extra: inspect.Parameter) -> Callable[..., Any]:
    """Give the view the process's own id parameter name (request_id, task_id …): the OpenAPI document
    and the route-wide permission matrix name items by it."""
    keyword = inspect.Parameter.POSITIONAL_OR_KEYWORD
    func.__signature__ = inspect.Signature(  # type: ignore[attr-defined]
        [
            inspect.Parameter("request", keyword, annotation=AuthedRequest),
            inspect.Parameter(id_param, keyword, annotation=int),
            *extra,
        ]
    )
    return func


def add_step_routes(router: Router, process: Process, item_out: Any, *, noun: str) -> None:
    """Routes for the steps of `process` on `router`, answering with `item_out`."""
    param = process.id_param
    keyword = inspect.Parameter.POSITIONAL_OR_KEYWORD

    def list_actions(request: AuthedRequest, **ids: int):
        item = access(request.user, process.model, ids[param])
        return [
            ActionOut(
                name=s.name,
                label=str(s.label),
                needs_reason=s.needs_reason,
                reason_label=str(s.reason.label) if s.reason is not None else "",
            )
            for s in process.available(item, request.user)
        ]

    def take_step(request: AuthedRequest, name: str, payload: ItemStepIn, **ids: int):
        item = access(request.user, process.model, ids[param])
        return run_step(
            actor=request.user, item=item, step=name, reason=payload.reason, expected_version=payload.version
        )

    def list_clocks(request: AuthedRequest, **ids: int):
        item = access(request.user, process.model, ids[param])
        return [
            ClockOut(
                limit=view.clock.limit,
                label=view.label,
                due_at=view.due_at,
                status=view.status,
                tone=view.tone,
                counted_in=view.counted_in,
                provisional=view.provisional,
                provisional_note=view.provisional_note,
                escalated_to=[e.target.display_name for e in view.escalations if e.target is not None],
                basis=view.basis,
                source=view.clock.policy.source if view.clock.policy else "",
                clause=view.clock.policy.clause if view.clock.policy else "",
                clause_text=view.clock.policy.clause_text if view.clock.policy else "",
            )
            for row in clock_views(item)
            for view in (row, *row.history)
        ]

    router.get(
        f"/{{{param}}}/clocks",
        response=responses(list[ClockOut]),
        summary=f"{noun}：时限与到期时间",
        operation_id=f"{process.key}_clocks",
    )(_named(list_clocks, param))
    router.get(
        f"/{{{param}}}/actions",
        response=responses(list[ActionOut]),
        summary=f"{noun}：当前可执行的操作",
        operation_id=f"{process.key}_actions",
    )(_named(list_actions, param))
    router.post(
        f"/{{{param}}}/transitions/{{name}}",
        response=responses(item_out),
        summary=f"{noun}：执行操作",
        operation_id=f"{process.key}_transition",
    )(
        _named(
            take_step,
            param,
            inspect.Parameter("name", keyword, annotation=str),
            inspect.Parameter("payload", keyword, annotation=ItemStepIn),
        )
    )
