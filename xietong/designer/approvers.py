"""Who a step's approvers are for one item: the requester's 直属上级 / 部门负责人 / 分管领导 / 总经理, 逐级, a
role or approver group, named people, a person field of the form, or whom the requester chose."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from xietong.designer.models import ApproverGroup, DesignedItem
from xietong.org.models import Person
from xietong.org.roles import Role, general_manager, manager_chain


def _active(people: list[Any]) -> list[Person]:
    found, seen = [], set()
    for person in people:
        if person is not None and person.is_active and person.pk not in seen:
            seen.add(person.pk)
            found.append(person)
    return found


def resolve(approvers: Mapping[str, Any], item: DesignedItem, step_key: str) -> list[Person]:
    """The people, in order (依次 follows it); empty when nobody fills the rule for this item."""
    kind = approvers.get("type")
    requester = item.created_by
    role = approvers.get("role") if kind == "role" else None
    # The requester's chain of managers, read only for the rules that climb it.
    chained = kind in _CHAIN_KINDS or (kind == "role" and role in _CHAIN_ROLES and not approvers.get("group"))
    chain = manager_chain(requester, department=item.department) if chained else []
    rung = {r.role: r.person for r in chain}
    if kind in ("manager", "department_head"):
        return _active([rung.get(Role.DEPARTMENT_HEAD)])
    if kind == "division_leader":
        return _active([rung.get(Role.DIVISION_LEADER)])
    if kind == "general_manager":
        gm = general_manager()
        return _active([gm] if gm is not None and gm.pk != requester.pk else [])
    if kind == "chain":
        levels = approvers.get("levels")
        until = approvers.get("until")
        stop = {"division_leader": 2, "general_manager": 3}.get(until or "", levels or 1)
        return _active([r.person for r in chain if r.level <= stop])
    if kind == "role":
        if approvers.get("group"):  # the group's members in one read (none when there is no such group)
            through = ApproverGroup.members.through.objects
            rows = through.filter(approvergroup__code=approvers["group"]).select_related("person")
            return _active([row.person for row in rows.order_by("person_id")])
        if role == "coordinator":
            return _active(list(Person.objects.filter(is_coordinator=True).order_by("pk")))
        if role == "general_manager":
            return _active([general_manager()])
        if role == "department_head":
            return _active([rung.get(Role.DEPARTMENT_HEAD)] if rung else [item.department.head])
        if role == "division_leader":
            return _active([rung.get(Role.DIVISION_LEADER)] if rung else [])
        return []
    if kind == "people":
        names = list(approvers.get("people") or [])
        by_name = {p.username: p for p in Person.objects.filter(username__in=names)}
        return _active([by_name.get(name) for name in names])
    if kind == "field":
        value = item.value(approvers.get("field", ""))
        pks = value if isinstance(value, list) else [value]
        by_pk = Person.objects.in_bulk([pk for pk in pks if pk])
        return _active([by_pk.get(pk) for pk in pks if pk])
    if kind == "chooser":
        pks = list((item.chosen or {}).get(step_key) or [])
        by_pk = Person.objects.in_bulk(pks)
        return _active([by_pk.get(pk) for pk in pks])
    return []


_CHAIN_KINDS = {"manager", "department_head", "division_leader", "chain"}
_CHAIN_ROLES = {"department_head", "division_leader"}
