"""States, priorities and the request's state machine: who may move it where."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

from xietong.items.transitions import StateMachine, Transition


class Priority(models.TextChoices):
    HIGH = "high", _("高")
    MEDIUM = "medium", _("中")
    LOW = "low", _("低")


def policy_priority(priority: str) -> str:
    """Clock policies distinguish high priority (2 working hours) from the rest (1 working day)."""
    return "high" if priority == Priority.HIGH else "*"


class RequestState(models.TextChoices):
    DRAFT = "draft", _("草稿")
    SUBMITTED = "submitted", _("待接收")
    ACKNOWLEDGED = "acknowledged", _("评估中")
    CHANGE_REQUESTED = "change_requested", _("需修改")
    REJECTED = "rejected", _("已拒绝")
    ACCEPTED = "accepted", _("已受理")
    IN_PROGRESS = "in_progress", _("执行中")
    DELIVERED = "delivered", _("已交付待验收")
    COMPLETED = "completed", _("验收通过")
    CLOSED = "closed", _("已关闭")
    CANCELLED = "cancelled", _("已撤回")


STATE_TONES = {
    "draft": "muted",
    "submitted": "warn",
    "acknowledged": "info",
    "change_requested": "warn",
    "rejected": "late",
    "accepted": "ok",
    "in_progress": "info",
    "delivered": "warn",
    "completed": "ok",
    "closed": "muted",
    "cancelled": "muted",
}
OPEN_STATES = [s for s in RequestState.values if s not in ("closed", "cancelled")]


def _requester(person, request) -> bool:
    return request.is_requester_side(person)


def _receiver(person, request) -> bool:
    return request.is_receiver_side(person)


def _both_signed(person, request) -> bool:
    roles = {s.role for s in request.signatures.all()}
    return {"requester", "receiver"} <= roles and (_receiver(person, request) or _requester(person, request))


def _may_sign(person, request) -> bool:
    signed = {s.role for s in request.signatures.all()}
    return (_requester(person, request) and "requester" not in signed) or (
        _receiver(person, request) and "receiver" not in signed
    )


S = RequestState
MACHINE = StateMachine(
    [
        Transition("submit", _("提交"), (S.DRAFT, S.CHANGE_REQUESTED, S.REJECTED), S.SUBMITTED, _requester, "primary"),
        Transition("acknowledge", _("接收确认"), (S.SUBMITTED,), S.ACKNOWLEDGED, _receiver, "primary"),
        Transition("accept", _("受理"), (S.SUBMITTED, S.ACKNOWLEDGED), S.ACCEPTED, _receiver, "primary"),
        Transition(
            "request_changes",
            _("提出修改建议"),
            (S.SUBMITTED, S.ACKNOWLEDGED),
            S.CHANGE_REQUESTED,
            _receiver,
            needs_reason=True,
        ),
        Transition(
            "reject",
            _("拒绝并提供替代方案"),
            (S.SUBMITTED, S.ACKNOWLEDGED),
            S.REJECTED,
            _receiver,
            "danger",
            needs_reason=True,
        ),
        Transition("sign", _("确认签字"), (S.ACCEPTED, S.IN_PROGRESS), S.ACCEPTED, _may_sign, "primary"),
        Transition("start", _("开始执行"), (S.ACCEPTED,), S.IN_PROGRESS, _both_signed, "primary"),
        Transition("deliver", _("提交交付"), (S.IN_PROGRESS,), S.DELIVERED, _receiver, "primary"),
        Transition("accept_delivery", _("验收通过"), (S.DELIVERED,), S.COMPLETED, _requester, "primary"),
        Transition(
            "return_delivery", _("退回整改"), (S.DELIVERED,), S.IN_PROGRESS, _requester, "danger", needs_reason=True
        ),
        Transition("close", _("关闭"), (S.COMPLETED,), S.CLOSED, _requester),
        Transition(
            "withdraw",
            _("撤回"),
            (S.DRAFT, S.SUBMITTED, S.ACKNOWLEDGED, S.CHANGE_REQUESTED, S.REJECTED),
            S.CANCELLED,
            _requester,
            "danger",
            needs_reason=True,
        ),
    ],
    dict(RequestState.choices),
)

REASON_LABELS = {
    "request_changes": _("修改建议"),
    "reject": _("替代方案"),
    "return_delivery": _("整改意见"),
    "withdraw": _("撤回原因"),
}

VAGUE_TITLES = {"请确认", "事", "事情", "问题", "需求", "待定", "请处理", "急", "帮忙", "看一下"}
VAGUE_PHRASES = ("详见附件", "待定", "见附件", "同上")
