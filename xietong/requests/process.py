"""需求协作, as the 企业沟通与协作流程规范 states it: the requester submits a 需求说明书; the receiving side
answers within its limit (接收确认、受理、提出修改建议、拒绝并提供替代方案); both sides sign; the work runs, is
delivered and accepted; the requester closes it."""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from xietong.clocks.sources import MULTI
from xietong.core.errors import ApplicationError
from xietong.items.process import ALL_LIMITS, Arm, Limit, Nav, Process, Reason, State, Step, StepContext, Tell
from xietong.items.runner import run_step
from xietong.requests.choices import Priority, RequestState, policy_priority
from xietong.requests.models import Feasibility, Participation, Request, Signature
from xietong.requests.participation import awaited
from xietong.requests.validation import criteria_texts, request_validate

S = RequestState
EDITABLE_FIELDS = (
    "title",
    "project",
    "requesting_department",
    "requester",
    "receiving_department",
    "receiver",
    "background",
    "goal",
    "content",
    "expected_date",
    "priority",
    "collaboration_type",
)


# --- who may ---------------------------------------------------------------------------------------
def requester_side(person: Any, request: Request) -> bool:
    return request.is_requester_side(person)


def receiver_side(person: Any, request: Request) -> bool:
    return request.is_receiver_side(person)


def may_sign(person: Any, request: Request) -> bool:
    signed = {s.role for s in request.signatures.all()}
    return (requester_side(person, request) and "requester" not in signed) or (
        receiver_side(person, request) and "receiver" not in signed
    )


def both_signed(person: Any, request: Request) -> bool:
    roles = {s.role for s in request.signatures.all()}
    return {"requester", "receiver"} <= roles and (receiver_side(person, request) or requester_side(person, request))


# --- what cannot be declared -------------------------------------------------------------------------
def complete_for_submitting(ctx: StepContext) -> None:
    """Submitting needs the whole 需求说明书 (a draft may be incomplete)."""
    if ctx.inputs.get("validated"):  # request_create validated these very values a moment ago
        return
    request = ctx.item
    data = {f: getattr(request, f) for f in EDITABLE_FIELDS}
    errors = request_validate(ctx.principal, data, criteria_texts(request), submitting=True)
    if errors:
        raise ApplicationError(_("提交前请补全需求说明书"), fields=errors)


def record_signature(ctx: StepContext) -> None:
    request, person = ctx.item, ctx.principal
    role = "requester" if request.is_requester_side(person) and not request.signature_of("requester") else "receiver"
    Signature.objects.create(request=request, role=role, person=person, signed_at=ctx.now)
    ctx.details["signed_as"] = role


def receiving_department_signs(ctx: StepContext) -> None:
    """The receiving side's signature is its department's: the receiving department's 签字 is done."""
    if ctx.details.get("signed_as") != "receiver":
        return
    lead = ctx.item.participations.filter(
        department_id=ctx.item.receiving_department_id, state=Participation.State.AWAITING
    ).first()
    if lead is not None:
        run_step(actor=ctx.actor, item=lead, step="confirm", as_system=True)


def send_to_departments(ctx: StepContext) -> None:
    """Every participating department not asked yet is asked for its head's signature, each with a clock."""
    for participation in ctx.item.participations.filter(state=Participation.State.DRAFT).order_by("position"):
        run_step(actor=ctx.actor, item=participation, step="send", as_system=True)


def withdraw_from_departments(ctx: StepContext) -> None:
    waiting = (Participation.State.DRAFT, Participation.State.AWAITING)
    for participation in ctx.item.participations.filter(state__in=waiting):
        run_step(actor=ctx.actor, item=participation, step="withdraw", reason=ctx.reason, as_system=True)


def every_department_signed(ctx: StepContext) -> None:
    """Work starts only when every participating department's head has signed (各部门确认签字)."""
    missing = awaited(list(ctx.item.participations.select_related("department__head", "contact")))
    if missing:
        raise ApplicationError(_("以下参与部门负责人尚未签字：%(who)s") % {"who": "、".join(missing)})


# --- who hears -------------------------------------------------------------------------------------
def receiver(ctx: StepContext) -> list[Any]:
    return [ctx.item.receiver_or_head]


def requester(ctx: StepContext) -> list[Any]:
    return [ctx.item.requester]


def other_side(ctx: StepContext) -> list[Any]:
    request = ctx.item
    return [request.receiver_or_head if request.is_requester_side(ctx.principal) else request.requester]


def urgent_if_high(request: Request) -> str:
    return "urgent" if request.priority == Priority.HIGH else "normal"


def submission_params(ctx: StepContext) -> dict[str, Any]:
    return {"who": ctx.item.requester.display_name, "priority": ctx.item.get_priority_display()}


ANSWER_TELL = Tell(to=requester, title=_("【%(action)s】%(label)s"), body=_("%(actor)s：%(action)s。%(reason)s"))
EVALUATION_FIELDS = {
    "feasibility": _("可行性"),
    "resource_people": _("资源：人力"),
    "resource_time": _("资源：时间"),
    "resource_access": _("资源：权限"),
    "schedule": _("初步时间节点"),
}


def evaluation_store(ctx: StepContext) -> None:
    """内部评估: every answer is required; they are kept on the request (the 需求确认函 shows them)."""
    answers = {name: str(ctx.inputs.get(name) or "").strip() for name in EVALUATION_FIELDS}
    errors = {
        name: _("请填写%(field)s") % {"field": label} for name, label in EVALUATION_FIELDS.items() if not answers[name]
    }
    if answers["feasibility"] and answers["feasibility"] not in Feasibility.values:
        errors["feasibility"] = str(_("可行性只能是 可行、调整后可行、不可行"))
    if errors:
        raise ApplicationError(_("评估结果不完整"), fields=errors)
    for name, value in answers.items():
        setattr(ctx.item, name, value)
        ctx.changed.add(name)
    ctx.item.evaluated_by = ctx.principal
    ctx.changed.add("evaluated_by")
    ctx.details.update(answers)


def evaluation_params(ctx: StepContext) -> dict[str, Any]:
    return {"feasibility": ctx.item.get_feasibility_display()}


EVALUATE = Arm(
    "evaluate",
    owner=lambda r: r.receiver_or_head,
    department=lambda r: r.receiving_department,
    start=lambda ctx: ctx.item.submitted_at or ctx.now,  # 收到需求后2个工作日内
)
RESPOND = Arm(
    "respond",
    owner=lambda r: r.receiver_or_head,
    department=lambda r: r.receiving_department,
    priority=lambda r: policy_priority(r.priority),
)

REQUEST = Process(
    key="request",
    model=Request,
    label=_("需求协作"),
    nav=Nav(pgettext_lazy("nav", "需求"), "request-list", prefix="/requests/", order=10),
    workbench="xietong.requests.workbench.requests_waiting",
    workbench_order=20,
    workbench_key="requests",
    related=("receiving_department", "requesting_department", "requester", "receiver", "project"),
    owners=("requester", "receiver"),
    requester="requester",
    states=(
        State(S.DRAFT, S.DRAFT.label, "muted"),
        State(S.SUBMITTED, S.SUBMITTED.label, "warn"),
        State(S.ACKNOWLEDGED, S.ACKNOWLEDGED.label, "info"),
        State(S.CHANGE_REQUESTED, S.CHANGE_REQUESTED.label, "warn"),
        State(S.REJECTED, S.REJECTED.label, "late"),
        State(S.ACCEPTED, S.ACCEPTED.label, "ok"),
        State(S.IN_PROGRESS, S.IN_PROGRESS.label, "info"),
        State(S.DELIVERED, S.DELIVERED.label, "warn"),
        State(S.COMPLETED, S.COMPLETED.label, "ok"),
        State(S.CLOSED, S.CLOSED.label, "muted", closed=True),
        State(S.CANCELLED, S.CANCELLED.label, "muted", closed=True),
    ),
    steps=(
        Step(
            "submit",
            _("提交"),
            (S.DRAFT, S.CHANGE_REQUESTED, S.REJECTED),
            S.SUBMITTED,
            requester_side,
            "primary",
            stamps=("submitted_at",),
            clears=("decision_note",),
            check=complete_for_submitting,
            after=send_to_departments,
            arms=(RESPOND,),
            tells=(
                Tell(
                    to=receiver,
                    title=_("【待接收】%(label)s"),
                    body=_(
                        "%(who)s 发来需求（优先级：%(priority)s），请在 %(due)s 前（%(limit)s内）响应："
                        "接收确认、受理、提出修改建议或提供替代方案。"
                    ),
                    urgency=urgent_if_high,
                    limit="respond",
                    params=submission_params,
                ),
            ),
        ),
        Step(
            "acknowledge",
            _("接收确认"),
            (S.SUBMITTED,),
            S.ACKNOWLEDGED,
            receiver_side,
            "primary",
            stamps=("acknowledged_at",),
            satisfies=("respond",),
            arms=(EVALUATE,),
            tells=(ANSWER_TELL,),
        ),
        Step(
            "evaluate",
            _("提交评估结果"),
            (S.ACKNOWLEDGED,),
            None,
            receiver_side,
            offered=False,
            apply=evaluation_store,
            stamps=("evaluated_at",),
            satisfies=("evaluate",),
            tells=(
                Tell(
                    to=requester,
                    title=_("【需求确认函】%(label)s"),
                    body=_("%(actor)s 已完成内部评估（可行性：%(feasibility)s），需求确认函已生成。"),
                    params=evaluation_params,
                ),
            ),
        ),
        Step(
            "accept",
            _("受理"),
            (S.SUBMITTED, S.ACKNOWLEDGED),
            S.ACCEPTED,
            receiver_side,
            "primary",
            stamps=("decided_at",),
            clears=("decision_note",),
            stamps_once=("acknowledged_at",),
            satisfies=("respond", "evaluate"),
            tells=(ANSWER_TELL,),
        ),
        Step(
            "request_changes",
            _("提出修改建议"),
            (S.SUBMITTED, S.ACKNOWLEDGED),
            S.CHANGE_REQUESTED,
            receiver_side,
            reason=Reason(_("修改建议"), keep_in="decision_note"),
            stamps=("decided_at",),
            stamps_once=("acknowledged_at",),
            satisfies=("respond", "evaluate"),
            tells=(ANSWER_TELL,),
        ),
        Step(
            "reject",
            _("拒绝并提供替代方案"),
            (S.SUBMITTED, S.ACKNOWLEDGED),
            S.REJECTED,
            receiver_side,
            "danger",
            reason=Reason(_("替代方案"), keep_in="decision_note"),
            stamps=("decided_at",),
            stamps_once=("acknowledged_at",),
            satisfies=("respond", "evaluate"),
            tells=(ANSWER_TELL,),
        ),
        Step(
            "sign",
            _("确认签字"),
            (S.ACCEPTED, S.IN_PROGRESS),
            None,
            may_sign,
            "primary",
            apply=record_signature,
            after=receiving_department_signs,
            tells=(Tell(to=other_side, title=_("【已签字】%(label)s"), body=_("%(actor)s 已确认签字。")),),
        ),
        Step(
            "start", _("开始执行"), (S.ACCEPTED,), S.IN_PROGRESS, both_signed, "primary", check=every_department_signed
        ),
        Step(
            "deliver",
            _("提交交付"),
            (S.IN_PROGRESS,),
            S.DELIVERED,
            receiver_side,
            "primary",
            tells=(
                Tell(
                    to=requester,
                    title=_("【待验收】%(label)s"),
                    body=_("%(actor)s 已提交交付，请按验收标准验收。"),
                ),
            ),
        ),
        Step(
            "accept_delivery",
            _("验收通过"),
            (S.DELIVERED,),
            S.COMPLETED,
            requester_side,
            "primary",
            tells=(Tell(to=receiver, title=_("【%(action)s】%(label)s"), body="%(reason)s"),),
        ),
        Step(
            "return_delivery",
            _("退回整改"),
            (S.DELIVERED,),
            S.IN_PROGRESS,
            requester_side,
            "danger",
            reason=Reason(_("整改意见")),
            tells=(Tell(to=receiver, title=_("【%(action)s】%(label)s"), body="%(reason)s"),),
        ),
        Step("close", _("关闭"), (S.COMPLETED,), S.CLOSED, requester_side, cancels=(ALL_LIMITS,)),
        Step(
            "withdraw",
            _("撤回"),
            (S.DRAFT, S.SUBMITTED, S.ACKNOWLEDGED, S.CHANGE_REQUESTED, S.REJECTED),
            S.CANCELLED,
            requester_side,
            "danger",
            reason=Reason(_("撤回原因")),
            cancels=(ALL_LIMITS,),
            after=withdraw_from_departments,
        ),
        # Moves made by the acceptance process (成果已提交、全部验收通过、退回整改): no one's button.
        Step(
            "follow_delivered",
            _("提交交付"),
            (S.ACCEPTED, S.IN_PROGRESS),
            S.DELIVERED,
            requester_side,
            system=True,
            audit_action="request.deliver",
        ),
        Step(
            "follow_completed",
            _("验收通过"),
            (S.IN_PROGRESS, S.DELIVERED),
            S.COMPLETED,
            requester_side,
            system=True,
            audit_action="request.accept_delivery",
        ),
        Step(
            "follow_rework",
            _("退回整改"),
            (S.DELIVERED, S.COMPLETED),
            S.IN_PROGRESS,
            requester_side,
            system=True,
            audit_action="request.reopen_work",
        ),
    ),
    limits=(
        Limit(
            "respond",
            "2h",
            priority="high",
            remind_before="30m",
            escalate_after="48h",
            escalate_mode="wall",
            ladder="standard",
            rule="高优先级需求：接收方 2 个工作小时内响应；超时 48 小时升级至部门负责人",
        ),
        Limit(
            "respond",
            "24h",
            mode="wall",
            remind_before="2h",
            escalate_after="48h",
            escalate_mode="wall",
            ladder="standard",
            rule="普通需求：24 小时内反馈；超时 48 小时自动升级至部门负责人",
        ),
        Limit(
            "evaluate",
            "2d",
            remind_before="4h",
            escalate_after="1d",  # counted from the missed deadline
            ladder="standard",
            rule="接收确认后的内部评估：可行性、资源（人力、时间、权限）、初步时间节点，形成《需求确认函》",
            label=_("需求评估"),
            source=MULTI,
            clause="一",
            clause_text="在收到需求后2个工作日内组织内部评估",
        ),
    ),
    action_labels={
        "request.create": _("创建需求说明书"),
        "request.update": _("修改需求说明书"),
        "request.reopen_work": _("重新执行"),
    },
)
