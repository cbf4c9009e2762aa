"""Roles and the manager chain (person → department head → division leader → general manager).

The chain is what escalation climbs. A rung nobody fills is kept in the chain, empty, with the
reason, so that escalation can move to the next rung and say why.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.db import models
from django.utils.translation import gettext_lazy as _

from xietong.core.memo import memoized
from xietong.org.models import Department, Person
from xietong.org.tree import DepartmentTree


class Role(models.TextChoices):
    MEMBER = "member", _("成员")
    DEPARTMENT_HEAD = "department_head", _("部门负责人")
    DIVISION_LEADER = "division_leader", _("分管领导")
    GENERAL_MANAGER = "general_manager", _("总经理")
    COORDINATOR = "coordinator", _("协调人（综合管理部）")
    ADMINISTRATOR = "administrator", _("系统管理员")


def roles_of(person: Person) -> list[Role]:
    roles = [Role.MEMBER]
    if Department.objects.filter(head=person).exists():
        roles.append(Role.DEPARTMENT_HEAD)
    if Department.objects.filter(division_leader=person).exists():
        roles.append(Role.DIVISION_LEADER)
    if person.is_general_manager:
        roles.append(Role.GENERAL_MANAGER)
    if person.is_coordinator:
        roles.append(Role.COORDINATOR)
    if person.is_staff or person.is_superuser:
        roles.append(Role.ADMINISTRATOR)
    return roles


@dataclass(frozen=True)
class ChainRung:
    """One level of the manager chain: 1 department head, 2 division leader, 3 general manager."""

    level: int
    role: Role
    person: Person | None
    note: str = ""  # why the rung is empty, in the UI's language

    @property
    def role_label(self) -> str:
        return str(self.role.label)


def general_manager() -> Person | None:
    return memoized(
        "general-manager", lambda: Person.objects.filter(is_general_manager=True, is_active=True).order_by("pk").first()
    )


def manager_chain(
    person: Person | None, *, department: Department | None = None, tree: DepartmentTree | None = None
) -> list[ChainRung]:
    """The three rungs above `person`, in order. `department` overrides the person's own (e.g. the
    receiving department of a request). The person never appears as their own manager."""
    tree = tree or DepartmentTree.load()
    department_id = department.pk if department is not None else (person.department_id if person else None)
    person_id = person.pk if person is not None else None
    ancestors = tree.ancestors(department_id) if department_id is not None else []
    wanted = frozenset(
        {n.head_id for n in ancestors if n.head_id} | {n.division_leader_id for n in ancestors if n.division_leader_id}
    )
    people = memoized(("people", wanted), lambda: Person.objects.in_bulk(wanted))

    def active(pid: int | None) -> Person | None:
        found = people.get(pid) if pid else None
        return found if found is not None and found.is_active else None

    rungs: list[ChainRung] = []
    own = ancestors[0] if ancestors else None
    head = active(own.head_id) if own else None
    if own is None:
        rungs.append(ChainRung(1, Role.DEPARTMENT_HEAD, None, str(_("未分配部门"))))
    elif head is None:
        rungs.append(ChainRung(1, Role.DEPARTMENT_HEAD, None, str(_("%(dept)s未设部门负责人")) % {"dept": own.name}))
    elif head.pk == person_id:
        # A head's own superior at this rung is the head of the department above.
        parent_head = next((active(n.head_id) for n in ancestors[1:] if active(n.head_id)), None)
        if parent_head is not None and parent_head.pk != person_id:
            rungs.append(ChainRung(1, Role.DEPARTMENT_HEAD, parent_head))
        else:
            rungs.append(ChainRung(1, Role.DEPARTMENT_HEAD, None, str(_("本人即部门负责人"))))
    else:
        rungs.append(ChainRung(1, Role.DEPARTMENT_HEAD, head))

    leader = next((active(n.division_leader_id) for n in ancestors if active(n.division_leader_id)), None)
    if leader is None:
        rungs.append(ChainRung(2, Role.DIVISION_LEADER, None, str(_("未设分管领导"))))
    elif leader.pk == person_id:
        rungs.append(ChainRung(2, Role.DIVISION_LEADER, None, str(_("本人即分管领导"))))
    else:
        rungs.append(ChainRung(2, Role.DIVISION_LEADER, leader))

    gm = general_manager()
    if gm is None:
        rungs.append(ChainRung(3, Role.GENERAL_MANAGER, None, str(_("未设总经理"))))
    elif gm.pk == person_id:
        rungs.append(ChainRung(3, Role.GENERAL_MANAGER, None, str(_("本人即总经理"))))
    else:
        rungs.append(ChainRung(3, Role.GENERAL_MANAGER, gm))
    return rungs
