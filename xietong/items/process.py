"""A process, declared: its states, its steps and what each step does — the company's rule book as data.

A step names where it may be taken from and where it leads, who may take it, the reason it needs, the
times it stamps, the clocks it arms, satisfies or cancels, and the messages it sends. `items.runner`
executes every step the same way (lock, version, guard, apply, save, audit, clocks, messages — in one
transaction); hooks exist only for what cannot be declared (a signature row, a rework loop, a series).
Django-fsm's `@transition` and NetBox's registered views are the models: a process registered in its
app's `ready()` gets its action labels, clock policies, generic transition routes and API for free.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from django.db import models
from django.utils.functional import Promise
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from xietong.core import clock
from xietong.core.errors import Forbidden, InvalidState

Label = Promise | str
Who = Callable[[Any, Any], bool]  # (person, item) → may this person take the step?

# One length rule for every reason a step asks for (修改建议、替代方案、撤回原因 …).
REASON_MAX_LENGTH = 3000
ALL_LIMITS = "*"


@dataclass(frozen=True)
class State:
    """A state with its label and tone in one place; `closed` marks where an item's life ends."""

    code: str
    label: Label
    tone: str = ""  # ok / info / warn / late / muted
    closed: bool = False
    # Nothing waits on anyone in this state, though the item is not closed (not filed in the archive): a
    # task done, a deliverable passed. Not handed over when someone leaves.
    final: bool = False


@dataclass(frozen=True)
class Reason:
    """The reason a step asks for: what the field is called and whether it may stay empty."""

    label: Label
    required: bool = True
    keep_in: str = ""  # the item's field the reason is stored in (e.g. decision_note)
    field: str = "reason"  # the form field it is typed in: its errors are shown there
    missing: Label = ""  # the refusal when it is required and empty (default "请填写<label>")


@dataclass(frozen=True)
class Arm:
    """A time limit the step starts. Its duration, reminder and ladder come from the policy row
    (process, priority, limit); the step says who must act and, where the rule fixes it, the due time."""

    limit: str
    owner: Callable[[Any], Any]  # item → the person who must act
    department: Callable[[Any], Any] | None = None  # item → the department answerable (reports, ladder)
    priority: Callable[[Any], str] | None = None  # item → the policy's priority ("*" when absent)
    due_at: Callable[[StepContext], dt.datetime | None] | None = None  # a fixed due instant
    start: Callable[[StepContext], dt.datetime] | None = None  # default: now
    when: Callable[[StepContext], bool] | None = None
    process: str = ""  # the policy's process when it is not the item's own
    on_due: str = ""  # the (system) step taken when the limit runs out, e.g. "auto_accept"


@dataclass(frozen=True)
class Tell:
    """A message the step sends. Title and body are gettext msgids formatted with: label (number and
    title), actor, reason, state, and — when `limit` names a clock — due (its due instant) and limit
    (its duration as the policy states it, e.g. "2 个工作小时"); `params` adds the process's own."""

    to: Callable[[StepContext], Iterable[Any]]
    title: Label
    body: Label = ""
    kind: str = "assignment"
    urgency: Callable[[Any], str] | str = "normal"
    limit: str = ""
    params: Callable[[StepContext], Mapping[str, Any]] | None = None
    when: Callable[[StepContext], bool] | None = None
    anchor: str = ""  # the part of the item's page the message opens at (#progress)
    department: Callable[[StepContext], Any] | None = None  # whose robots carry it (default: the item's)


@dataclass(frozen=True)
class Step:
    """One step of a process (提交、接收确认、受理 …): from where to where, who, and its effects."""

    name: str
    label: Label
    sources: tuple[str, ...]
    target: str | None  # None: the state stays (a signature, a reminder, an update)
    who: Who
    style: str = ""  # "primary" / "danger" for the button
    reason: Reason | None = None
    stamps: tuple[str, ...] = ()  # datetime fields set to now
    stamps_once: tuple[str, ...] = ()  # set to now only when still empty
    clears: tuple[str, ...] = ()  # fields emptied
    satisfies: tuple[str, ...] = ()  # limits met by this step
    cancels: tuple[str, ...] = ()  # limits that no longer apply (ALL_LIMITS: every open one)
    arms: tuple[Arm, ...] = ()
    tells: tuple[Tell, ...] = ()
    check: Callable[[StepContext], None] | None = None  # refusals that cannot be declared
    apply: Callable[[StepContext], None] | None = None  # effects on the item before it is saved
    after: Callable[[StepContext], None] | None = None  # effects on other rows after the item is saved
    system: bool = False  # taken by the system or another process, never offered as a button
    offered: bool = True  # False: people take it through a form of its own (a progress update), not a button
    audit_action: str = ""  # default "<process>.<step>"
    records_state: bool = True  # False: a step that leaves the state (a reminder) records only its details
    audit_on: Callable[[Any], Any] | None = None  # item → where its event is recorded (default: the process's)
    refusal: Callable[[Any], str] | None = None  # item → why someone may not take it (default: generic)

    @property
    def needs_reason(self) -> bool:
        return self.reason is not None and self.reason.required

    @property
    def asks_reason(self) -> bool:
        return self.reason is not None


@dataclass
class StepContext:
    """What a step's hooks and messages see while it runs."""

    process: Process
    step: Step
    item: Any
    actor: Any  # the person who acts; None for the system
    acting_for: Any = None  # the absent person whose step a stand-in takes
    reason: str = ""
    inputs: dict[str, Any] = field(default_factory=dict)
    now: dt.datetime = field(default_factory=clock.now)
    before_state: str = ""
    target: str | None = None  # where the step leads; an `apply` hook may route to another declared state
    details: dict[str, Any] = field(default_factory=dict)  # added to the audit event's "after"
    was: dict[str, Any] = field(default_factory=dict)  # added to its "before" (a field's old value)
    changed: set[str] = field(default_factory=set)  # further fields of the item to save
    clocks: dict[str, Any] = field(default_factory=dict)  # limit → the clock this step armed
    # What one hook read that a later hook or message of the same step needs again (not recorded): the
    # people a designed step was given to, the tasks an approval decided on.
    known: dict[str, Any] = field(default_factory=dict)

    @property
    def label(self) -> str:
        return f"{self.item.number} {self.item.title}" if hasattr(self.item, "number") else str(self.item)

    @property
    def principal(self) -> Any:
        """Whose step it is: the absent person a stand-in acts for, else the actor."""
        return self.acting_for or self.actor


@dataclass(frozen=True)
class Limit:
    """A default time limit of the process, as the company's document states it (seeded as a policy row
    when missing; an administrator edits it later)."""

    kind: str
    duration: str
    mode: str = "working"
    priority: str = "*"
    remind_before: str = ""
    escalate_after: str = ""
    ladder: str = ""
    rule: str = ""  # what the product does, in short (the policy's 说明)
    label: Label = ""  # what the limit is called when it is not one of clocks.LimitKind (e.g. 审批)
    # Where the company's documents set it (shown as 依据：《source》clause「clause_text」 on every clock):
    source: str = ""  # the document, e.g. "企业沟通与协作流程规范"
    clause: str = ""  # the clause in it, e.g. "二（一）"
    clause_text: str = ""  # its words exactly as in the document, e.g. "需在收到需求后2个工作小时内响应"
    also: str = ""  # another document's different rule for the same thing, and why this one is followed
    # Units as written: "2h"/"1d" in mode "working" are 工作小时/工作日; in mode "wall" they are 小时/天 of
    # elapsed time, whose deadline moves to the next working period's start when it falls outside working
    # hours — unless snap is False (emergencies).
    snap: bool = True
    escalate_mode: str = "working"  # how escalate_after counts (counted from the missed deadline)


@dataclass(frozen=True)
class Nav:
    """The process's entry in the main navigation."""

    label: Label
    url_name: str
    prefix: str
    order: int = 100


@dataclass
class Process:
    """A declared process: register it in the app's `ready()` with `register_process`."""

    key: str  # clock policies and audit actions use it ("request")
    model: type[models.Model]
    label: Label
    states: tuple[State, ...]
    steps: tuple[Step, ...]
    related: tuple[str, ...] = ()  # select_related when a step locks the item
    owners: tuple[str, ...] = ()  # the item's fields naming who must act (handed over when they leave)
    # Items whose "who must act" is not a field of theirs (a designed process's approval tasks): person → a
    # filter of the model's rows that person must still act on (items.handover moves them with HAND_OVER).
    holders: Callable[[Any], Any] | None = None
    requester: str = "created_by"  # the item's field naming who asked for it (escalations skip them)
    limits: tuple[Limit, ...] = ()
    action_labels: Mapping[str, Label] = field(default_factory=dict)  # other audit actions of the process
    id_param: str = ""  # the item's id in routes (default "<key>_id")
    nav: Nav | None = None
    # Generic pages at /p/<key>/ (list, new, detail, steps) for a process without pages of its own:
    prefix: str = ""  # the item number's prefix (YY-2026-0001)
    fields: tuple[str, ...] = ()  # the form's fields besides title and project, in order
    start_step: str = ""  # taken when the form is sent with "提交" (a draft otherwise)
    pages: bool = False
    workbench: Callable[[Any], Any] | str | None = None  # person → WorkbenchSection (or its dotted path)
    workbench_order: int = 100
    workbench_key: str = ""  # the section's key (default: the process key)
    # The object the steps' audit events are recorded on when not the item itself: a secondary record
    # (a breakdown of a request) whose history belongs on its parent's timeline.
    audit_on: Callable[[Any], Any] | None = None
    audit_key: str = "state"  # the key its state is recorded under there (e.g. "minutes" on a meeting)
    message_on: Callable[[Any], Any] | None = None  # item → what its steps' messages link to and are about
    # The item's optimistic-lock field, checked and bumped by every step; "" when the model has none (its
    # `version` may count something else, e.g. a deliverable's V1, V2 — bumped by the step that makes one).
    version_field: str = "version"
    # Pages of its own at /p/<key>/ for a process whose items share one model (a designed process, see
    # xietong.designer): an object with list/new/detail/step views the generic pages hand over to.
    page_views: Any = None
    _states: dict[str, State] = field(init=False, repr=False)
    _steps: dict[str, Step] = field(init=False, repr=False)
    # What other apps add to a declared step (items.registry.extend_step): the tasks app refuses 提交交付 of
    # a request while its tasks are unfinished, without the requests app knowing tasks exist.
    _checks: dict[str, list[Callable[[StepContext], None]]] = field(init=False, repr=False)
    _afters: dict[str, list[Callable[[StepContext], None]]] = field(init=False, repr=False)

    def __post_init__(self) -> None:
        self.id_param = self.id_param or f"{self.key}_id"
        self._states = {s.code: s for s in self.states}
        if self.owners and not any(s.name == HAND_OVER for s in self.steps):
            self.steps = (*self.steps, _hand_over_step(self))
        self._steps = {}
        self._checks, self._afters = {}, {}
        self._add(self.steps)

    def _add(self, steps: Iterable[Step]) -> None:
        for step in steps:
            unknown = [c for c in (*step.sources, step.target) if c is not None and c not in self._states]
            if unknown:
                raise ValueError(f"{self.key}.{step.name}: unknown states {unknown}")
            if step.name in self._steps:
                raise ValueError(f"{self.key}.{step.name}: declared twice")
            self._steps[step.name] = step

    def add_steps(self, *steps: Step) -> None:
        """Steps another app adds to this process (items.registry.extend_process)."""
        self._add(steps)
        self.steps = (*self.steps, *steps)

    def add_effects(
        self,
        name: str,
        *,
        check: Callable[[StepContext], None] | None = None,
        after: Callable[[StepContext], None] | None = None,
    ) -> None:
        """A refusal (`check`, before anything is written) or an effect on other rows (`after`) another app
        adds to the declared step `name`; run after the step's own, in the order added."""
        self.get(name)
        if check is not None:
            self._checks.setdefault(name, []).append(check)
        if after is not None:
            self._afters.setdefault(name, []).append(after)

    def checks(self, step: Step) -> list[Callable[[StepContext], None]]:
        own = [step.check] if step.check is not None else []
        return own + self._checks.get(step.name, [])

    def afters(self, step: Step) -> list[Callable[[StepContext], None]]:
        own = [step.after] if step.after is not None else []
        return own + self._afters.get(step.name, [])

    # --- states ---------------------------------------------------------------------------------------
    @property
    def state_labels(self) -> dict[str, Label]:
        return {s.code: s.label for s in self.states}

    @property
    def tones(self) -> dict[str, str]:
        return {s.code: s.tone for s in self.states}

    @property
    def open_states(self) -> list[str]:
        return [s.code for s in self.states if not (s.closed or s.final)]

    def state(self, code: str) -> State:
        return self._states[code]

    # --- steps ----------------------------------------------------------------------------------------
    @property
    def transitions(self) -> dict[str, Step]:
        return dict(self._steps)

    def get(self, name: str) -> Step:
        try:
            return self._steps[name]
        except KeyError as exc:
            raise InvalidState(_("未知操作：%(name)s") % {"name": name}) from exc

    def check_state(self, item: Any, step: Step) -> None:
        if item.state not in step.sources:
            raise InvalidState(
                _("当前状态为“%(state)s”，不能执行“%(action)s”")
                % {"state": self.state_labels.get(item.state, item.state), "action": step.label}
            )

    def check(self, item: Any, name: str, actor: Any) -> Step:
        """The step, if `actor` may take it on `item` now (stand-ins are the runner's business)."""
        step = self.get(name)
        self.check_state(item, step)
        if step.system or not step.who(actor, item):
            raise Forbidden(refusal(step, item))
        return step

    def available(self, item: Any, actor: Any) -> list[Step]:
        """What `actor` may do to `item` right now (the buttons on its page), stand-ins included."""
        from xietong.org.standins import represented_by

        principals = [actor, *represented_by(actor)]
        return [
            s
            for s in self.steps
            if s.offered and not s.system and item.state in s.sources and any(s.who(p, item) for p in principals)
        ]


def refusal(step: Step, item: Any) -> str:
    """Why someone may not take `step` on `item`: the step's own words, else the generic refusal."""
    if step.refusal is not None:
        return step.refusal(item)
    return _("您不能对此事项执行“%(action)s”") % {"action": step.label}


# --- 移交: every process with owners gets the step that hands an item to a successor --------------------
HAND_OVER = "hand_over"


def _nobody(person: Any, item: Any) -> bool:
    return False


def _hand_over_apply(ctx: StepContext) -> None:
    """Whoever the item names as `from` in its owner fields becomes `to` (people who left, 离职交接)."""
    old, new = ctx.inputs["from"], ctx.inputs["to"]
    moved = []
    for name in ctx.process.owners:
        if getattr(ctx.item, f"{name}_id") == old.pk:
            setattr(ctx.item, name, new)
            ctx.changed.add(name)
            moved.append(name)
    ctx.details.update({"from": old.pk, "from_name": old.display_name, "to": new.pk, "to_name": new.display_name})
    ctx.details["fields"] = moved


def _hand_over_clocks(ctx: StepContext) -> None:
    from xietong.clocks.services import clocks_hand_over

    clocks_hand_over(subject=ctx.item, old=ctx.inputs["from"], new=ctx.inputs["to"])


def _hand_over_step(process: Process) -> Step:
    return hand_over_step(process.open_states)


def hand_over_step(sources: Iterable[str], *, also: Callable[[StepContext], None] | None = None) -> Step:
    """The 移交 step, taken from `sources` (by default every state neither closed nor final: mark a state that
    is history `final=True` rather than listing states here); declare it yourself only for `also`, which
    moves what else names the person (a task's RACI letters)."""

    def after(ctx: StepContext) -> None:
        _hand_over_clocks(ctx)
        if also is not None:
            also(ctx)

    return Step(
        HAND_OVER,
        gettext_lazy("移交"),
        tuple(sources),
        None,
        _nobody,
        system=True,
        apply=_hand_over_apply,
        after=after,
        tells=(
            Tell(
                to=lambda ctx: [ctx.inputs["to"]],
                title=gettext_lazy("【移交】%(label)s"),
                body=gettext_lazy("%(from)s 的待办已移交给您（%(actor)s 办理）。"),
                params=lambda ctx: {"from": ctx.inputs["from"].display_name},
            ),
        ),
    )


_processes: dict[str, Process] = {}
_by_model: dict[str, Process] = {}
# Models whose rows belong to different processes (a designed process's items: one model, a process per
# published version): item → its process. Finders name processes not registered yet (compiled on demand).
_resolvers: dict[str, Callable[[Any], Process]] = {}
_finders: list[Callable[[str], Process | None]] = []


def remember_resolver(model: type[models.Model], resolve: Callable[[Any], Process]) -> None:
    """Rows of `model` say themselves which process they follow (items.process_for asks `resolve`)."""
    _resolvers[model._meta.label_lower] = resolve


def remember_finder(find: Callable[[str], Process | None]) -> None:
    """`find(key)` returns a process not registered yet (e.g. a published definition after a restart)."""
    if find not in _finders:
        _finders.append(find)


def remember(process: Process) -> None:
    """Add `process` to the lookups below (items.registry.register_process does, with what comes with it)."""
    _processes[process.key] = process
    _by_model[process.model._meta.label_lower] = process


def process_for(item_or_model: Any) -> Process:
    model: type[models.Model] = item_or_model if isinstance(item_or_model, type) else type(item_or_model)
    resolve = _resolvers.get(model._meta.label_lower)
    if resolve is not None and not isinstance(item_or_model, type):
        return resolve(item_or_model)
    try:
        return _by_model[model._meta.label_lower]
    except KeyError as exc:
        raise LookupError(f"{model._meta.label_lower} is not a registered process") from exc


def process_named(key: str) -> Process:
    if key not in _processes:
        for find in _finders:
            found = find(key)
            if found is not None:
                return found
    return _processes[key]


def processes() -> list[Process]:
    return list(_processes.values())
