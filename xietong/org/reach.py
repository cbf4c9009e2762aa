"""How a person's roles translate into what is within their reach (see core.permissions)."""

from __future__ import annotations

from django.db.models import Q

from xietong.core.permissions import Reach
from xietong.org.models import Person, Project, ProjectMembership
from xietong.org.tree import DepartmentTree


def compute_reach(person: Person) -> Reach:
    """The person's own reach, with that of the absent colleagues they stand in for right now."""
    from dataclasses import replace

    from xietong.org.standins import represented_by

    own = _own_reach(person)
    represented = tuple(_own_reach(p) for p in represented_by(person))
    return replace(own, represented=represented) if represented else own


def _own_reach(person: Person) -> Reach:
    tree = DepartmentTree.load()
    led = frozenset(tree.led_by(person.pk))
    # One query: projects the person is a member of, leads, or that belong to a department they lead.
    mine = Q(pk__in=ProjectMembership.objects.filter(person_id=person.pk).values("project_id")) | Q(lead_id=person.pk)
    if led:
        mine |= Q(department_id__in=led)
    project_ids = set(Project.objects.filter(mine).order_by().values_list("pk", flat=True))
    return Reach(
        person_id=person.pk,
        sees_all=bool(person.is_superuser or person.is_general_manager or person.is_coordinator),
        is_admin=bool(person.is_staff or person.is_superuser),
        department_id=person.department_id,
        led_department_ids=led,
        project_ids=frozenset(project_ids),
    )
