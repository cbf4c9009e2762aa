"""Starting an item of a designed process: who may start it, its values checked on the server against the
version it starts on, numbered, audited, and — when submitted — its first step taken in the same transaction."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db import transaction
from django.utils.translation import gettext as _

from xietong.core.audit import audit_record
from xietong.core.errors import ApplicationError, NotFound
from xietong.designer.models import DefinitionVersion, DesignedItem, ProcessDefinition
from xietong.designer.schema import Definition, clean, parse
from xietong.items.numbering import number_next
from xietong.items.runner import run_step
from xietong.org.models import Department, Person, Project


def may_start(person: Any, definition: Definition) -> bool:
    starters = definition.starters
    if starters.get("everyone"):
        return True
    if person.username in (starters.get("people") or []):
        return True
    department = getattr(person, "department", None)
    codes = set(starters.get("departments") or [])
    while department is not None and codes:
        if department.code in codes:
            return True
        department = department.parent
    from xietong.org.roles import roles_of

    return bool({str(r.value) for r in roles_of(person)} & set(starters.get("roles") or []))


def _exists_for(person: Any) -> Any:
    def exists(kind: str, pks: list[Any]) -> list[Any]:
        if kind in ("person", "people"):
            return list(Person.objects.filter(pk__in=pks, is_active=True).values_list("pk", flat=True))
        if kind in ("department", "departments"):
            return list(Department.objects.filter(pk__in=pks).values_list("pk", flat=True))
        if kind == "project":
            return list(Project.objects.restrict(person).filter(pk__in=pks).values_list("pk", flat=True))
        return []

    return exists


def working_days_for(person: Any) -> Any:
    """Working days between two dates inclusive, on the person's calendar (holidays out, 调休 in)."""
    from xietong.workcal.selectors import clock_calendar, engine_for

    def count(first: dt.date, last: dt.date) -> int:
        engine = engine_for(clock_calendar(owner=person, department=person.department, project=None))
        return len(list(engine.working_days(first, last)))

    return count


def values_checked(definition: Definition, raw: dict[str, Any], person: Any) -> dict[str, Any]:
    cleaned = clean(definition, raw, exists=_exists_for(person), working_days=working_days_for(person))
    if cleaned.errors:
        raise ApplicationError(_("请检查标红的字段"), fields=cleaned.errors)
    return cleaned.values


@transaction.atomic
def designed_item_create(
    *,
    definition: ProcessDefinition,
    actor: Any,
    title: str,
    project: Project | None,
    raw: dict[str, Any],
    chosen: dict[str, list[int]] | None = None,
    submit: bool = True,
) -> DesignedItem:
    """A new item on the definition's newest version; refused at its fields when a value is wrong."""
    version = DefinitionVersion.objects.filter(definition=definition).order_by("-n").first()
    if version is None or not definition.is_active:
        raise NotFound()
    parsed = parse(version.document)
    if not may_start(actor, parsed):
        raise NotFound()
    errors: dict[str, str] = {}
    title = (title or "").strip()
    if not title:
        errors["title"] = _("请填写主题")
    elif len(title) > 120:
        errors["title"] = _("主题不能超过 120 字")
    if project is None or not Project.objects.restrict(actor).filter(pk=project.pk).exists():
        errors["project"] = _("请选择您参与的项目")
    if actor.department_id is None:
        errors["title"] = _("您尚未分配部门，不能发起")
    try:
        values = values_checked(parsed, raw, actor)
    except ApplicationError as error:
        errors.update({k: str(v) for k, v in error.fields.items()})
        values = {}
    chosen = {k: [int(p) for p in v] for k, v in (chosen or {}).items()}
    for step in parsed.steps:
        if step.approvers.get("type") == "chooser" and submit and not chosen.get(step.key):
            errors[f"chooser_{step.key}"] = _("请选择“%(step)s”的审批人") % {"step": step.name}
    if errors:
        raise ApplicationError(_("请检查标红的字段"), fields=errors)
    item = DesignedItem(
        number=number_next(parsed.prefix),
        title=title,
        project=project,
        created_by=actor,
        definition=definition,
        definition_version=version,
        department=actor.department,
        values=values,
        chosen=chosen,
        visibility=parsed.visibility,
    )
    item.save()
    audit_record(
        actor=actor,
        action=f"{definition.key}.create",
        obj=item,
        after={"title": title, "values": values, "version": version.n, "state": item.state},
    )
    if submit:
        item = run_step(actor=actor, item=item, step="submit", fresh=True)
    return item
