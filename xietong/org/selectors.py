"""Reads of the organisation, always through the permission filter."""

from __future__ import annotations

from dataclasses import dataclass, field

from django.db.models import Count, Q, QuerySet

from xietong.core import clock
from xietong.org.models import Absence, Department, Person, Project
from xietong.org.tree import DepartmentTree


@dataclass
class OrgTreeRow:
    department: Department
    depth: int
    visible_members: list[Person] = field(default_factory=list)
    member_count: int = 0


def org_tree_rows(user) -> list[OrgTreeRow]:
    """The department tree in display order, with the members `user` may see in each department."""
    tree = DepartmentTree.load()
    departments = Department.objects.select_related("head", "division_leader").annotate(n=Count("members")).in_bulk()
    people: dict[int, list[Person]] = {}
    for person in person_list(user).filter(is_active=True).exclude(department=None):
        if person.department_id is not None:
            people.setdefault(person.department_id, []).append(person)
    rows: list[OrgTreeRow] = []

    def walk(node, depth: int) -> None:
        dept = departments[node.id]
        rows.append(OrgTreeRow(dept, depth, people.get(node.id, []), dept.n))  # type: ignore[attr-defined]
        for child in node.children:
            walk(child, depth + 1)

    for root in tree.roots:
        walk(root, 0)
    return rows


def person_list(user) -> QuerySet[Person]:
    return Person.objects.restrict(user).select_related("department").order_by("department__sort_order", "username")


def project_list(user) -> QuerySet[Project]:
    return Project.objects.restrict(user).select_related("department", "lead").annotate(member_count=Count("members"))


def project_members(project: Project) -> QuerySet[Person]:
    return Person.objects.filter(memberships__project=project).select_related("department").order_by("username")


def absence_people(person: Person):
    """Whose absences `person` may set: themselves and the members of the departments they head."""
    from xietong.org.tree import DepartmentTree

    led = DepartmentTree.load().led_by(person.pk)
    return (
        Person.objects.filter(Q(pk=person.pk) | Q(department_id__in=led), is_active=True)
        .select_related("department")
        .order_by("department__sort_order", "name")
    )


def absence_lists(person: Person, people) -> dict[str, list]:
    """Absences that are not over: set for the people `person` manages, and those where they stand in."""
    now = clock.now()
    live = Q(cancelled_at__isnull=True) & (Q(ends_at__isnull=True) | Q(ends_at__gt=now))
    rows = Absence.objects.filter(live).select_related("person", "stand_in", "set_by").order_by("starts_at", "pk")
    return {
        "managed": list(rows.filter(person__in=people)),
        "standing_in": list(rows.filter(stand_in=person)),
    }


def project_pickable(actor: Person, project: Project) -> tuple[QuerySet[Person], set[int]]:
    """Who `actor` may name on `project`'s work: its members and lead, and — when `actor` heads a department
    — the members of that department, who join the project when chosen (org.services.project_members_admit).
    Returns the people and the ids of those who would join."""
    from xietong.org.tree import DepartmentTree

    members = set(project.memberships.values_list("person_id", flat=True)) | {project.lead_id}
    led = DepartmentTree.load().led_by(actor.pk)
    people = (
        Person.objects.filter(Q(pk__in=members) | Q(department_id__in=led), is_active=True)
        .select_related("department")
        .order_by("department__sort_order", "name")
    )
    joining = set(people.filter(department_id__in=led).exclude(pk__in=members).values_list("pk", flat=True))
    return people, joining
