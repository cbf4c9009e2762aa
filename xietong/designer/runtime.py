"""Designed processes at run time: each published version compiled into a spine Process and registered —
when published, and lazily after a restart (the registry asks `find` for a key it does not know, and an
item's process is the one of the version it started on)."""

from __future__ import annotations

from typing import Any

from django.db.utils import DatabaseError
from django.utils.translation import gettext as _

from xietong.designer.models import DefinitionVersion, DesignedItem, policy_process
from xietong.items.process import Process, process_named, remember, remember_finder, remember_resolver

_compiled: dict[int, Process] = {}  # version pk → its process
_latest: dict[str, int] = {}  # definition key → the pk of its newest version registered
_labels_upto = 0  # the newest version whose step names load_step_labels has registered


def _register(version: DefinitionVersion) -> Process:
    from xietong.clocks.models import register_process_labels, register_step_names
    from xietong.core.audit import register_actions
    from xietong.designer.compile import compile_version
    from xietong.items.guard import guard_model

    process = compile_version(version)
    _compiled[version.pk] = process
    definition = version.definition
    label = f"{definition.name}（第 {version.n} 版）"
    register_process_labels({version.policy_process: label, process.key: definition.name})
    register_step_names(_step_labels(version.document), version.policy_process)
    load_step_labels()  # the other versions' names too: a code two processes name differently is told apart
    register_actions({f"{process.key}.{s.name}": s.label for s in process.steps})
    register_actions(dict(process.action_labels))
    guard_model(DesignedItem)
    if version.pk >= _latest.get(definition.key, 0):
        _latest[definition.key] = version.pk
        remember(process)
    return process


def install(version_pk: int) -> Process:
    """Compile and register a published version (its policies are seeded when missing)."""
    version = DefinitionVersion.objects.select_related("definition").get(pk=version_pk)
    seed_policies(version)
    return _register(version)


def process_of_version(version: DefinitionVersion) -> Process:
    found = _compiled.get(version.pk)
    return found if found is not None else _register(version)


def resolve(item: Any) -> Process:
    """The process an item follows: the one of the version it started on."""
    found = _compiled.get(item.definition_version_id)
    if found is not None:
        return found
    version = DefinitionVersion.objects.select_related("definition").get(pk=item.definition_version_id)
    return _register(version)


def find(key: str) -> Process | None:
    """The newest published version of `key`, compiled (a restart forgets what was registered)."""
    try:
        version = (
            DefinitionVersion.objects.select_related("definition")
            .filter(definition__key=key, definition__is_active=True)
            .order_by("-n")
            .first()
        )
    except DatabaseError:
        return None
    if version is None:
        return None
    if _latest.get(key) == version.pk:
        return _compiled[version.pk]
    return _register(version)


def current_process(key: str) -> Process:
    """The newest version's process for `key` (KeyError when there is none)."""
    found = find(key)
    if found is None:
        return process_named(key)
    return found


def seed_policies(version: DefinitionVersion) -> None:
    """The version's step limits as clock policies `<key>@<n>` (a row that exists is never touched): the
    step's default limit under priority "*", each of its rules by condition under its own priority (when-1,
    when-2 … in their order), with the rule's duration and clause and the step's ladder (and reminder, unless
    the rule has its own). Arming picks the first rule that holds for the item (approver_deadlines)."""
    from xietong.clocks.models import ClockPolicy, EscalationLadder
    from xietong.designer.schema import rule_priority

    for step in version.document.get("steps", []):
        limit = step.get("limit")
        if not limit:
            continue
        ladder = None
        if limit.get("on_timeout") == "escalate":
            ladder = EscalationLadder.objects.filter(code=limit.get("ladder") or "standard").first()
        for n, rule in enumerate([limit, *(limit.get("rules") or [])]):
            ClockPolicy.objects.get_or_create(
                process=version.policy_process,
                priority=rule_priority(n),
                kind=step["key"],
                defaults={
                    **_policy_fields(rule),
                    "remind_before": rule.get("remind_before") or limit.get("remind_before", ""),
                    "ladder": ladder,
                },
            )


def _policy_fields(limit: dict[str, Any]) -> dict[str, Any]:
    from xietong.clocks.choices import TimeMode

    return {
        "duration": limit["duration"],
        # elapsed (小时) is the clocks' wall time; anything else stored would count working time
        "mode": TimeMode.WALL if limit.get("mode") == "elapsed" else TimeMode.WORKING,
        "description": (limit.get("clause") or "")[:200],
        # The step's clause is its clocks' 依据, in every reminder and escalation as for built-in limits;
        # with its document and clause number it reads 依据：《文件》条款「原文」 (clocks.sources).
        "clause_text": (limit.get("clause") or "")[:300],
        "source": str(limit.get("source") or "").strip().strip("《》")[:80],
        "clause": str(limit.get("article") or "").strip()[:40],
        "also": str(limit.get("also") or "").strip()[:300],
    }


def on_due(clock: Any, subject: Any) -> dict[str, Any] | None:
    """A step's own limit ran out: its rule decides — remind (the default notice), escalate (the ladder),
    approve or return (a system step, recorded in the history as such)."""
    if not isinstance(subject, DesignedItem) or clock.kind != clock.limit or subject.step != clock.limit:
        return None
    from xietong.designer.definitions import definition_of
    from xietong.items.runner import run_step

    step = next((s for s in definition_of(subject).steps if s.key == clock.limit), None)
    rule = step.limit.on_timeout if step is not None and step.limit is not None else "remind"
    inputs: dict[str, Any] = {}
    if clock.part:
        # One approver's own clock: the rule applies to their task alone (the others keep their time).
        from xietong.designer.approver_deadlines import part_task_pk
        from xietong.designer.models import OPEN_TASKS, ApprovalTask

        task_pk = part_task_pk(clock.part)
        task = (
            ApprovalTask.objects.filter(
                pk=task_pk, item=subject, step=subject.step, round=subject.round, status__in=OPEN_TASKS
            ).first()
            if task_pk is not None
            else None
        )
        if task is None:
            return None
        inputs = {"task": task.pk}
    if rule == "approve":
        run_step(actor=None, item=subject, step="timeout_approve", inputs=inputs)
        return {"step": "timeout_approve", "rule": str(_("超时自动同意")), **inputs}
    if rule == "return":
        run_step(actor=None, item=subject, step="timeout_return", inputs=inputs)
        return {"step": "timeout_return", "rule": str(_("超时自动退回")), **inputs}
    return None


def register_rule_labels() -> None:
    """A step's limits by condition are its policies' priorities when-1, when-2 …: named in words."""
    from django.utils.text import format_lazy
    from django.utils.translation import gettext_lazy

    from xietong.clocks.models import register_priority_labels
    from xietong.designer.schema import LIMIT_RULES_MAX, rule_priority

    register_priority_labels(
        {
            rule_priority(n): format_lazy(gettext_lazy("按条件的时限（第 {} 条）"), n)
            for n in range(1, LIMIT_RULES_MAX + 1)
        }
    )


def requester_of(item: Any) -> Any:
    return getattr(item, "created_by", None)


def load_step_labels() -> None:
    """The step names of the versions published since the last call, as limit labels (clocks.models.limit_label
    asks for a code it does not know): one query, empty when nothing new was published."""
    global _labels_upto
    from xietong.clocks.models import register_step_names

    for pk, key, n, document in (
        DefinitionVersion.objects.filter(pk__gt=_labels_upto)
        .order_by("pk")
        .values_list("pk", "definition__key", "n", "document")
    ):
        register_step_names(_step_labels(document), policy_process(key, n))
        _labels_upto = pk


def _step_labels(document: dict[str, Any]) -> dict[str, object]:
    return {s["key"]: s["name"] for s in document.get("steps", []) if s.get("limit")}


def connect() -> None:
    """Called from the app's ready(): the registry finds designed processes, items their version's."""
    from xietong.clocks.handlers import register_clock_handlers
    from xietong.clocks.models import register_limit_label_loader
    from xietong.core.workbench import register_section
    from xietong.designer.compile import base_process
    from xietong.designer.workbench import section
    from xietong.items.guard import guard_model

    remember(base_process())
    register_rule_labels()
    remember_resolver(DesignedItem, resolve)
    remember_finder(find)
    guard_model(DesignedItem)
    register_clock_handlers(DesignedItem, due=on_due, requester=requester_of)
    register_limit_label_loader(load_step_labels, DesignedItem._meta.label_lower)
    register_section("designer", section, order=45)
