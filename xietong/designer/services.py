"""Saving, publishing, importing and exporting definitions — audited, checked before anything is stored."""

from __future__ import annotations

import json
from typing import Any

import yaml
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils.translation import gettext as _

from xietong.clocks.durations import duration_text
from xietong.core import clock
from xietong.core.audit import audit_record
from xietong.core.errors import ApplicationError, Conflict, Forbidden, NotFound
from xietong.core.permissions import CHANGE, can
from xietong.designer.models import ApproverGroup, DefinitionVersion, ProcessDefinition
from xietong.designer.schema import Definition, DefinitionError, parse
from xietong.items.numbering import BUILT_IN_PREFIXES
from xietong.org.models import Person
from xietong.workcal.engine import parse_duration


def may_design(person: Any) -> bool:
    """Administrators and the coordinating office build processes."""
    return bool(person.is_staff or person.is_superuser or getattr(person, "is_coordinator", False))


def prefix_holder(prefix: str, key: str) -> str | None:
    """Why items of definition `key` cannot be numbered `prefix`-2026-0001: a built-in process numbers with it,
    or another definition does (its published prefix, or one of its versions' before), or None."""
    if prefix in BUILT_IN_PREFIXES:
        return _("编号前缀“%(prefix)s”已由系统自带的“%(name)s”使用，请换一个") % {
            "prefix": prefix,
            "name": BUILT_IN_PREFIXES[prefix],
        }
    other = (
        ProcessDefinition.objects.exclude(key=key)
        .filter(Q(prefix=prefix) | Q(versions__document__prefix=prefix))
        .order_by("pk")
        .first()
    )
    if other is not None:
        return _("编号前缀“%(prefix)s”已由流程“%(name)s”使用，请换一个") % {"prefix": prefix, "name": other.name}
    return None


def refusals(definition: Definition) -> list[tuple[str, str]]:
    """What keeps a definition that parses from ever finishing here: a number prefix another process numbers
    with, approvers nobody fills."""
    problems: list[tuple[str, str]] = []
    if definition.prefix and (holder := prefix_holder(definition.prefix, definition.key)):
        problems.append(("prefix", holder))
    for n, step in enumerate(definition.steps):
        approvers, path = step.approvers, f"steps[{n}].approvers"
        kind = approvers.get("type")
        if kind == "people":
            names = list(approvers.get("people") or [])
            found = set(Person.objects.filter(username__in=names, is_active=True).values_list("username", flat=True))
            missing = [name for name in names if name not in found]
            if missing:
                problems.append((f"{path}.people", _("人员“%(names)s”不存在或已停用") % {"names": "、".join(missing)}))
        elif kind == "role" and approvers.get("group"):
            group = ApproverGroup.objects.filter(code=approvers["group"]).first()
            if group is None:
                problems.append((f"{path}.group", _("审批组“%(code)s”不存在") % {"code": approvers["group"]}))
            elif not group.members.filter(is_active=True).exists():
                problems.append(
                    (f"{path}.group", _("审批组“%(name)s”没有在职成员：此步骤将无人审批") % {"name": group.name})
                )
        elif (kind == "role" and approvers.get("role") == "general_manager") or kind == "general_manager":
            if not Person.objects.filter(is_general_manager=True, is_active=True).exists():
                problems.append((path, _("尚未设置总经理：此步骤将无人审批")))
        elif (
            kind == "role"
            and approvers.get("role") == "coordinator"
            and not Person.objects.filter(is_coordinator=True, is_active=True).exists()
        ):
            problems.append((path, _("尚未设置综合管理部协调人：此步骤将无人审批")))
        problems += _late_reminders(step.limit, f"steps[{n}].limit") if step.limit is not None else []
    return problems


def _late_reminders(limit: Any, path: str) -> list[tuple[str, str]]:
    """A reminder 「到期前」 that comes at or before the task is given (1 个工作小时 with 到期前 10 天) reminds of
    nothing: refused at the reminder — the step's and each rule's (whose own reminder, or the step's, applies)."""
    found = []
    for where, duration, remind in (
        (path, limit.duration, limit.remind_before),
        *(
            (f"{path}.rules[{n}]", rule.duration, rule.remind_before or limit.remind_before)
            for n, rule in enumerate(limit.rules)
        ),
    ):
        if remind and duration and _not_shorter(remind, duration):
            found.append(
                (
                    f"{where}.remind_before",
                    _("到期前提醒（%(remind)s）应短于时限（%(limit)s），否则一收到任务就已到提醒时间")
                    % {"remind": duration_text(remind, "wall"), "limit": duration_text(duration, limit.mode)},
                )
            )
    return found


def _not_shorter(remind: str, duration: str) -> bool:
    """Whether `remind` is plainly not shorter than `duration` (days compared first: a working day's length
    depends on the calendar, so 8 hours against 1 working day is left alone)."""
    try:
        a, b = parse_duration(remind), parse_duration(duration)
    except ValueError:
        return False
    if b.days and not a.days:
        return False  # hours against working days: how long a day is, the calendar says
    return (a.days, a.minutes) >= (b.days, b.minutes)


def checked(document: Any) -> Definition:
    """The definition, or ApplicationError with every reason it cannot be published (`problems`)."""
    try:
        definition = parse(document)
    except DefinitionError as error:
        raise _refused(error.problems) from error
    problems = refusals(definition)
    if problems:
        raise _refused(problems)
    return definition


def _refused(problems: list[tuple[str, str]]) -> ApplicationError:
    error = ApplicationError(
        _("流程定义有 %(n)d 处问题，不能发布：%(list)s")
        % {"n": len(problems), "list": "；".join(f"{p}：{m}" if p else m for p, m in problems)},
        fields={path or "document": message for path, message in problems},
    )
    error.problems = problems  # type: ignore[attr-defined]
    return error


@transaction.atomic
def definition_save_draft(
    *,
    actor: Any,
    document: dict[str, Any],
    definition: ProcessDefinition | None = None,
    expected_version: int | None = None,
    new: bool = False,
    origin: str = "",
) -> ProcessDefinition:
    """Keep the editor's work without publishing it (a draft may still be incomplete). With `new`, a key in use
    is refused (KeyTaken) instead of taking that definition's draft; `origin` says in the audit trail where the
    draft came from (a file, the library)."""
    if not may_design(actor):
        raise Forbidden(_("只有系统管理员和综合管理部可以设计流程"))
    key = str(document.get("key") or "").strip()
    name = str(document.get("name") or "").strip() or key
    came_from = {"origin": origin} if origin else {}
    if definition is None:
        if not key:
            raise ApplicationError(fields={"key": _("请填写流程标识")})
        definition = ProcessDefinition.objects.select_for_update().filter(key=key).first()
        if definition is not None and new:
            raise KeyTaken(definition)
        if definition is None:
            definition = ProcessDefinition.objects.create(key=key, name=name[:60], owner=actor, draft=document)
            audit_record(
                actor=actor, action="designer.create", obj=definition, after={"key": key, "name": name, **came_from}
            )
            return definition
    definition = ProcessDefinition.objects.select_for_update().get(pk=definition.pk)
    if expected_version is not None and definition.version != expected_version:
        raise Conflict()
    if key and key != definition.key:
        raise ApplicationError(fields={"key": _("流程标识发布后不能修改")})
    definition.draft = document
    if not definition.versions.exists():
        # A published process keeps its published name (the lists, 待我审批, the workbench show it) until the next
        # version is published: a draft renamed — or its name cleared, which fell back to the key — is not live.
        definition.name = name[:60]
    definition.version += 1
    definition.updated_at = clock.now()  # when it was last saved (a stale editor says so)
    definition.save(update_fields=["draft", "name", "version", "updated_at"])
    audit_record(actor=actor, action="designer.draft", obj=definition, after={"name": definition.name, **came_from})
    return definition


@transaction.atomic
def definition_publish(*, actor: Any, document: dict[str, Any]) -> DefinitionVersion:
    """Publish `document` as the next version of its definition (created when new). Refused with every
    reason when it could never finish; an unchanged document publishes nothing new."""
    if not may_design(actor):
        raise Forbidden(_("只有系统管理员和综合管理部可以发布流程"))
    parsed = checked(document)
    definition = ProcessDefinition.objects.select_for_update().filter(key=parsed.key).first()
    if definition is None:
        definition = ProcessDefinition.objects.create(key=parsed.key, name=parsed.name, owner=actor, draft=document)
        audit_record(actor=actor, action="designer.create", obj=definition, after={"key": parsed.key})
    current = definition.current
    if current is not None and current.document == dict(parsed.document):
        return current
    n = (current.n if current is not None else 0) + 1
    version = DefinitionVersion.objects.create(
        definition=definition, n=n, document=dict(parsed.document), published_by=actor
    )
    definition.name, definition.draft, definition.prefix = parsed.name, dict(parsed.document), parsed.prefix
    definition.version += 1
    definition.updated_at = clock.now()
    try:
        with transaction.atomic():
            definition.save(update_fields=["name", "draft", "prefix", "version", "updated_at"])
    except IntegrityError as race:  # another publish took the prefix since it was checked (one_definition_per_prefix)
        taken = prefix_holder(parsed.prefix, parsed.key) or _("编号前缀“%(prefix)s”已被使用") % {
            "prefix": parsed.prefix
        }
        raise ApplicationError(taken, fields={"prefix": taken}) from race
    audit_record(
        actor=actor,
        action="designer.publish",
        obj=definition,
        before={"version": current.n} if current is not None else None,
        after={"version": n, "steps": [s.key for s in parsed.steps], "fields": [f.key for f in parsed.fields]},
    )
    from xietong.designer.runtime import install

    install(version.pk)
    return version


def _changeable(actor: Any, definition: ProcessDefinition, expected_version: int | None) -> ProcessDefinition:
    """The definition locked for a change by `actor`: NotFound unless they design and may change it (an owner
    their own, an administrator any), Conflict when it changed since the page was read."""
    locked = (
        ProcessDefinition.objects.restrict(actor, CHANGE)  # type: ignore[attr-defined]
        .select_for_update(of=("self",))
        .filter(pk=definition.pk)
        .first()
    )
    if locked is None or not may_design(actor):
        raise NotFound()
    if expected_version is not None and locked.version != expected_version:
        raise Conflict()
    return locked


def deletion_refusal(definition: ProcessDefinition) -> str:
    """Why `definition` cannot be deleted ("" when it can): only what was never published goes — a published
    process keeps its versions, and its items and their approvals stay on record."""
    items = definition.items.count()
    if items:
        return _("“%(name)s”已有 %(n)d 个事项，不能删除：事项及其审批记录须保留。") % {
            "name": definition.name,
            "n": items,
        }
    if definition.versions.exists():
        return _("“%(name)s”已发布，不能删除：员工可能正在发起，发布过的版本须保留。") % {"name": definition.name}
    return ""


@transaction.atomic
def definition_delete(*, actor: Any, definition: ProcessDefinition, expected_version: int | None = None) -> None:
    """Delete a definition never published (a draft): audited with the draft as it was, so that nothing is lost
    from the record. A published one is refused with the reason (deletion_refusal)."""
    locked = _changeable(actor, definition, expected_version)
    if refusal := deletion_refusal(locked):
        raise ApplicationError(refusal)
    audit_record(
        actor=actor,
        action="designer.delete",
        obj=locked,
        before={"key": locked.key, "name": locked.name, "draft": locked.draft},
    )
    locked.delete()


def pending_changes(definition: ProcessDefinition) -> bool:
    """Whether a published definition has a draft that differs from its newest version (a pending edit)."""
    current = definition.current
    return current is not None and definition.draft != current.document


def discard_refusal(definition: ProcessDefinition) -> str:
    """Why the draft of `definition` cannot be thrown away ("" when it can): there is no published version to
    go back to, or the draft is that version already."""
    if definition.current is None:
        return _("“%(name)s”尚未发布，没有可恢复的版本；不需要时可删除此草稿。") % {"name": definition.name}
    if not pending_changes(definition):
        return _("“%(name)s”没有未发布的修改。") % {"name": definition.name}
    return ""


@transaction.atomic
def definition_discard_draft(
    *, actor: Any, definition: ProcessDefinition, expected_version: int | None = None
) -> DefinitionVersion:
    """Throw away the unpublished changes of a published definition: its draft is its newest version's document
    again (audited with the draft thrown away). Refused when nothing was published or nothing changed."""
    locked = _changeable(actor, definition, expected_version)
    if refusal := discard_refusal(locked):
        raise ApplicationError(refusal)
    current = locked.current
    assert current is not None  # discard_refusal: a published version to go back to
    audit_record(
        actor=actor,
        action="designer.discard",
        obj=locked,
        before={"draft": locked.draft},
        after={"version": current.n},
    )
    locked.draft = dict(current.document)
    locked.version += 1
    locked.updated_at = clock.now()
    locked.save(update_fields=["draft", "version", "updated_at"])
    return current


def export_text(document: dict[str, Any], fmt: str = "json") -> str:
    if fmt == "yaml":
        return yaml.safe_dump(document, allow_unicode=True, sort_keys=False)
    return json.dumps(document, ensure_ascii=False, indent=2)


class KeyTaken(ApplicationError):
    """A definition file's key is another definition's: `definition` is that one."""

    def __init__(self, definition: ProcessDefinition):
        taken = _("流程标识“%(key)s”已被另一个流程使用") % {"key": definition.key}
        super().__init__(taken, fields={"file": taken})
        self.definition = definition


def definition_import(
    *, actor: Any, text: str, origin: str, keep_existing: bool = False, copy: bool = False
) -> ProcessDefinition:
    """A definition file's text as a draft, nothing published: the designer's 导入 (an uploaded file) and its
    模板库 (a file the library ships) both come here. When the file's key is already a definition's, an
    uploaded file replaces that draft if the person may change it; with `keep_existing` the file is refused
    (KeyTaken) and the definition left as it is; with `copy` it becomes a new definition under the first free
    key (key-2, key-3 …), its name marked （2）, its number prefix one no other process uses (copy_prefix)."""
    document = import_text(text)
    key = str(document.get("key") or "").strip()
    existing = ProcessDefinition.objects.filter(key=key).first() if key else None
    if existing is not None and copy:
        document, existing = _as_copy(document), None
    elif existing is not None and (keep_existing or not can(actor, CHANGE, existing)):
        raise KeyTaken(existing)
    return definition_save_draft(
        actor=actor, document=document, definition=existing, new=existing is None, origin=origin
    )


def copy_source(actor: Any, definition: ProcessDefinition) -> dict[str, Any] | None:
    """What `actor` copies of `definition`: the draft as it stands when they may change it (unpublished edits
    included), else the published version (someone else's unpublished work is not theirs to read); None when
    there is nothing they may read."""
    if can(actor, CHANGE, definition) and definition.draft:
        return dict(definition.draft)
    current = definition.current
    return dict(current.document) if current is not None else None


def definition_copy(*, actor: Any, definition: ProcessDefinition) -> ProcessDefinition:
    """复制: a new draft from what `actor` may read of `definition` (copy_source), under the first free key, its
    name marked （n）, a number prefix no process uses — nothing published, the original untouched; audited with
    where it came from."""
    source = copy_source(actor, definition)
    if source is None:
        raise NotFound(_("没有可复制的已发布版本"))
    return definition_save_draft(actor=actor, document=_as_copy(source), new=True, origin=f"copy:{definition.key}")


def _as_copy(document: dict[str, Any]) -> dict[str, Any]:
    """The document under the first n ≥ 2 whose key (key-n) and name (name（n）) no definition has, with a
    number prefix no process numbers with (copy_prefix)."""
    key, name = str(document["key"]), str(document.get("name") or document["key"])

    def named(n: int) -> tuple[str, str]:
        suffix = f"（{n}）"
        return f"{key[: 29 - len(str(n))]}-{n}", name[: 60 - len(suffix)] + suffix

    n = 2
    while ProcessDefinition.objects.filter(Q(key=named(n)[0]) | Q(name=named(n)[1])).exists():
        n += 1
    copy_key, copy_name = named(n)
    return {**document, "key": copy_key, "name": copy_name, "prefix": copy_prefix(str(document.get("prefix") or ""))}


def copy_prefix(prefix: str) -> str:
    """A number prefix for a copy: `prefix` itself when no process numbers with it and no draft names it, else
    the first free of prefix + A, B … Z (BX → BXA), else "" — the editor then asks for one at 编号前缀."""
    if not prefix:
        return ""
    base = prefix[:5]
    for candidate in (prefix, *(f"{base}{chr(c)}" for c in range(ord("A"), ord("Z") + 1))):
        named_by_draft = ProcessDefinition.objects.filter(draft__prefix=candidate).exists()
        if candidate and not named_by_draft and prefix_holder(candidate, key="") is None:
            return candidate
    return ""


def import_text(text: str) -> dict[str, Any]:
    """A definition document from a .json or .yaml file's text (YAML is a superset of JSON)."""
    try:
        document = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        raise ApplicationError(fields={"file": _("文件无法解析（应为 JSON 或 YAML）：%(e)s") % {"e": exc}}) from exc
    if not isinstance(document, dict):
        raise ApplicationError(fields={"file": _("文件内容应为一个流程定义（对象）")})
    return document
