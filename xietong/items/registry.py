"""Registering a declared process (in its app's `ready()`): the runner may run it, the guard protects its
state, and its action labels, navigation, workbench section, default limits and clock-driven steps come
with it — without editing a shared file."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from xietong.clocks.models import register_limit_labels, register_process_labels
from xietong.items.guard import guard_model
from xietong.items.process import Process, Step, process_for, remember
from xietong.items.runner import run_step


def register_process(process: Process) -> Process:
    """Make a declared process known: its audit action labels, navigation entry, workbench section and
    default time limits (seeded as policy rows after `migrate`, see items.policies) come with it."""
    from xietong.core.audit import register_actions
    from xietong.core.navigation import register_nav
    from xietong.core.workbench import register_section

    remember(process)
    register_limit_labels({limit.kind: limit.label for limit in process.limits if limit.label})
    register_process_labels({process.key: process.label})
    guard_model(process.model)
    register_actions({f"{process.key}.{s.name}": s.label for s in process.steps if not s.audit_action})
    register_actions(dict(process.action_labels))
    if process.nav is not None:
        register_nav(
            process.nav.label,
            process.nav.url_name,
            url_prefix=process.nav.prefix,
            order=process.nav.order,
            url_args=(process.key,) if process.nav.url_name.startswith("process-") else (),
        )
    from xietong.clocks.handlers import register_clock_handlers

    register_clock_handlers(process.model, requester=_requester(process.requester))
    on_due = {arm.limit: arm.on_due for step in process.steps for arm in step.arms if arm.on_due}
    if on_due:
        register_clock_handlers(process.model, due=_step_on_due(on_due))
    if process.workbench is not None:
        build = process.workbench
        if isinstance(build, str):
            from django.utils.module_loading import import_string

            build = import_string(build)
        register_section(process.workbench_key or process.key, build, order=process.workbench_order)
    return process


def extend_process(process: Process, *steps: Step) -> Process:
    """Steps another app adds to a registered process (a progress update is a step of a task, declared by
    the progress app): run by the same runner, with their audit labels. Call it from that app's `ready()`;
    clock-driven steps (`Arm(on_due=…)`) are not wired for added steps."""
    from xietong.core.audit import register_actions

    process.add_steps(*steps)
    register_actions({f"{process.key}.{s.name}": s.label for s in steps if not s.audit_action})
    return process


def extend_step(
    process: Process,
    step: str,
    *,
    check: Callable[[Any], None] | None = None,
    after: Callable[[Any], None] | None = None,
) -> Process:
    """A refusal or an effect another app adds to a registered process's step (the tasks app's "no
    提交交付 while tasks are unfinished"), run by the runner with the step's own. Call it from `ready()`."""
    process.add_effects(step, check=check, after=after)
    return process


def _requester(field: str) -> Callable[[Any], Any]:
    def requester(item: Any) -> Any:
        return getattr(item, field, None)

    return requester


def _step_on_due(steps: dict[str, str]) -> Callable[[Any, Any], dict[str, Any] | None]:
    """A clock handler: when a limit's own clock runs out, its declared step runs as the system."""

    def handle(clock: Any, subject: Any) -> dict[str, Any] | None:
        name = steps.get(clock.limit)
        if not name or clock.kind != clock.limit:
            return None
        process = process_for(subject)
        if subject.state not in process.get(name).sources:
            return {"step": name, "skipped": subject.state}
        run_step(actor=None, item=subject, step=name)
        return {"step": name}

    return handle
