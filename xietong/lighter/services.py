"""Writes to the lighter templates that are not steps of their processes (process.py): starting to follow
a customer request, arranging an onboarding. The rows, the checklist's steps and the closing are declared
steps, run by `items.runner.run_step`; the functions below that take them are their callers' shorthand."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

from django.db import transaction
from django.utils.translation import gettext as _

from xietong.core import clock
from xietong.core.audit import audit_record, snapshot
from xietong.core.errors import ApplicationError, Forbidden
from xietong.core.links import link_is_safe
from xietong.core.permissions import reach_of
from xietong.items.numbering import number_next
from xietong.items.runner import run_step
from xietong.lighter.checklist import StepDraft, step_errors, steps_add, steps_text
from xietong.lighter.checklist import text as _text
from xietong.lighter.choices import leads
from xietong.lighter.models import CustomerRequirement, Onboarding, OnboardingStep, SyncRow
from xietong.lighter.process import TEXT_LIMIT
from xietong.notify.models import MessageKind
from xietong.notify.services import notify
from xietong.org.models import Person, Project

__all__ = ["StepDraft"]


def _long(errors: dict[str, str], field: str, value: str, limit: int = TEXT_LIMIT) -> None:
    if len(value) > limit:
        errors[field] = _("不能超过 %(n)d 字") % {"n": limit}


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
    """One dated row of the 同步表 (the declared step `row`)."""
    written: list[SyncRow] = []
    row = dict(date=date, stage=stage, progress=progress, people=people, next_step=next_step, risk=risk)
    run_step(actor=actor, item=requirement, step="row", inputs=dict(row, response=response, written=written))
    return written[0]


def customer_close(*, actor: Person, requirement: CustomerRequirement, reason: str = "") -> CustomerRequirement:
    return run_step(actor=actor, item=requirement, step="close", reason=reason)


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
        problem = step_errors(drafts, clock.today())
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
    created = steps_add(onboarding, drafts, now)
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
    by_owner: dict[int, list[OnboardingStep]] = {}
    for step in created:
        by_owner.setdefault(step.owner_id, []).append(step)
    for owned in by_owner.values():
        notify(
            recipients=[owned[0].owner],
            kind=MessageKind.ASSIGNMENT,
            title=_("【新人入职】%(who)s的入职事项") % {"who": newcomer.display_name},
            body=steps_text(owned),
            url=onboarding.get_absolute_url(),
            subject=onboarding,
        )
    return onboarding


def onboarding_add_step(*, actor: Person, onboarding: Onboarding, step: StepDraft) -> OnboardingStep:
    """One more step of the checklist (the declared step `add_step`)."""
    written: list[OnboardingStep] = []
    run_step(actor=actor, item=onboarding, step="add_step", inputs={"draft": step, "written": written})
    return written[0]


def onboarding_step_done(*, actor: Person, step: OnboardingStep, note: str = "") -> OnboardingStep:
    """A step is done (the declared step `step_done`; the last one completes the onboarding)."""
    run_step(actor=actor, item=step.onboarding, step="step_done", reason=note, inputs={"step": step})
    return OnboardingStep.objects.get(pk=step.pk)


def onboarding_may_create(person: Person) -> bool:
    reach = reach_of(person)
    return bool(reach and (reach.sees_all or reach.led_department_ids))
