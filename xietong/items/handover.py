"""离职交接: when a person leaves, their open items, clocks and roles pass to a named successor in one audited
transaction, so nothing is left owned by someone who cannot sign in."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from django.db import transaction
from django.db.models import Q
from django.utils.translation import gettext as _

from xietong.clocks.services import clocks_hand_over
from xietong.core import clock
from xietong.core.audit import audit_record
from xietong.core.errors import ApplicationError, Forbidden
from xietong.core.permissions import forget_reach
from xietong.items.process import HAND_OVER, processes
from xietong.items.runner import run_step
from xietong.org.models import Absence, Department, Person, Project, ProjectMembership


@dataclass
class HandOver:
    items: dict[str, int] = field(default_factory=dict)  # process key → items handed over
    clocks: int = 0
    departments: list[str] = field(default_factory=list)
    projects: list[str] = field(default_factory=list)


def open_items_owned_by(person: Person) -> list[Any]:
    """Every item of every declared process whose owner fields name `person`, in a state it is handed over from."""
    found: list[Any] = []
    for process in processes():
        if process.holders is not None:
            found += list(process.model._base_manager.filter(process.holders(person)).order_by("pk"))
        if not process.owners:
            continue
        named = Q()
        for name in process.owners:
            named |= Q(**{name: person})
        states = process.get(HAND_OVER).sources  # where the hand-over step may be taken
        found += list(process.model._base_manager.filter(named, state__in=states).order_by("pk"))
    return found


def still_answers_for(person: Person) -> str | None:
    """What keeps `person` from being switched off without a hand-over, in words; None when nothing."""
    from xietong.clocks.models import Clock

    items = len(open_items_owned_by(person))
    clocks = Clock.objects.filter(owner=person, closed_at__isnull=True).count()
    if not items and not clocks:
        return None
    return _("%(items)d 个进行中的事项、%(clocks)d 个时限") % {"items": items, "clocks": clocks}


@transaction.atomic
def person_hand_over(*, actor: Person, person: Person, successor: Person, deactivate: bool = True) -> HandOver:
    """Hand everything `person` answers for to `successor`, then (by default) deactivate `person`."""
    if not (actor.is_staff or actor.is_superuser):
        raise Forbidden(_("离职交接由系统管理员办理"))
    if successor.pk == person.pk:
        raise ApplicationError(fields={"successor": _("接替人不能是本人")})
    if not successor.is_active:
        raise ApplicationError(fields={"successor": _("%(name)s 的账号已停用，不能接替") % {"name": successor}})
    person = Person.objects.select_for_update().get(pk=person.pk)
    report = HandOver()
    for item in open_items_owned_by(person):
        run_step(actor=actor, item=item, step=HAND_OVER, inputs={"from": person, "to": successor}, as_system=True)
        key = type(item)._meta.label_lower
        report.items[key] = report.items.get(key, 0) + 1
    # Clocks of anything else (a series, a summary …) and the roles people escalate to.
    report.clocks = clocks_hand_over(old=person, new=successor)
    for department in Department.objects.filter(Q(head=person) | Q(division_leader=person)).order_by("pk"):
        if department.head_id == person.pk:
            department.head = successor
        if department.division_leader_id == person.pk:
            department.division_leader = successor
        department.save(update_fields=["head", "division_leader", "updated_at"])
        report.departments.append(department.name)
    for project in Project.objects.filter(lead=person).order_by("pk"):
        project.lead = successor
        project.save(update_fields=["lead", "updated_at"])
        report.projects.append(project.name)
    for membership in ProjectMembership.objects.filter(person=person):
        ProjectMembership.objects.get_or_create(
            project_id=membership.project_id, person=successor, defaults={"role": membership.role}
        )
    # Steps still addressed to the person (a late answer, a signature) can be taken by the successor.
    Absence.objects.create(
        person=person,
        kind=Absence.Kind.DEPARTURE,
        starts_at=clock.now(),
        reason=_("离职交接"),
        stand_in=successor,
        set_by=actor,
    )
    if deactivate:
        person.is_active = False
        person.save(update_fields=["is_active"])
    audit_record(
        actor=actor,
        action="org.person.hand_over",
        obj=person,
        after={
            "successor": successor.pk,
            "successor_name": successor.display_name,
            "items": report.items,
            "clocks": report.clocks,
            "departments": report.departments,
            "projects": report.projects,
            "deactivated": deactivate,
        },
    )
    forget_reach(successor)
    return report
