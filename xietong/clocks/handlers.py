"""What a process does when one of its clocks falls due: handlers registered per model, never looked up
on the model itself (models must not import their services).

Each app registers its handlers in `AppConfig.ready()` from its own `timers.py`:

    register_clock_handlers(Task, due=task_clock_due)

`due(clock, subject)` and `remind(clock, subject)` run inside the firing transaction and return the
details recorded in the clock's audit event, or None to leave the clock to the default behaviour (the
owner is told). `escalation_targets(clock, subject, step)` names who receives an escalation level, or
None for the manager chain; `requester(subject)` names who asked for the item (clocks.ladder skips them). Several handlers may be registered for one model (a process's own, and
the spine's step-driven ones): they are asked in registration order and the first answer wins.
"""

from __future__ import annotations

from collections.abc import Callable
from contextlib import AbstractContextManager, nullcontext
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from django.db import models

if TYPE_CHECKING:
    from xietong.clocks.models import Clock, EscalationStep
    from xietong.org.models import Person

ClockHandler = Callable[["Clock", Any], "dict[str, Any] | None"]
TargetHandler = Callable[["Clock", Any, "EscalationStep"], "Target | None"]
RequesterOf = Callable[[Any], "Person | None"]


@dataclass(frozen=True)
class Target:
    """Who receives one escalation level, and a note when the ladder had to skip an empty rung."""

    people: list[Person]
    role: str
    note: str


@dataclass
class ClockHandlers:
    due: list[ClockHandler] = field(default_factory=list)
    remind: list[ClockHandler] = field(default_factory=list)
    escalation_targets: list[TargetHandler] = field(default_factory=list)
    requester: RequesterOf | None = None


_registry: dict[str, ClockHandlers] = {}


def _label(model: type[models.Model] | str) -> str:
    return model.lower() if isinstance(model, str) else model._meta.label_lower


def register_clock_handlers(
    model: type[models.Model] | str,
    *,
    due: ClockHandler | None = None,
    remind: ClockHandler | None = None,
    escalation_targets: TargetHandler | None = None,
    requester: RequesterOf | None = None,
) -> None:
    """Register what happens when clocks of `model` (a model class or "app_label.Model") fall due.
    Registering the same function twice for a model keeps one copy."""
    handlers = _registry.setdefault(_label(model), ClockHandlers())
    if due is not None and due not in handlers.due:
        handlers.due.append(due)
    if remind is not None and remind not in handlers.remind:
        handlers.remind.append(remind)
    if escalation_targets is not None and escalation_targets not in handlers.escalation_targets:
        handlers.escalation_targets.append(escalation_targets)
    if requester is not None:
        handlers.requester = requester


def handlers_for(subject_type: str) -> ClockHandlers:
    return _registry.get(subject_type, ClockHandlers())


def run_due(clock: Clock, subject: Any) -> dict[str, Any] | None:
    return _first(handlers_for(clock.subject_type).due, clock, subject)


def run_remind(clock: Clock, subject: Any) -> dict[str, Any] | None:
    return _first(handlers_for(clock.subject_type).remind, clock, subject)


def run_escalation_targets(clock: Clock, subject: Any, step: EscalationStep) -> Target | None:
    for handler in handlers_for(clock.subject_type).escalation_targets:
        found = handler(clock, subject, step)
        if found is not None:
            return found
    return None


def run_requester(subject_type: str, subject: Any) -> Person | None:
    """Who asked for `subject` (an escalation never lands on them when the ladder says so)."""
    found = handlers_for(subject_type).requester
    return found(subject) if found is not None else None


def _first(chain: list[ClockHandler], clock: Clock, subject: Any) -> dict[str, Any] | None:
    for handler in chain:
        result = handler(clock, subject)
        if result is not None:
            return result
    return None


# How a firing tells people: the notify app, which sits above clocks, registers its `notify` here, and
# with it a batch scope (a context manager) within which `later` plans messages that the scope's end
# writes in bulk — a batch of firings.
_notifier: Callable[..., Any] | None = None
_later: Callable[..., Any] | None = None
_batch_scope: Callable[[], AbstractContextManager[Any]] | None = None


def register_notifier(
    notifier: Callable[..., Any],
    *,
    later: Callable[..., Any] | None = None,
    batch: Callable[[], AbstractContextManager[Any]] | None = None,
) -> None:
    global _notifier, _later, _batch_scope
    _notifier = notifier
    _later, _batch_scope = later, batch


def notify_people(**message: Any) -> None:
    if _notifier is None:
        raise RuntimeError("no notifier registered (the notify app registers it in ready())")
    (_later or _notifier)(**message)


def notify_batch() -> AbstractContextManager[Any]:
    """The notifier's batch scope: messages told within it are written together when it ends."""
    return _batch_scope() if _batch_scope is not None else nullcontext()
