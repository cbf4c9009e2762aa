"""The API side of every declared process: `GET …/{id}/actions` and `POST …/{id}/transitions/{name}`,
added to a process's router with one call."""

import inspect
from collections.abc import Callable
from typing import Any

from ninja import Field, Router, Schema

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
