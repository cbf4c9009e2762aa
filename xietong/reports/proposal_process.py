"""协作流程优化建议, as the quarterly review has it: recorded by 综合管理部 or a department head, approved or
not by the general manager; an approved change to a time limit takes effect from the next quarter's first day
(000 流程复盘「经管理层审批后纳入下季度规范更新」)."""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext_lazy as _

from xietong.items.process import Process, Reason, State, Step, StepContext
from xietong.reports.models import ImprovementProposal

S = ImprovementProposal.State


def general_manager(person: Any, proposal: ImprovementProposal) -> bool:
    return bool(person.is_general_manager)


def record_decider(ctx: StepContext) -> None:
    ctx.item.decided_by = ctx.actor
    ctx.changed.add("decided_by")
    ctx.details["proposal"] = ctx.item.pk


def schedule_policy(ctx: StepContext) -> None:
    from xietong.reports.review import policy_schedule

    if ctx.item.policy_id:
        policy_schedule(actor=ctx.actor, proposal=ctx.item)


PROPOSAL = Process(
    key="proposal",
    model=ImprovementProposal,
    label=_("协作流程优化建议"),
    version_field="",
    workbench="xietong.reports.workbench.proposals_awaiting",
    workbench_order=15,
    requester="proposed_by",
    audit_on=lambda proposal: proposal.review,  # the review's timeline tells the quarter's decisions
    related=("review",),
    states=(
        State(S.PENDING, S.PENDING.label, "warn"),
        State(S.APPROVED, S.APPROVED.label, "ok", closed=True),
        State(S.REJECTED, S.REJECTED.label, "muted", closed=True),
    ),
    steps=(
        Step(
            "approve",
            _("批准"),
            (S.PENDING,),
            S.APPROVED,
            general_manager,
            "primary",
            reason=Reason(_("审批意见"), required=False, keep_in="decision_note", field="note"),
            after=schedule_policy,
            audit_action="review.approve",
            stamps=("decided_at",),
            apply=record_decider,
        ),
        Step(
            "reject",
            _("不批准"),
            (S.PENDING,),
            S.REJECTED,
            general_manager,
            "danger",
            reason=Reason(_("理由"), keep_in="decision_note", field="note", missing=_("不批准时请说明理由")),
            audit_action="review.reject",
            stamps=("decided_at",),
            apply=record_decider,
        ),
    ),
)
