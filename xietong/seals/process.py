"""用印申请, as the company's rule reads: the applicant submits; the head of the applying department approves
within 1 working day; 综合管理部 stamps within 1 working day of the approval."""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext_lazy as _

from xietong.items.process import ALL_LIMITS, Arm, Limit, Nav, Process, Reason, State, Step, StepContext, Tell
from xietong.org.models import Department, Person
from xietong.seals.models import SealRequest
from xietong.seals.models import SealState as S


def applicant(person: Any, item: SealRequest) -> bool:
    return person.pk == item.created_by_id


def department_head(person: Any, item: SealRequest) -> bool:
    return person.pk == item.department.head_id


def coordinator(person: Any, item: SealRequest) -> bool:
    return bool(person.is_coordinator)


def office() -> Department | None:
    return Department.objects.filter(is_coordinating_office=True).select_related("head").first()


def coordinators(ctx: StepContext) -> list[Person]:
    return list(Person.objects.filter(is_coordinator=True, is_active=True).order_by("pk"))


APPROVAL = Arm("approve", owner=lambda s: s.department.head, department=lambda s: s.department)
STAMPING = Arm("stamp", owner=lambda s: getattr(office(), "head", None), department=lambda s: office())

SEAL = Process(
    key="seal",
    model=SealRequest,
    label=_("用印申请"),
    prefix="YY",
    fields=("department", "seal_type", "document", "copies", "purpose"),
    start_step="submit",
    pages=True,
    nav=Nav(_("用印"), "process-list", prefix="/p/seal/", order=80),
    related=("department", "created_by", "project"),
    owners=("created_by",),
    states=(
        State(S.DRAFT, S.DRAFT.label, "muted"),
        State(S.SUBMITTED, S.SUBMITTED.label, "warn"),
        State(S.APPROVED, S.APPROVED.label, "info"),
        State(S.STAMPED, S.STAMPED.label, "ok", closed=True),
        State(S.REJECTED, S.REJECTED.label, "late"),
        State(S.CANCELLED, S.CANCELLED.label, "muted", closed=True),
    ),
    steps=(
        Step(
            "submit",
            _("提交"),
            (S.DRAFT, S.REJECTED),
            S.SUBMITTED,
            applicant,
            "primary",
            stamps=("submitted_at",),
            arms=(APPROVAL,),
            tells=(
                Tell(
                    to=lambda ctx: [ctx.item.department.head],
                    title=_("【待审批·用印】%(label)s"),
                    body=_("%(actor)s 申请用印，请在 %(due)s 前（%(limit)s内）审批。"),
                    limit="approve",
                ),
            ),
        ),
        Step(
            "approve",
            _("同意"),
            (S.SUBMITTED,),
            S.APPROVED,
            department_head,
            "primary",
            stamps=("approved_at",),
            satisfies=("approve",),
            arms=(STAMPING,),
            tells=(
                Tell(
                    to=coordinators,
                    title=_("【待用印】%(label)s"),
                    body=_("%(actor)s 已同意，请在 %(due)s 前（%(limit)s内）用印。"),
                    limit="stamp",
                ),
            ),
        ),
        Step(
            "reject",
            _("驳回"),
            (S.SUBMITTED,),
            S.REJECTED,
            department_head,
            "danger",
            reason=Reason(_("驳回原因")),
            satisfies=("approve",),
            tells=(Tell(to=lambda ctx: [ctx.item.created_by], title=_("【已驳回】%(label)s"), body="%(reason)s"),),
        ),
        Step(
            "stamp",
            _("已用印"),
            (S.APPROVED,),
            S.STAMPED,
            coordinator,
            "primary",
            stamps=("stamped_at",),
            satisfies=("stamp",),
            tells=(
                Tell(
                    to=lambda ctx: [ctx.item.created_by],
                    title=_("【已用印】%(label)s"),
                    body=_("%(actor)s 已用印，请到综合管理部领取。"),
                ),
            ),
        ),
        Step(
            "withdraw",
            _("撤回"),
            (S.DRAFT, S.SUBMITTED, S.REJECTED),
            S.CANCELLED,
            applicant,
            "danger",
            reason=Reason(_("撤回原因"), required=False),
            cancels=(ALL_LIMITS,),
        ),
    ),
    limits=(
        Limit(
            "approve", "1d", remind_before="2h", ladder="standard", rule="部门负责人1个工作日内审批", label=_("审批")
        ),
        Limit("stamp", "1d", remind_before="2h", rule="综合管理部审批后1个工作日内用印", label=_("用印")),
    ),
    action_labels={"seal.create": _("创建用印申请")},
)
