"""How a person's roles translate into what is within their reach (see core.permissions)."""

from __future__ import annotations

from xietong.core.permissions import Reach
from xietong.org.models import Person, Project, ProjectMembership
from xietong.org.tree import DepartmentTree


def compute_reach(person: Person) -> Reach:
    tree = DepartmentTree.load()
    led = frozenset(tree.led_by(person.pk))
    project_ids = set(ProjectMembership.objects.filter(person_id=person.pk).values_list("project_id", flat=True))
    project_ids |= set(Project.objects.filter(lead_id=person.pk).values_list("pk", flat=True))
    if led:
        project_ids |= set(Project.objects.filter(department_id__in=led).values_list("pk", flat=True))
    return Reach(
        person_id=person.pk,
        sees_all=bool(person.is_superuser or person.is_general_manager or person.is_coordinator),
        is_admin=bool(person.is_staff or person.is_superuser),
        department_id=person.department_id,
        led_department_ids=led,
        project_ids=frozenset(project_ids),
    )
