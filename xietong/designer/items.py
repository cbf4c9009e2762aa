"""Starting an item of a designed process: who may start it, its values checked on the server against the
version it starts on, numbered, audited, and — when submitted — its first step taken in the same transaction."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from typing import Any

from django.db import transaction
from django.utils.translation import gettext as _

from xietong.core.audit import audit_record
from xietong.core.errors import ApplicationError, NotFound
from xietong.designer.models import DefinitionVersion, DesignedItem, ProcessDefinition
from xietong.designer.schema import Definition, Earliest, clean, parse
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


def earliest_for(person: Any) -> Any:
    """A lead time's earliest instant (最早：提交后 N 个工作日 / 工作小时 / 天 / 小时) from now: working units on the
    person's calendar (holidays and 调休), as their clocks count; 天 and 小时 in elapsed time."""
    from xietong.clocks.choices import TimeMode
    from xietong.clocks.timebase import timebase
    from xietong.core import clock as time_source
    from xietong.workcal.engine import parse_duration
    from xietong.workcal.selectors import clock_calendar

    def earliest(rule: Earliest) -> dt.datetime:
        working = rule.mode == "working"
        calendar = clock_calendar(owner=person, department=person.department, project=None) if working else None
        base = timebase(TimeMode.WORKING if working else TimeMode.WALL, calendar)
        return base.add(time_source.now(), parse_duration(rule.duration).to_timedelta(base.day_length))

    return earliest


FILE_TYPES = ("attachment", "attachments")


def uploads_checked(
    definition: Definition,
    uploads: Mapping[str, list[Any]],
    have: Mapping[str, Any] | None = None,
    *,
    refused: Mapping[str, str] | None = None,
) -> dict[str, str]:
    """Problems with the files sent for the form's attachment fields (keyed f_<key>): a required field with
    none (counting those already attached, `have`), several for a single one, a file the attachment rules
    refuse (type, size, name: items.services.attachment_problem), or one dropped on arrival for its size
    (`refused`, by form field name)."""
    from xietong.items.services import attachment_problem

    errors: dict[str, str] = {}
    for field in definition.fields:
        if field.type not in FILE_TYPES:
            continue
        name, files = f"f_{field.key}", [f for f in uploads.get(field.key) or [] if f]
        kept = [v for v in _as_list((have or {}).get(field.key)) if v]
        if (refusal := (refused or {}).get(name)) is not None:
            # The file was over the size limit and dropped while it arrived (core.uploads): say so, not "missing".
            errors[name] = _("“%(label)s”：%(problem)s") % {"label": field.label, "problem": refusal}
        elif field.required and not files and not kept:
            errors[name] = _("请上传“%(label)s”") % {"label": field.label}
        elif field.type == "attachment" and len(files) > 1:
            errors[name] = _("“%(label)s”只能上传一个文件") % {"label": field.label}
        for upload in files:
            problem = attachment_problem(upload)
            if problem is not None:
                errors[name] = _("“%(label)s”：%(problem)s") % {"label": field.label, "problem": problem}
                break
    return errors


def _as_list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else ([] if value in (None, "") else [value])


def field_files_attach(
    *, actor: Any, item: DesignedItem, definition: Definition, uploads: Mapping[str, list[Any]]
) -> None:
    """Store the files of the form's attachment fields through the items' attachments (checked, versioned,
    audited, downloaded with the item's permission) and name them in the item's values: a single field
    holds its newest file, a multiple one every file sent so far."""
    from xietong.items.services import attachment_add

    values = dict(item.values or {})
    changed = False
    for field in definition.fields:
        files = [f for f in uploads.get(field.key) or [] if f] if field.type in FILE_TYPES else []
        if not files:
            continue
        try:
            pks = [attachment_add(actor=actor, subject=item, upload=upload).pk for upload in files]
        except ApplicationError as error:
            problem = error.fields.get("file") or error.message
            raise ApplicationError(
                _("请检查标红的字段"),
                fields={f"f_{field.key}": _("“%(label)s”：%(problem)s") % {"label": field.label, "problem": problem}},
            ) from error
        values[field.key] = pks[-1] if field.type == "attachment" else [*_as_list(values.get(field.key)), *pks]
        changed = True
    if changed:
        item.values = values
        item.save(update_fields=["values"])


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
    uploads: Mapping[str, list[Any]] | None = None,
    refused: Mapping[str, str] | None = None,
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
    files = {f.key for f in parsed.fields if f.type in FILE_TYPES}
    raw = {k: (None if k in files else v) for k, v in raw.items()}  # files come as uploads, never as ids
    cleaned = clean(
        parsed,
        raw,
        exists=_exists_for(actor),
        working_days=working_days_for(actor),
        earliest=earliest_for(actor) if submit else None,  # a lead time counts from the submission
    )
    errors.update({k: str(v) for k, v in cleaned.errors.items() if k.removeprefix("f_") not in files})
    values = cleaned.values
    errors.update(uploads_checked(parsed, uploads or {}, refused=refused))
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
    field_files_attach(actor=actor, item=item, definition=parsed, uploads=uploads or {})
    audit_record(
        actor=actor,
        action=f"{definition.key}.create",
        obj=item,
        after={"title": title, "values": values, "version": version.n, "state": item.state},
    )
    if submit:
        item = run_step(actor=actor, item=item, step="submit", fresh=True)
    return item
