"""参与部门及职责, as the 多部门协同作业标准沟通流程 states it: a request names every department that takes part,
with its contact person (对接人) and duties; when it is sent, each department's head has the evaluation window
to confirm (签字) on the platform — a clock of their own, in their workbench; the department may name its own
协作负责人 (audited). The 《多部门协同需求申请表》 is complete with every department's signature."""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from xietong.clocks.sources import MULTI
from xietong.core.errors import ApplicationError
from xietong.items.process import ALL_LIMITS, Arm, Limit, Process, Reason, State, Step, StepContext, Tell
from xietong.org.tree import DepartmentTree
from xietong.requests.models import Participation

P = Participation.State
SIGN_RULE = (
    "《多部门协同作业标准沟通流程》一：需求接收方在收到需求后2个工作日内组织内部评估，确认本部门资源（人力、时间、"
    "权限）是否可满足协作要求；关键输出《多部门协同需求申请表》（含各部门确认签字）"
)


# --- who may ---------------------------------------------------------------------------------------
def department_head(person: Any, participation: Participation) -> bool:
    head = participation.head
    return head is not None and head.pk == person.pk


def head_or_contact(person: Any, participation: Participation) -> bool:
    return department_head(person, participation) or person.pk == participation.contact_id


def in_department(department: Any, person: Any) -> bool:
    if person.department_id is None:
        return False
    return person.department_id in DepartmentTree.load().with_descendants([department.pk])


# --- what cannot be declared -------------------------------------------------------------------------
def signed_by(ctx: StepContext) -> None:
    ctx.item.confirmed_by = ctx.principal
    ctx.changed.add("confirmed_by")
    ctx.details["department"] = ctx.item.department.name


def coordinator_named(ctx: StepContext) -> None:
    """The department names its own 协作负责人: someone of the department, recorded with who it was before."""
    person, participation = ctx.inputs.get("coordinator"), ctx.item
    if person is None:
        raise ApplicationError(fields={"coordinator": gettext("请选择协作负责人")})
    if not in_department(participation.department, person):
        raise ApplicationError(
            fields={
                "coordinator": gettext("%(person)s 不属于“%(dept)s”")
                % {"person": person.display_name, "dept": participation.department.name}
            }
        )
    old = participation.coordinator
    ctx.was["coordinator"] = old.display_name if old is not None else ""
    participation.coordinator = person
    ctx.changed.add("coordinator")
    ctx.details.update({"coordinator": person.display_name, "department": participation.department.name})


def awaited(participations: list[Participation]) -> list[str]:
    """Who still has to sign: "生产部（谢强）" for each department not confirmed yet."""
    nobody = gettext("未设负责人")
    return [
        f"{p.department.name}（{p.head.display_name if p.head else nobody}）"
        for p in participations
        if p.state != P.CONFIRMED and p.state != P.WITHDRAWN
    ]


def beside_the_receiver(ctx: StepContext) -> bool:
    """The receiving department answers through the request itself (its respond clock, its receiver's
    signature); every other participating department is asked with a clock of its own."""
    return ctx.item.department_id != ctx.item.request.receiving_department_id


# --- who hears -------------------------------------------------------------------------------------
def head(ctx: StepContext) -> list[Any]:
    return [ctx.item.head]


def request_sides(ctx: StepContext) -> list[Any]:
    request = ctx.item.request
    return [request.requester, request.receiver_or_head]


def head_and_contact(ctx: StepContext) -> list[Any]:
    return [ctx.item.head, ctx.item.contact]


def voided(ctx: StepContext) -> None:
    participation = ctx.item
    ctx.was.update({"confirmed_by": participation.confirmed_by.display_name if participation.confirmed_by else ""})
    participation.confirmed_by, participation.confirmed_at = None, None
    ctx.changed.update({"confirmed_by", "confirmed_at"})
    ctx.details.update(
        {
            "department": participation.department.name,
            "duties_was": ctx.inputs.get("was", ""),
            "duties": participation.duties,
        }
    )


def void_params(ctx: StepContext) -> dict[str, Any]:
    return {**department_params(ctx), "was": ctx.inputs.get("was") or "—"}


def department_params(ctx: StepContext) -> dict[str, Any]:
    participation = ctx.item
    return {
        "label": f"{participation.request.number} {participation.request.title}",
        "dept": participation.department.name,
        "duties": participation.duties or "—",
        "who": ctx.inputs["coordinator"].display_name if "coordinator" in ctx.inputs else "",
    }


PARTICIPATION = Process(
    key="participation",
    model=Participation,
    label=_("参与部门签字"),
    related=("request", "department", "department__head", "contact"),
    requester="requester",
    audit_on=lambda participation: participation.request,  # its history is the request's
    audit_key="participation",
    message_on=lambda participation: participation.request,
    states=(
        State(P.DRAFT, P.DRAFT.label, "muted"),
        State(P.AWAITING, P.AWAITING.label, "warn"),
        State(P.CONFIRMED, P.CONFIRMED.label, "ok", final=True),
        State(P.WITHDRAWN, P.WITHDRAWN.label, "muted", closed=True),
    ),
    steps=(
        Step(
            "send",
            _("发出签字请求"),
            (P.DRAFT,),
            P.AWAITING,
            department_head,
            system=True,
            arms=(
                Arm(
                    "sign",
                    owner=lambda p: p.head,
                    department=lambda p: p.department,
                    # from receipt; a department added by a 需求变更 from the change (inputs "since")
                    start=lambda ctx: ctx.inputs.get("since") or ctx.item.request.submitted_at or ctx.now,
                    when=beside_the_receiver,
                ),
            ),
            tells=(
                Tell(
                    to=head,
                    title=_("【待签字】%(label)s"),
                    body=_(
                        "%(dept)s 是本需求的参与部门，职责：%(duties)s。请在 %(due)s 前（%(limit)s内）完成内部评估"
                        "并在平台确认签字。"
                    ),
                    limit="sign",
                    params=department_params,
                    when=beside_the_receiver,
                ),
            ),
        ),
        Step(
            "confirm",
            _("部门确认签字"),
            (P.AWAITING,),
            P.CONFIRMED,
            department_head,
            "primary",
            stamps=("confirmed_at",),
            apply=signed_by,
            satisfies=("sign",),
            refusal=lambda p: gettext("只有%(dept)s负责人可以为本部门签字") % {"dept": p.department.name},
            tells=(
                Tell(
                    to=request_sides,
                    title=_("【部门已签字】%(label)s"),
                    body=_("%(dept)s 已确认参与并签字（%(actor)s）。"),
                    kind="info",
                    params=department_params,
                ),
            ),
        ),
        Step(
            "name_coordinator",
            _("指定协作负责人"),
            (P.DRAFT, P.AWAITING, P.CONFIRMED),
            None,
            head_or_contact,
            apply=coordinator_named,
            offered=False,
            tells=(
                Tell(
                    to=lambda ctx: [ctx.inputs["coordinator"]],
                    title=_("【协作负责人】%(label)s"),
                    body=_("%(actor)s 指定您为%(dept)s在本需求中的协作负责人，统筹本部门任务执行。"),
                    params=department_params,
                ),
            ),
        ),
        # 需求变更 changed the department's duties after its head signed: what they signed is no longer what the
        # 申请表 says; the signature is void (on the request's history), the head and contact are told and sign
        # again, with the evaluation window counted from the change (requests.participants).
        Step(
            "void",
            _("签字作废，重新签字"),
            (P.CONFIRMED,),
            P.AWAITING,
            department_head,
            system=True,
            reason=Reason(_("原因")),
            apply=voided,
            arms=(
                Arm(
                    "sign",
                    owner=lambda p: p.head,
                    department=lambda p: p.department,
                    start=lambda ctx: ctx.now,
                    when=beside_the_receiver,
                ),
            ),
            tells=(
                Tell(
                    to=head_and_contact,
                    title=_("【重新签字】%(label)s"),
                    body=_(
                        "需求变更调整了%(dept)s在本需求中的职责：%(was)s → %(duties)s。原签字已作废，请在 %(due)s 前"
                        "（%(limit)s内）重新评估并在平台确认签字。"
                    ),
                    limit="sign",
                    params=void_params,
                ),
            ),
        ),
        Step(
            "withdraw",
            _("撤回"),
            (P.DRAFT, P.AWAITING, P.CONFIRMED),  # a signed one only by a 需求变更
            P.WITHDRAWN,
            department_head,
            system=True,
            cancels=(ALL_LIMITS,),
        ),
    ),
    limits=(
        Limit(
            "sign",
            "2d",
            remind_before="4h",
            escalate_after="1d",
            ladder="standard",
            rule=SIGN_RULE,
            label=_("部门确认签字"),
            source=MULTI,
            clause="一",
            clause_text="在收到需求后2个工作日内组织内部评估",
        ),
    ),
)
