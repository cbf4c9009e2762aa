"""The workbench's 待我审批 section: the open approval tasks of designed processes waiting on a person."""

from __future__ import annotations

from typing import Any

from django.urls import reverse
from django.utils.translation import gettext as _

from xietong.core.workbench import WorkbenchEntry, WorkbenchSection
from xietong.designer.models import ApprovalTask, ItemState, TaskState


def waiting_on(person: Any) -> Any:
    return (
        ApprovalTask.objects.filter(person=person, status=TaskState.OPEN, item__state=ItemState.RUNNING)
        .select_related("item", "item__definition", "item__created_by")
        .order_by("created_at", "pk")
    )


def section(person: Any) -> WorkbenchSection | None:
    tasks = [t for t in waiting_on(person)[:20] if t.step == t.item.step and t.round == t.item.round]
    if not tasks:
        return None
    return WorkbenchSection(
        key="designer",
        title=_("待我审批"),
        entries=[
            WorkbenchEntry(
                title=f"{t.item.number} {t.item.title}",
                url=t.item.get_absolute_url(),
                meta=t.item.definition.name,
            )
            for t in tasks
        ],
        more_url=reverse("designer-approvals"),
    )
