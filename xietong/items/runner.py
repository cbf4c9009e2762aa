"""The one way an item's state changes: `run_step` executes a declared step of its process.

In one transaction: lock the row (through the permission filter), check the version the person saw, the
state and who may act (a stand-in may take an absent person's step), the reason (one length rule for
all) and the process's own checks; then stamp, move, save, record one audit event, settle and arm the
clocks, and queue the messages. Saving a changed `state` anywhere else is refused (see `state_guard`).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from django.db import models, transaction
from django.utils.translation import gettext as _

from xietong.clocks.services import clock_arm, clock_cancel, clock_satisfy, policy_for
from xietong.clocks.wording import due_text, policy_limit_text
from xietong.core import clock
from xietong.core.audit import audit_record
from xietong.core.errors import ApplicationError, Conflict, Forbidden
from xietong.core.permissions import access_locked
from xietong.items.guard import state_writes_allowed
from xietong.items.plain_wording import refuse_vague, sends, vague_step_errors
from xietong.items.process import (
    ALL_LIMITS,
    REASON_MAX_LENGTH,
    Process,
    Step,
    StepContext,
    process_for,
    refusal,
)
from xietong.notify.services import notify
from xietong.org.standins import represented_by


@transaction.atomic
def run_step(
    *,
    actor: Any,
    item: Any,
    step: str,
    reason: str = "",
    inputs: Mapping[str, Any] | None = None,
    expected_version: int | None = None,
    as_system: bool = False,
    fresh: bool = False,
) -> Any:
    """Take `step` on `item` as `actor` and return the item as saved.

    `actor` None, or `as_system`, is the system or another process acting (a clock ran out, a breakdown
    was published): no permission or "who" check, and the step may be one people are never offered.
    `fresh`: `item` was created by `actor` in this very transaction, so no one else can hold or see it
    and it is not read again; its version stays the one it was created with (no one saw an earlier one).
    """
    process = process_for(item)
    definition = process.get(step)
    system = actor is None or as_system
    locked = item if fresh else _lock(process, actor, item.pk, system=system)
    version = process.version_field
    if expected_version is not None and version and getattr(locked, version) != expected_version:
        raise Conflict()
    process.check_state(locked, definition)
    acting_for = None if system else _principal(definition, actor, locked)
    ctx = StepContext(
        process=process,
        step=definition,
        item=locked,
        actor=actor,
        acting_for=acting_for,
        reason=_reason(definition, reason),
        inputs=dict(inputs or {}),
        now=clock.now(),
        before_state=locked.state,
        target=definition.target,
    )
    if sends(process, definition):
        refuse_vague(locked)  # plain wording, for every process (items.plain_wording)
    if not system and (vague := _vague_texts(ctx)):
        raise ApplicationError(_("内容过于模糊：%(e)s") % {"e": "；".join(vague.values())}, fields=vague)
    for check in process.checks(definition):
        check(ctx)
    with state_writes_allowed():
        _apply(ctx)
        _save(ctx, new_version=not fresh)
    _audit(ctx)
    _settle_clocks(ctx)
    for after in process.afters(definition):
        after(ctx)
    _tell(ctx)
    return locked


def _lock(process: Process, actor: Any, pk: Any, *, system: bool) -> Any:
    queryset = process.model._default_manager.select_related(*process.related)
    if system:
        return queryset.select_for_update(of=("self",)).get(pk=pk)
    return access_locked(actor, queryset, pk)


def _principal(step: Step, actor: Any, item: Any) -> Any:
    """None when the actor may take the step; the absent person they stand in for; else refused."""
    if not step.system:
        if step.who(actor, item):
            return None
        for person in represented_by(actor):
            if step.who(person, item):
                return person
    raise Forbidden(refusal(step, item))


def _reason(step: Step, reason: str) -> str:
    reason = (reason or "").strip()
    field = step.reason.field if step.reason is not None else "reason"
    if step.reason is not None and step.reason.required and not reason:
        missing = step.reason.missing or _("请填写%(label)s") % {"label": step.reason.label}
        raise ApplicationError(fields={field: str(missing)})
    if len(reason) > REASON_MAX_LENGTH:
        raise ApplicationError(
            fields={field: _("%(label)s不能超过 %(n)d 字") % {"label": _reason_label(step), "n": REASON_MAX_LENGTH}}
        )
    return reason


def _vague_texts(ctx: StepContext) -> dict[str, str]:
    """A person's reason and texts given to a step are plain too (items.plain_wording)."""
    field = ctx.step.reason.field if ctx.step.reason is not None else "reason"
    return vague_step_errors(ctx.item, field, _reason_label(ctx.step), ctx.reason, ctx.inputs)


def _reason_label(step: Step) -> str:
    return str(step.reason.label) if step.reason is not None else _("说明")


def _has(model: type[models.Model], name: str) -> bool:
    try:
        model._meta.get_field(name)
    except Exception:
        return False
    return True


def _apply(ctx: StepContext) -> None:
    step, item, now = ctx.step, ctx.item, ctx.now
    for name in step.stamps:
        setattr(item, name, now)
        ctx.changed.add(name)
    for name in step.stamps_once:
        if getattr(item, name) is None:
            setattr(item, name, now)
            ctx.changed.add(name)
    for name in step.clears:
        field = type(item)._meta.get_field(name)
        setattr(item, name, None if field.null else "")
        ctx.changed.add(name)
    if step.reason is not None and step.reason.keep_in:
        setattr(item, step.reason.keep_in, ctx.reason)
        ctx.changed.add(step.reason.keep_in)
    if step.apply is not None:
        step.apply(ctx)
    if ctx.target is not None:
        if ctx.target not in ctx.process.state_labels:
            raise ValueError(f"{ctx.process.key}.{step.name}: unknown state {ctx.target!r}")
        item.state = ctx.target
        if ctx.process.state(ctx.target).closed and _has(type(item), "closed_at"):
            item.closed_at = now
            ctx.changed.add("closed_at")


def _save(ctx: StepContext, *, new_version: bool = True) -> None:
    item, model, version = ctx.item, type(ctx.item), ctx.process.version_field
    fields = {"state", *ctx.changed}
    if new_version and version and _has(model, version):
        setattr(item, version, getattr(item, version) + 1)
        fields.add(version)
    if _has(model, "updated_at"):
        item.updated_at = ctx.now
        fields.add("updated_at")
    item.save(update_fields=sorted(fields))


def _audit(ctx: StepContext) -> None:
    records_state, key = ctx.step.records_state, ctx.process.audit_key
    after: dict[str, Any] = {key: ctx.item.state} if records_state else {}
    if ctx.reason:
        after["reason"] = ctx.reason
    if ctx.acting_for is not None:
        after["acting_for"] = ctx.acting_for.pk
        after["acting_for_name"] = ctx.acting_for.display_name
    after.update(ctx.details)
    audit_on = ctx.step.audit_on or ctx.process.audit_on  # the step's own choice first
    audit_record(
        actor=ctx.actor,
        action=ctx.step.audit_action or f"{ctx.process.key}.{ctx.step.name}",
        obj=audit_on(ctx.item) if audit_on is not None else ctx.item,
        before=({key: ctx.before_state} if records_state else {}) | ctx.was or None,
        after=after,
    )


def _settle_clocks(ctx: StepContext) -> None:
    step, item, now = ctx.step, ctx.item, ctx.now
    for limit in step.satisfies:
        clock_satisfy(subject=item, limit=limit, at=now)
    note = str(step.label)
    for limit in step.cancels:
        clock_cancel(subject=item, limit=None if limit == ALL_LIMITS else limit, note=note)
    for arm in step.arms:
        if arm.when is not None and not arm.when(ctx):
            continue
        due_at = arm.due_at(ctx) if arm.due_at is not None else None
        armed = clock_arm(
            subject=item,
            process=arm.process or ctx.process.key,
            limit=arm.limit,
            priority=arm.priority(item) if arm.priority is not None else "*",
            owner=arm.owner(item),
            department=arm.department(item) if arm.department is not None else None,
            project=getattr(item, "project", None),
            start=arm.start(ctx) if arm.start is not None else now,
            due_at=due_at,
        )
        if armed is not None:
            ctx.clocks[arm.limit] = armed


def _people(found: Iterable[Any]) -> list[Any]:
    people, seen = [], set()
    for person in found:
        if person is not None and person.pk not in seen:
            seen.add(person.pk)
            people.append(person)
    return people


def message_values(ctx: StepContext, limit: str = "") -> dict[str, Any]:
    """What a step's message texts may name: the item, who acted, why, and the limit it started."""
    values: dict[str, Any] = {
        "label": ctx.label,
        "actor": ctx.actor.display_name if ctx.actor is not None else _("系统"),
        "reason": ctx.reason,
        "state": ctx.process.state_labels.get(ctx.item.state, ctx.item.state),
        "action": ctx.step.label,
    }
    if limit:
        armed = ctx.clocks.get(limit)
        priority = next((a.priority(ctx.item) for a in ctx.step.arms if a.limit == limit and a.priority), "*")
        values["limit"] = policy_limit_text(policy_for(ctx.process.key, limit, priority))
        if armed is None:
            from xietong.clocks.selectors import open_clock

            armed = open_clock(ctx.item, limit)
        values["due"] = due_text(armed.limit_due_at) if armed is not None else ""
    return values


def _tell(ctx: StepContext) -> None:
    item = ctx.item
    about = ctx.process.message_on(item) if ctx.process.message_on is not None else item
    url = about.get_absolute_url() if hasattr(about, "get_absolute_url") else ""
    for tell in ctx.step.tells:
        if tell.when is not None and not tell.when(ctx):
            continue
        recipients = _people(tell.to(ctx))
        if not recipients:
            continue
        values = message_values(ctx, tell.limit)
        if tell.params is not None:
            values.update(tell.params(ctx))
        urgency = tell.urgency(item) if callable(tell.urgency) else tell.urgency
        notify(
            recipients=recipients,
            kind=tell.kind,
            title=str(tell.title) % values,
            body=(str(tell.body) % values) if tell.body else "",
            url=f"{url}#{tell.anchor}" if tell.anchor else url,
            subject=about,
            urgency=urgency,
            department=tell.department(ctx) if tell.department is not None else None,
        )
