"""The lighter templates, as the company's forms read.

客户需求沟通进度同步表: the customer's contact person (客户对接人), the participants or the department's head
add dated rows (日期、沟通阶段、进展描述、参与人、下一步计划、风险与应对) while the request is followed; the
contact person or the head closes it (闭环).

新人入职: the contact person (对接人) or the head adds steps to the checklist; a step's owner, the contact
person or the head ticks it; when the last one is done the onboarding is complete and the head, the contact
person and the newcomer hear it. Each step's clock reminds its owner a working day before its date and, when
late, tells the newcomer's department head."""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from xietong.clocks.services import clock_satisfy
from xietong.core import clock
from xietong.core.errors import ApplicationError, Forbidden, InvalidState
from xietong.items.process import Limit, Nav, Process, Reason, State, Step, StepContext, Tell
from xietong.items.runner import run_step
from xietong.lighter.checklist import StepDraft, step_errors, steps_add, steps_text, text
from xietong.lighter.choices import CustomerState, OnboardingState, leads, may_manage_onboarding, may_write_customer
from xietong.lighter.models import CustomerRequirement, Onboarding, OnboardingStep, SyncRow
from xietong.notify.models import MessageKind

TEXT_LIMIT = 3000
NOTE_LIMIT = 300


# --- 客户需求沟通进度同步表 ----------------------------------------------------------------------------
def may_close_customer(person: Any, requirement: CustomerRequirement) -> bool:
    return person.pk in (requirement.owner_id, requirement.created_by_id) or leads(person, requirement.department_id)


def row_complete(ctx: StepContext) -> None:
    """Every column of the row, a date not in the future, and a response to every risk named."""
    row = ctx.inputs
    for name in ("stage", "progress", "next_step", "risk", "response"):
        row[name] = text(row.get(name))
    date, people = row.get("date"), list(row.get("people") or [])
    errors: dict[str, str] = {}
    if date is None:
        errors["date"] = _("请填写日期")
    elif date > clock.today():
        errors["date"] = _("日期 %(date)s 晚于今天：同步表记录已发生的沟通") % {"date": date.isoformat()}
    if not row["stage"]:
        errors["stage"] = _("请填写沟通阶段，例如“需求确认”")
    elif len(row["stage"]) > 40:
        errors["stage"] = _("沟通阶段不能超过 40 字")
    if not row["progress"]:
        errors["progress"] = _("请填写进展描述")
    if not row["next_step"]:
        errors["next_step"] = _("请填写下一步计划，例如“5月20日前收集客户反馈并修改”")
    if not people:
        errors["people"] = _("请选择参与人")
    elif any(not p.is_active for p in people):
        errors["people"] = _("参与人中有已停用的账号")
    if row["risk"] and not row["response"]:
        errors["response"] = _("写明风险时请同时写明应对措施")
    for name in ("progress", "next_step", "risk", "response"):
        if name not in errors and len(row[name]) > TEXT_LIMIT:
            errors[name] = _("不能超过 %(n)d 字") % {"n": TEXT_LIMIT}
    if errors:
        raise ApplicationError(_("同步表这一行不完整"), fields=errors)


def row_write(ctx: StepContext) -> None:
    """The row; its people join the request so they can follow it."""
    data, requirement = ctx.inputs, ctx.item
    row = SyncRow.objects.create(
        requirement=requirement,
        author=ctx.actor,
        **{k: data[k] for k in ("date", "stage", "progress", "next_step", "risk", "response")},
    )
    people = list(data["people"])
    row.people.set(people)
    requirement.participants.add(*people)
    data.setdefault("written", []).append(row)
    ctx.details.update(
        {
            "row": row.pk,
            "date": row.date,
            "stage": row.stage,
            "progress": row.progress[:200],
            "people": [p.pk for p in people],
            "risk": row.risk[:200],
        }
    )


def row_readers(ctx: StepContext) -> list[Any]:
    return [p for p in [ctx.item.owner, *ctx.inputs["people"]] if p.pk != ctx.actor.pk]


def row_summary(ctx: StepContext) -> dict[str, Any]:
    row = ctx.inputs
    return {"stage": row["stage"], "progress": row["progress"][:200], "next": row["next_step"][:200]}


CUSTOMER = Process(
    key="customer",
    model=CustomerRequirement,
    label=gettext_lazy("客户需求沟通进度"),
    nav=Nav(gettext_lazy("客户需求"), "customer-list", prefix="/lighter/customers/", order=60),
    id_param="pk",
    related=("owner", "department", "project"),
    owners=("owner",),
    states=(
        State(CustomerState.OPEN, CustomerState.OPEN.label, "info"),
        State(CustomerState.CLOSED, CustomerState.CLOSED.label, "ok", closed=True),
    ),
    steps=(
        Step(
            "row",
            gettext_lazy("填写沟通进度"),
            (CustomerState.OPEN,),
            None,
            may_write_customer,
            offered=False,
            refusal=lambda item: _("只有客户对接人、参与人或部门负责人可以填写进度"),
            check=row_complete,
            apply=row_write,
            records_state=False,
            tells=(
                Tell(
                    to=row_readers,
                    title=gettext_lazy("【客户需求进度】%(label)s"),
                    body=gettext_lazy("%(stage)s：%(progress)s；下一步：%(next)s"),
                    kind=MessageKind.INFO,
                    params=row_summary,
                ),
            ),
        ),
        Step(
            "close",
            gettext_lazy("需求已闭环"),
            (CustomerState.OPEN,),
            CustomerState.CLOSED,
            may_close_customer,
            refusal=lambda item: _("只有客户对接人或部门负责人可以闭环"),
            reason=Reason(gettext_lazy("闭环说明"), required=False),
            audit_action="customer.close",
        ),
    ),
    action_labels={
        "customer.create": gettext_lazy("新建客户需求"),
        "customer.close": gettext_lazy("客户需求闭环"),
    },
)


# --- 新人入职 --------------------------------------------------------------------------------------------
def may_tick(person: Any, onboarding: Onboarding) -> bool:
    """The contact person or the head, or the owner of a step still open."""
    return (
        may_manage_onboarding(person, onboarding)
        or onboarding.steps.filter(owner=person, done_at__isnull=True).exists()
    )


def step_valid(ctx: StepContext) -> None:
    draft: StepDraft | None = ctx.inputs.get("draft")
    if draft is None:
        raise ApplicationError(fields={"steps": _("请至少安排一项入职事项（事项、负责人、完成时间）")})
    problem = step_errors([draft], clock.today())
    if problem:
        raise ApplicationError(fields={"steps": problem.replace(_("第 1 项"), _("该事项"))})


def step_write(ctx: StepContext) -> None:
    (step,) = steps_add(ctx.item, [ctx.inputs["draft"]], ctx.now)
    ctx.inputs.setdefault("written", []).append(step)
    ctx.details.update({"step": step.pk, "title": step.title, "owner": step.owner_id, "due_date": step.due_date})


def tick_allowed(ctx: StepContext) -> None:
    chosen = ctx.inputs.get("step")
    rows = OnboardingStep.objects.select_for_update().filter(onboarding=ctx.item)
    step = rows.filter(pk=chosen.pk).first() if chosen is not None else None
    if step is None:
        raise ApplicationError(fields={"step": _("请指明完成的入职事项")})
    if step.done_at is not None:
        raise InvalidState(_("该事项已于 %(at)s 完成") % {"at": f"{clock.local(step.done_at):%Y-%m-%d %H:%M}"})
    if ctx.principal.pk != step.owner_id and not may_manage_onboarding(ctx.principal, ctx.item):
        raise Forbidden(_("只有该事项的负责人、对接人或部门负责人可以确认完成"))
    if len(ctx.reason) > NOTE_LIMIT:
        raise ApplicationError(fields={"note": _("备注不能超过 300 字")})
    ctx.inputs["step"] = step


def tick(ctx: StepContext) -> None:
    step: OnboardingStep = ctx.inputs["step"]
    step.done_at, step.done_by, step.note = ctx.now, ctx.actor, ctx.reason
    step.save(update_fields=["done_at", "done_by", "note"])
    clock_satisfy(subject=step, limit="due", at=ctx.now)
    ctx.details.update({"step": step.pk, "title": step.title})


def complete_when_all_done(ctx: StepContext) -> None:
    """The last step done completes the onboarding, in the same transaction."""
    if not ctx.item.steps.filter(done_at__isnull=True).exists():
        run_step(actor=ctx.actor, item=ctx.item, step="complete", as_system=True, fresh=True)


def newcomer(ctx: StepContext) -> dict[str, Any]:
    return {"who": ctx.item.newcomer.display_name}


ONBOARDING = Process(
    key="onboarding",
    model=Onboarding,
    label=gettext_lazy("新人入职"),
    nav=Nav(gettext_lazy("新人入职"), "onboarding-list", prefix="/lighter/onboarding/", order=61),
    workbench="xietong.lighter.workbench.onboarding_section",
    workbench_order=60,
    id_param="pk",
    related=("newcomer", "contact", "department"),
    owners=("contact",),
    states=(
        State(OnboardingState.OPEN, OnboardingState.OPEN.label, "info"),
        State(OnboardingState.COMPLETED, OnboardingState.COMPLETED.label, "ok", closed=True),
    ),
    steps=(
        Step(
            "add_step",
            gettext_lazy("添加入职事项"),
            (OnboardingState.OPEN,),
            None,
            may_manage_onboarding,
            offered=False,
            refusal=lambda item: _("只有对接人或部门负责人可以调整入职事项"),
            check=step_valid,
            apply=step_write,
            records_state=False,
            tells=(
                Tell(
                    to=lambda ctx: [ctx.inputs["draft"].owner],
                    title=gettext_lazy("【新人入职】%(who)s的入职事项"),
                    body="%(steps)s",
                    params=lambda ctx: {**newcomer(ctx), "steps": steps_text(ctx.inputs["written"])},
                ),
            ),
        ),
        Step(
            "step_done",
            gettext_lazy("完成入职事项"),
            (OnboardingState.OPEN,),
            None,
            may_tick,
            offered=False,
            refusal=lambda item: _("只有该事项的负责人、对接人或部门负责人可以确认完成"),
            reason=Reason(gettext_lazy("备注"), required=False, field="note"),
            check=tick_allowed,
            apply=tick,
            after=complete_when_all_done,
            records_state=False,
        ),
        Step(
            "complete",
            gettext_lazy("入职完成"),
            (OnboardingState.OPEN,),
            OnboardingState.COMPLETED,
            may_manage_onboarding,
            system=True,
            tells=(
                Tell(
                    to=lambda ctx: [ctx.item.department.head, ctx.item.contact, ctx.item.newcomer],
                    title=gettext_lazy("【入职完成】%(who)s"),
                    body=gettext_lazy("全部入职事项已完成。"),
                    kind=MessageKind.INFO,
                    params=newcomer,
                ),
            ),
        ),
    ),
    limits=(
        Limit(
            "due",
            "0m",
            remind_before="1d",
            ladder="department-head",
            rule="新人入职事项：到期前提醒负责人，逾期告知新人所在部门负责人",
        ),
    ),
    action_labels={"onboarding.create": gettext_lazy("安排新人入职")},
)
