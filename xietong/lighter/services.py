"""Writes to the lighter templates. One path per change: permission and state → validation → write →
audit event → clocks → notifications, in one transaction."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from django.db import transaction
from django.utils.translation import gettext as _

from xietong.clocks.services import clock_arm, clock_satisfy
from xietong.core import clock
from xietong.core.audit import audit_record, snapshot
from xietong.core.errors import ApplicationError, Forbidden, InvalidState
from xietong.core.links import link_is_safe
from xietong.core.permissions import VIEW, authorize, reach_of
from xietong.items.services import number_next
from xietong.lighter.choices import CustomerState, OnboardingState, leads, may_manage_onboarding, may_write_customer
from xietong.lighter.models import CustomerRequirement, Onboarding, OnboardingStep, SyncRow
from xietong.notify.models import MessageKind
from xietong.notify.services import notify
from xietong.org.models import Person, Project
from xietong.workcal.selectors import calendar_for_department, engine_for

TEXT_LIMIT = 3000


def _text(value: Any) -> str:
    return str(value or "").strip()


def _long(errors: dict[str, str], field: str, value: str, limit: int = TEXT_LIMIT) -> None:
    if len(value) > limit:
        errors[field] = _("不能超过 %(n)d 字") % {"n": limit}


# --- 客户需求沟通进度同步表 ----------------------------------------------------------------------------
@transaction.atomic
def customer_create(
    *,
    actor: Person,
    title: str,
    customer: str,
    description: str = "",
    owner: Person | None = None,
    project: Project | None = None,
) -> CustomerRequirement:
    """Start following one customer request; the owner (客户对接人) defaults to the person starting it."""
    title, customer, description = _text(title), _text(customer), _text(description)
    owner = owner or actor
    errors: dict[str, str] = {}
    if not title:
        errors["title"] = _("请填写需求主题，例如“智能手表续航需求对接”")
    elif len(title) > 120:
        errors["title"] = _("需求主题不能超过 120 字")
    if not customer:
        errors["customer"] = _("请填写客户名称")
    elif len(customer) > 80:
        errors["customer"] = _("客户名称不能超过 80 字")
    _long(errors, "description", description)
    if not owner.is_active or owner.department_id is None:
        errors["owner"] = _("%(person)s 不能担任客户对接人（账号停用或未分配部门）") % {"person": owner}
    if project is not None and not Project.objects.restrict(actor).filter(pk=project.pk).exists():
        errors["project"] = _("您不是该项目的成员")
    if errors:
        raise ApplicationError(_("客户需求信息不完整"), fields=errors)
    department = owner.department
    assert department is not None  # validated above
    requirement = CustomerRequirement.objects.create(
        number=number_next("KH"),
        created_by=actor,
        title=title,
        customer=customer,
        description=description,
        owner=owner,
        department=department,
        project=project,
    )
    audit_record(
        actor=actor,
        action="customer.create",
        obj=requirement,
        after=snapshot(requirement, ("title", "customer", "owner", "department", "project")),
    )
    if owner.pk != actor.pk:
        notify(
            recipients=[owner],
            kind=MessageKind.ASSIGNMENT,
            title=_("【客户需求】%(label)s") % {"label": f"{requirement.number} {title}"},
            body=_("%(who)s 指定您为客户“%(customer)s”的对接人。") % {"who": actor.display_name, "customer": customer},
            url=requirement.get_absolute_url(),
            subject=requirement,
        )
    return requirement


@transaction.atomic
def customer_add_row(
    *,
    actor: Person,
    requirement: CustomerRequirement,
    date: dt.date | None,
    stage: str,
    progress: str,
    people: Sequence[Person],
    next_step: str,
    risk: str = "",
    response: str = "",
) -> SyncRow:
    """One dated row of the 同步表; its people join the request so they can follow it."""
    authorize(actor, VIEW, requirement)
    requirement = CustomerRequirement.objects.select_for_update(of=("self",)).get(pk=requirement.pk)
    if requirement.state != CustomerState.OPEN:
        raise InvalidState(_("该客户需求已闭环，不能再添加进度"))
    if not may_write_customer(actor, requirement):
        raise Forbidden(_("只有客户对接人、参与人或部门负责人可以填写进度"))
    stage, progress, next_step, risk, response = map(_text, (stage, progress, next_step, risk, response))
    errors: dict[str, str] = {}
    if date is None:
        errors["date"] = _("请填写日期")
    elif date > clock.today():
        errors["date"] = _("日期 %(date)s 晚于今天：同步表记录已发生的沟通") % {"date": date.isoformat()}
    if not stage:
        errors["stage"] = _("请填写沟通阶段，例如“需求确认”")
    elif len(stage) > 40:
        errors["stage"] = _("沟通阶段不能超过 40 字")
    if not progress:
        errors["progress"] = _("请填写进展描述")
    if not next_step:
        errors["next_step"] = _("请填写下一步计划，例如“5月20日前收集客户反馈并修改”")
    if not people:
        errors["people"] = _("请选择参与人")
    elif any(not p.is_active for p in people):
        errors["people"] = _("参与人中有已停用的账号")
    if risk and not response:
        errors["response"] = _("写明风险时请同时写明应对措施")
    for field, value in (("progress", progress), ("next_step", next_step), ("risk", risk), ("response", response)):
        if field not in errors:
            _long(errors, field, value)
    if errors:
        raise ApplicationError(_("同步表这一行不完整"), fields=errors)
    assert date is not None
    row = SyncRow.objects.create(
        requirement=requirement,
        date=date,
        stage=stage,
        progress=progress,
        next_step=next_step,
        risk=risk,
        response=response,
        author=actor,
    )
    row.people.set(people)
    requirement.participants.add(*people)
    requirement.version += 1
    requirement.save(update_fields=["version"])
    audit_record(
        actor=actor,
        action="customer.row",
        obj=requirement,
        after={
            "row": row.pk,
            "date": date,
            "stage": stage,
            "progress": progress[:200],
            "people": [p.pk for p in people],
            "risk": risk[:200],
        },
    )
    others = [p for p in [requirement.owner, *people] if p.pk != actor.pk]
    if others:
        notify(
            recipients=others,
            kind=MessageKind.INFO,
            title=_("【客户需求进度】%(label)s") % {"label": f"{requirement.number} {requirement.title}"},
            body=_("%(stage)s：%(progress)s；下一步：%(next)s")
            % {"stage": stage, "progress": progress[:200], "next": next_step[:200]},
            url=requirement.get_absolute_url(),
            subject=requirement,
        )
    return row


@transaction.atomic
def customer_close(*, actor: Person, requirement: CustomerRequirement, reason: str = "") -> CustomerRequirement:
    authorize(actor, VIEW, requirement)
    requirement = CustomerRequirement.objects.select_for_update(of=("self",)).get(pk=requirement.pk)
    if requirement.state != CustomerState.OPEN:
        raise InvalidState(_("该客户需求已闭环"))
    if actor.pk not in (requirement.owner_id, requirement.created_by_id) and not leads(
        actor, requirement.department_id
    ):
        raise Forbidden(_("只有客户对接人或部门负责人可以闭环"))
    reason = _text(reason)
    if len(reason) > TEXT_LIMIT:
        raise ApplicationError(fields={"reason": _("不能超过 %(n)d 字") % {"n": TEXT_LIMIT}})
    requirement.state = CustomerState.CLOSED
    requirement.closed_at = clock.now()
    requirement.version += 1
    requirement.save(update_fields=["state", "closed_at", "version"])
    audit_record(
        actor=actor,
        action="customer.close",
        obj=requirement,
        before={"state": CustomerState.OPEN},
        after={"state": requirement.state, **({"reason": reason} if reason else {})},
    )
    return requirement


# --- 新人入职 --------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class StepDraft:
    title: str
    owner: Person | None
    due_date: dt.date | None


def _step_errors(drafts: Iterable[StepDraft], today: dt.date, *, first: int = 1) -> str | None:
    for n, draft in enumerate(drafts, start=first):
        if not _text(draft.title):
            return _("第 %(n)d 项缺少事项内容") % {"n": n}
        if len(_text(draft.title)) > 120:
            return _("第 %(n)d 项不能超过 120 字") % {"n": n}
        if draft.owner is None or not draft.owner.is_active:
            return _("第 %(n)d 项缺少负责人") % {"n": n}
        if draft.due_date is None:
            return _("第 %(n)d 项缺少完成时间") % {"n": n}
        if draft.due_date < today:
            return _("第 %(n)d 项的完成时间 %(date)s 已经过去") % {"n": n, "date": draft.due_date.isoformat()}
    return None


def _arm_step(step: OnboardingStep, now: dt.datetime) -> None:
    engine = engine_for(calendar_for_department(step.onboarding.department))
    clock_arm(
        subject=step,
        process="onboarding",
        limit="due",
        owner=step.owner,
        department=step.onboarding.department,
        start=now,
        due_at=max(now, engine.day_end(step.due_date)),
    )


def _create_steps(onboarding: Onboarding, drafts: Sequence[StepDraft], now: dt.datetime) -> list[OnboardingStep]:
    start = (onboarding.steps.order_by("-position").values_list("position", flat=True).first() or 0) + 1
    steps = []
    for position, draft in enumerate(drafts, start=start):
        assert draft.owner is not None and draft.due_date is not None  # validated
        step = OnboardingStep.objects.create(
            onboarding=onboarding,
            position=position,
            title=_text(draft.title),
            owner=draft.owner,
            due_date=draft.due_date,
        )
        _arm_step(step, now)
        steps.append(step)
    onboarding.step_owners.add(*{s.owner for s in steps})
    return steps


def _announce_steps(onboarding: Onboarding, steps: Sequence[OnboardingStep]) -> None:
    by_owner: dict[int, list[OnboardingStep]] = {}
    for step in steps:
        by_owner.setdefault(step.owner_id, []).append(step)
    for owned in by_owner.values():
        notify(
            recipients=[owned[0].owner],
            kind=MessageKind.ASSIGNMENT,
            title=_("【新人入职】%(who)s的入职事项") % {"who": onboarding.newcomer.display_name},
            body="；".join(_("%(step)s（%(d)s 前）") % {"step": s.title, "d": f"{s.due_date:%m-%d}"} for s in owned),
            url=onboarding.get_absolute_url(),
            subject=onboarding,
        )


def _links_problem(errors: dict[str, str], process_links: str) -> None:
    """Every line "名称 链接" whose last word looks like an address must be a safe one (core.links)."""
    for number, raw in enumerate(process_links.splitlines(), start=1):
        url = raw.strip().rpartition(" ")[2]
        if ("/" in url or ":" in url) and not link_is_safe(url):
            errors["process_links"] = _(
                "第 %(line)d 行的链接“%(url)s”不能使用：只能是 http:// 或 https:// 开头的网址，或本站路径（以一个 / 开头）"
            ) % {"line": number, "url": url}
            return


@transaction.atomic
def onboarding_create(
    *,
    actor: Person,
    newcomer: Person | None,
    contact: Person | None,
    start_date: dt.date | None,
    duties: str,
    steps: Sequence[StepDraft],
    process_links: str = "",
) -> Onboarding:
    """新人入职: the head of the newcomer's department (or 综合管理部) names the contact person, the duties,
    the process links and the steps, each with an owner and a due date."""
    duties, process_links = _text(duties), _text(process_links)
    drafts = [d for d in steps if _text(d.title) or d.owner is not None or d.due_date is not None]
    errors: dict[str, str] = {}
    if newcomer is None or not newcomer.is_active:
        errors["newcomer"] = _("请选择新员工")
    elif newcomer.department_id is None:
        errors["newcomer"] = _("%(person)s 尚未分配部门，请先在组织架构中分配") % {"person": newcomer}
    elif not leads(actor, newcomer.department_id):
        raise Forbidden(_("只有新员工所在部门的负责人、分管领导或综合管理部可以安排入职"))
    if contact is None or not contact.is_active:
        errors["contact"] = _("请选择对接人")
    elif newcomer is not None and contact.pk == newcomer.pk:
        errors["contact"] = _("对接人不能是新员工本人")
    if start_date is None:
        errors["start_date"] = _("请填写入职日期")
    if not duties:
        errors["duties"] = _("请写明岗位职责")
    _long(errors, "duties", duties)
    _long(errors, "process_links", process_links)
    _links_problem(errors, process_links)
    if not drafts:
        errors["steps"] = _("请至少安排一项入职事项（事项、负责人、完成时间）")
    else:
        problem = _step_errors(drafts, clock.today())
        if problem:
            errors["steps"] = problem
    if errors:
        raise ApplicationError(_("入职安排不完整"), fields=errors)
    department = newcomer.department if newcomer is not None else None
    assert newcomer is not None and department is not None and contact is not None and start_date is not None
    now = clock.now()
    onboarding = Onboarding.objects.create(
        number=number_next("RZ"),
        created_by=actor,
        title=_("%(who)s入职") % {"who": newcomer.display_name},
        newcomer=newcomer,
        department=department,
        contact=contact,
        start_date=start_date,
        duties=duties,
        process_links=process_links,
    )
    created = _create_steps(onboarding, drafts, now)
    audit_record(
        actor=actor,
        action="onboarding.create",
        obj=onboarding,
        after={
            **snapshot(onboarding, ("newcomer", "contact", "start_date", "duties")),
            "steps": [{"title": s.title, "owner": s.owner_id, "due_date": s.due_date} for s in created],
        },
    )
    notify(
        recipients=[newcomer],
        kind=MessageKind.INFO,
        title=_("【欢迎加入】您的入职安排"),
        body=_("您的对接人是 %(contact)s。入职事项与常用流程链接见入职页面。") % {"contact": contact.display_name},
        url=onboarding.get_absolute_url(),
        subject=onboarding,
    )
    _announce_steps(onboarding, created)
    return onboarding


@transaction.atomic
def onboarding_add_step(*, actor: Person, onboarding: Onboarding, step: StepDraft) -> OnboardingStep:
    authorize(actor, VIEW, onboarding)
    onboarding = (
        Onboarding.objects.select_for_update(of=("self",))
        .select_related("newcomer", "department")
        .get(pk=onboarding.pk)
    )
    if onboarding.state != OnboardingState.OPEN:
        raise InvalidState(_("入职安排已完成，不能再添加事项"))
    if not may_manage_onboarding(actor, onboarding):
        raise Forbidden(_("只有对接人或部门负责人可以调整入职事项"))
    problem = _step_errors([step], clock.today())
    if problem:
        raise ApplicationError(fields={"steps": problem.replace(_("第 1 项"), _("该事项"))})
    (created,) = _create_steps(onboarding, [step], clock.now())
    audit_record(
        actor=actor,
        action="onboarding.add_step",
        obj=onboarding,
        after={"step": created.pk, "title": created.title, "owner": created.owner_id, "due_date": created.due_date},
    )
    _announce_steps(onboarding, [created])
    return created


@transaction.atomic
def onboarding_step_done(*, actor: Person, step: OnboardingStep, note: str = "") -> OnboardingStep:
    """A step is done: its owner, the contact person or the head ticks it; the last one completes the
    onboarding and tells the head."""
    onboarding = step.onboarding
    authorize(actor, VIEW, onboarding)
    onboarding = (
        Onboarding.objects.select_for_update(of=("self",))
        .select_related("newcomer", "department")
        .get(pk=onboarding.pk)
    )
    step = OnboardingStep.objects.select_for_update().get(pk=step.pk)
    if step.done_at is not None:
        raise InvalidState(_("该事项已于 %(at)s 完成") % {"at": f"{clock.local(step.done_at):%Y-%m-%d %H:%M}"})
    if actor.pk != step.owner_id and not may_manage_onboarding(actor, onboarding):
        raise Forbidden(_("只有该事项的负责人、对接人或部门负责人可以确认完成"))
    note = _text(note)
    if len(note) > 300:
        raise ApplicationError(fields={"note": _("备注不能超过 300 字")})
    now = clock.now()
    step.done_at, step.done_by, step.note = now, actor, note
    step.save(update_fields=["done_at", "done_by", "note"])
    clock_satisfy(subject=step, limit="due", at=now)
    completed = not onboarding.steps.filter(done_at__isnull=True).exists()
    fields = ["version"]
    if completed:
        onboarding.state = OnboardingState.COMPLETED
        onboarding.closed_at = now
        fields += ["state", "closed_at"]
    onboarding.version += 1
    onboarding.save(update_fields=fields)
    audit_record(
        actor=actor,
        action="onboarding.step_done",
        obj=onboarding,
        after={
            "step": step.pk,
            "title": step.title,
            **({"reason": note} if note else {}),
            **({"state": "completed"} if completed else {}),
        },
    )
    if completed:
        head = onboarding.department.head
        notify(
            recipients=[p for p in (head, onboarding.contact, onboarding.newcomer) if p is not None],
            kind=MessageKind.INFO,
            title=_("【入职完成】%(who)s") % {"who": onboarding.newcomer.display_name},
            body=_("全部入职事项已完成。"),
            url=onboarding.get_absolute_url(),
            subject=onboarding,
        )
    return step


def onboarding_may_create(person: Person) -> bool:
    reach = reach_of(person)
    return bool(reach and (reach.sees_all or reach.led_department_ids))
