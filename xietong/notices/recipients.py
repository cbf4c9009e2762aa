"""Who a notice reaches, who answers for each recipient, and who has not confirmed yet."""

from __future__ import annotations

from xietong.notices.models import Notice
from xietong.org.models import Department, Person
from xietong.org.roles import manager_chain
from xietong.org.tree import DepartmentTree


def expand_targets(notice: Notice) -> list[Person]:
    """Everyone the notice reaches: all active people, the members of the departments named (with their
    sub-departments) and the people named; never the sender."""
    people = Person.objects.filter(is_active=True).select_related("department")
    if not notice.target_everyone:
        department_ids = DepartmentTree.load().with_descendants(notice.target_departments.values_list("pk", flat=True))
        named = set(notice.target_people.values_list("pk", flat=True))
        people = people.filter(department_id__in=department_ids) | people.filter(pk__in=named)
    return [p for p in people.exclude(pk=notice.created_by_id).order_by("department__sort_order", "pk").distinct()]


def head_of(person: Person) -> Person | None:
    """Who answers for this person: their department head (the head above, if they head it themselves)."""
    for rung in manager_chain(person):
        if rung.person is not None:
            return rung.person
    return None


def common_department(people: list[Person]) -> Department | None:
    """The smallest department containing everyone: its robots (and those above it) carry the notice."""
    tree = DepartmentTree.load()
    chains = [[n.id for n in tree.ancestors(p.department_id)] for p in people if p.department_id]
    if not chains:
        return None
    shared = set(chains[0]).intersection(*map(set, chains[1:]))
    nearest = next((d for d in chains[0] if d in shared), None)
    return Department.objects.filter(pk=nearest).first() if nearest else None


def receipt_people(notice: Notice) -> list[Person]:
    """Everyone the notice was published to, in the order they were asked."""
    return [r.person for r in notice.receipts.select_related("person").order_by("pk")]


def pending_people(notice: Notice) -> list[Person]:
    return [
        r.person
        for r in notice.receipts.filter(confirmed_at__isnull=True).select_related("person__department").order_by("pk")
    ]
