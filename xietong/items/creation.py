"""Starting an item of a declared process from its form: numbered, audited, and — when the person submits
rather than saves a draft — its first step taken in the same transaction."""

from __future__ import annotations

from typing import Any

from django.db import transaction
from django.utils.translation import gettext as _

from xietong.core.audit import audit_record, snapshot
from xietong.core.errors import ApplicationError
from xietong.items.numbering import number_next
from xietong.items.process import Process
from xietong.items.runner import run_step
from xietong.org.models import Project


@transaction.atomic
def item_create(*, process: Process, actor: Any, data: dict[str, Any], submit: bool = False) -> Any:
    """A new item of `process` from validated form `data` (title, project and the process's fields)."""
    project = data.get("project")
    if project is None or not Project.objects.restrict(actor).filter(pk=project.pk).exists():
        raise ApplicationError(fields={"project": _("您不是该项目的成员，不能在其中发起")})
    values = {name: data[name] for name in ("title", "project", *process.fields) if name in data}
    item = process.model(number=number_next(process.prefix), created_by=actor, **values)
    item.save()
    audit_record(
        actor=actor,
        action=f"{process.key}.create",
        obj=item,
        after={**snapshot(item, ("title", "project", *process.fields)), "state": getattr(item, "state", "")},
    )
    if submit and process.start_step:
        item = run_step(actor=actor, item=item, step=process.start_step, fresh=True)
    return item
