"""The API side of every declared process: `GET …/{id}/actions` and `POST …/{id}/transitions/{name}`,
added to a process's router with one call."""

from typing import Any

from ninja import Field, Router, Schema

from xietong.core.api_errors import responses
from xietong.core.http import AuthedRequest
from xietong.core.permissions import access
from xietong.items.process import REASON_MAX_LENGTH, Process
from xietong.items.runner import run_step


class StepIn(Schema):
    reason: str = Field("", max_length=REASON_MAX_LENGTH)
    version: int | None = None


class ActionOut(Schema):
    name: str
    label: str
    needs_reason: bool
    reason_label: str = ""


def add_step_routes(router: Router, process: Process, item_out: Any, *, noun: str) -> None:
    """Routes for the steps of `process` on `router`, answering with `item_out`."""

    @router.get(
        "/{item_id}/actions",
        response=responses(list[ActionOut]),
        summary=f"{noun}：当前可执行的操作",
        operation_id=f"{process.key}_actions",
    )
    def list_actions(request: AuthedRequest, item_id: int):
        item = access(request.user, process.model, item_id)
        return [
            ActionOut(
                name=s.name,
                label=str(s.label),
                needs_reason=s.needs_reason,
                reason_label=str(s.reason.label) if s.reason is not None else "",
            )
            for s in process.available(item, request.user)
        ]

    @router.post(
        "/{item_id}/transitions/{name}",
        response=responses(item_out),
        summary=f"{noun}：执行操作",
        operation_id=f"{process.key}_transition",
    )
    def take_step(request: AuthedRequest, item_id: int, name: str, payload: StepIn):
        item = access(request.user, process.model, item_id)
        return run_step(
            actor=request.user, item=item, step=name, reason=payload.reason, expected_version=payload.version
        )
