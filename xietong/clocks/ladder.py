"""Who one escalation level reaches, and who else hears about a clock.

The ladder names a role per level (部门负责人 → 分管领导 → 总经理, 综合管理部协调人, a named person). The person
holding it may be unable to take it; the ladder's rules decide what then happens (as Feishu's approval has
them), and the escalation's note says what was done:

- the person is on leave (org.Absence): their stand-in receives it, or the level skips up one rung;
- nobody holds the role (a department without a head, a deactivated person): up one rung, and when every
  rung is empty the coordinating office (综合管理部协调人) — or the coordinating office at once;
- the person is the one who asked for the item (the requester): skipped, up one rung;
- the person already received the level below: not told twice, up one rung.
The clock's owner never receives their own escalation.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from django.utils.translation import gettext as _

from xietong.clocks.handlers import Target, run_escalation_targets, run_requester
from xietong.clocks.models import (
    Clock,
    Dedupe,
    Escalation,
    EscalationLadder,
    EscalationStep,
    StepTarget,
    WhenAbsent,
    WhenRequester,
    WhenVacant,
)
from xietong.core.memo import memoized
from xietong.org.models import Person
from xietong.org.roles import ChainRung, manager_chain
from xietong.org.standins import current_absence

_STARTS = {StepTarget.DEPARTMENT_HEAD: 1, StepTarget.DIVISION_LEADER: 2, StepTarget.GENERAL_MANAGER: 3}


@dataclass
class _Walk:
    """The rules of one ladder applied to one clock: who may not receive it, and what was skipped."""

    rules: EscalationLadder
    owner_id: int | None
    requester_id: int | None
    previous_id: int | None
    notes: list[str] = field(default_factory=list)
    told_already: bool = False  # a rung was skipped because its person received the level below

    def receiver(self, person: Person) -> Person | None:
        """`person`, their stand-in, or None (skipped, with the reason in the notes)."""
        if person.pk == self.owner_id:
            return None
        if self.rules.when_requester == WhenRequester.SKIP and person.pk == self.requester_id:
            self.notes.append(_("%(name)s 为发起人本人，已跳过") % {"name": person.display_name})
            return None
        if self.rules.dedupe == Dedupe.CONSECUTIVE and person.pk == self.previous_id:
            self.notes.append(_("%(name)s 已收到上一级升级，不重复通知") % {"name": person.display_name})
            self.told_already = True
            return None
        absence = current_absence(person)
        if absence is None:
            return person
        if self.rules.when_absent == WhenAbsent.STAND_IN:
            stand_in = absence.stand_in
            if stand_in.pk not in (self.owner_id, self.requester_id) and stand_in.pk != self.previous_id:
                self.notes.append(
                    _("%(name)s 休假中，由代理人 %(stand_in)s 接收")
                    % {"name": person.display_name, "stand_in": stand_in.display_name}
                )
                return stand_in
        self.notes.append(_("%(name)s 休假中，已跳过") % {"name": person.display_name})
        return None

    def note(self, ending: str = "") -> str:
        return "；".join(self.notes) + ending


def _rules(clock: Clock) -> EscalationLadder:
    """The clock's ladder, whose fields are the rules; a clock without one follows the defaults."""
    ladder_id = clock.ladder_id
    if not ladder_id:
        return EscalationLadder()
    return memoized(
        ("ladder-rules", ladder_id),
        lambda: EscalationLadder.objects.filter(pk=ladder_id).first() or EscalationLadder(),
    )


def _previous_target(clock: Clock) -> int | None:
    if clock.level <= 1:
        return None
    before = (
        Escalation.objects.filter(
            subject_type=clock.subject_type, subject_id=clock.subject_id, limit=clock.limit, level=clock.level - 1
        )
        .order_by("-pk")
        .values_list("target_id", flat=True)
        .first()
    )
    return before


def _coordinators() -> list[Person]:
    return list(Person.objects.filter(is_coordinator=True, is_active=True).order_by("pk"))


def _to_coordinators(walk: _Walk, role: str) -> Target:
    people = _receivers(walk, _coordinators())
    if people:
        return Target(people, StepTarget.COORDINATORS, walk.note(_("，已交综合管理部协调人")))
    return Target([], role, walk.note(_("，无人可升级")))


def _receivers(walk: _Walk, people: Iterable[Person]) -> list[Person]:
    found: list[Person] = []
    for person in people:
        receiver = walk.receiver(person)
        if receiver is not None and receiver not in found:
            found.append(receiver)
    return found


def _vacant(rung: ChainRung) -> str:
    return rung.note or _("%(role)s空缺") % {"role": rung.role_label}


def _climb(walk: _Walk, rungs: list[ChainRung], role: str) -> Target:
    for rung in rungs:
        if rung.person is None:
            walk.notes.append(_vacant(rung))
            if walk.rules.when_vacant == WhenVacant.COORDINATORS:
                return _to_coordinators(walk, role)
            continue
        receiver = walk.receiver(rung.person)
        if receiver is not None:
            ending = _("，已升级至%(role)s") % {"role": rung.role_label} if walk.notes else ""
            if receiver.pk != rung.person.pk:
                ending = ""
            return Target([receiver], str(rung.role), walk.note(ending))
    if walk.told_already:  # the one above already has it: nobody new to tell
        return Target([], role, walk.note())
    return _to_coordinators(walk, role)


def _walk(clock: Clock, subject: Any) -> _Walk:
    return _Walk(
        rules=_rules(clock),
        owner_id=clock.owner_id,
        requester_id=_pk(run_requester(clock.subject_type, subject)) if subject is not None else None,
        previous_id=_previous_target(clock),
    )


def ladder_target(clock: Clock, step: EscalationStep, subject: Any = None) -> Target:
    """Who receives this escalation level of `clock` (on `subject`), with a note when a rule applied."""
    walk = _walk(clock, subject)
    named = run_escalation_targets(clock, subject, step) if subject is not None else None
    if named is not None:  # the process names its own recipients (a dispute: both divisions' leaders)
        people = _receivers(walk, named.people)
        return Target(people, named.role, "；".join(filter(None, [named.note, walk.note()])))
    return _step_target(walk, step, owner=clock.owner, department=clock.department)


def department_target(clock: Clock, step: EscalationStep, subject: Any, department: Any) -> Target:
    """This level of `clock` climbing the manager chain of `department` (a process naming its own)."""
    walk = _walk(clock, subject)
    walk.owner_id = None
    return _step_target(walk, step, owner=None, department=department)


def _step_target(walk: _Walk, step: EscalationStep, *, owner: Any, department: Any) -> Target:
    if step.target == StepTarget.PERSON:
        person = step.person if step.person is not None and step.person.is_active else None
        if person is None:
            walk.notes.append(_("指定人员已停用"))
            return _to_coordinators(walk, StepTarget.PERSON)
        people = _receivers(walk, [person])
        return Target(people, StepTarget.PERSON, walk.note()) if people else _to_coordinators(walk, StepTarget.PERSON)
    if step.target == StepTarget.COORDINATORS:
        people = _receivers(walk, _coordinators())
        return Target(people, StepTarget.COORDINATORS, walk.note() if people else _("未设综合管理部协调人"))
    chain = manager_chain(owner, department=department)
    return _climb(walk, chain[_STARTS[StepTarget(step.target)] - 1 :], step.target)


def _pk(person: Any) -> int | None:
    return getattr(person, "pk", None)


def with_stand_ins(people: Iterable[Person]) -> list[tuple[Person, Person]]:
    """(stand-in, absent person) for each of `people` away right now: a clock they own reaches both."""
    pairs: list[tuple[Person, Person]] = []
    for person in people:
        absence = current_absence(person)
        if absence is not None and absence.stand_in_id != person.pk:
            pairs.append((absence.stand_in, person))
    return pairs
