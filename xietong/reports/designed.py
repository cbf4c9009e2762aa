"""Designed processes in the reports: per process, per step and per approver, how many approvals were on
time or late against the step's limit, and the average time they took in working hours; every count opens
as the list of approvals behind it (the same selection, so the list always has as many lines as the count).

An approval is one approver's task on a step that has a limit (会签: one per approver), within one arming of
the step's clock (a re-submission arms it again). Against the clock's limit due time it is
- on_time: acted (同意、办理、拒绝、退回、转交) by the due time; late: acted after it;
- open_late: still to act and the due time has passed; not judged: still to act within the time.
Hours: working hours (the clock's own calendar) from when the task opened to when it was acted on.
The quarter is the clock's: its limit due time falls in it. People see the figures of the approvers they may
see in reports (everyone: 总经理 and 综合管理部; a department head: their department's people; others: their own).
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass, field

from xietong.clocks.models import Clock
from xietong.clocks.services import timebase
from xietong.core import clock as time_source
from xietong.designer.approver_deadlines import part_task_pk
from xietong.designer.models import ApprovalTask, DesignedItem, ProcessDefinition, TaskState
from xietong.org.models import Person
from xietong.reports.periods import Quarter
from xietong.reports.selectors import Scope, period_clocks, scope_of

HOUR = dt.timedelta(hours=1)
SUBJECT = DesignedItem._meta.label_lower
ACTED = (TaskState.APPROVED, TaskState.DONE, TaskState.REJECTED, TaskState.RETURNED, TaskState.TRANSFERRED)


@dataclass
class Approval:
    task: ApprovalTask
    clock: Clock
    process: str  # the definition's key
    outcome: str  # on_time | late | open_late | ""
    hours: float | None


@dataclass
class StepFigures:
    on_time: int = 0
    late: int = 0
    open_late: int = 0
    hours: list[float] = field(default_factory=list)

    def add(self, approval: Approval) -> None:
        if approval.outcome in ("on_time", "late", "open_late"):
            setattr(self, approval.outcome, getattr(self, approval.outcome) + 1)
        if approval.hours is not None:
            self.hours.append(approval.hours)

    @property
    def judged(self) -> int:
        return self.on_time + self.late + self.open_late

    @property
    def rate(self) -> int | None:
        return round(100 * self.on_time / self.judged) if self.judged else None

    @property
    def average_hours(self) -> float | None:
        return round(sum(self.hours) / len(self.hours), 2) if self.hours else None


@dataclass
class StepRow:
    process: str
    process_name: str
    step: str
    step_name: str
    person: Person | None  # None: the step's total
    figures: StepFigures


def _allowed(scope: Scope, person: Person) -> bool:
    return scope.allows_person(person)


def approvals(user, quarter: Quarter) -> list[Approval]:
    """Every judged-or-running approval on a limited step of a designed process in the quarter that the
    person may see in reports, oldest due first."""
    scope = scope_of(user)
    now = time_source.now()
    clocks = list(
        period_clocks(quarter).filter(subject_type=SUBJECT).select_related("policy").order_by("limit_due_at", "pk")
    )
    armings: dict[tuple[int, str], list[dt.datetime]] = defaultdict(list)
    for row in Clock.objects.filter(
        subject_type=SUBJECT, subject_id__in={c.subject_id for c in clocks}, part=""
    ).values_list("subject_id", "limit", "kind", "created_at"):
        if row[1] == row[2]:
            armings[(row[0], row[1])].append(row[3])
    tasks: dict[tuple[int, str], list[ApprovalTask]] = defaultdict(list)
    for task in (
        ApprovalTask.objects.filter(item_id__in={c.subject_id for c in clocks})
        .exclude(status__in=(TaskState.SENT, TaskState.CANCELLED))
        .select_related("person")
        .order_by("pk")
    ):
        tasks[(task.item_id, task.step)].append(task)
    found = []
    for c in clocks:
        process = (c.policy.process if c.policy is not None else "").split("@")[0]
        later = [t for t in armings[(c.subject_id, c.limit)] if t > c.created_at]
        until = min(later) if later else None
        base = timebase(c.mode, c.calendar)
        # An approver's own clock (its share names the task) judges that task alone; a step's clock armed before
        # approvers had their own judges every task opened within its arming.
        own = part_task_pk(c.part)
        for task in tasks[(c.subject_id, c.limit)]:
            if own is not None:
                if task.pk != own:
                    continue
            elif task.created_at < c.created_at or (until is not None and task.created_at >= until):
                continue
            if not _allowed(scope, task.person):
                continue
            hours = None
            if task.status in ACTED and task.acted_at is not None:
                outcome = "on_time" if task.acted_at <= c.limit_due_at else "late"
                hours = round(base.between(task.created_at, task.acted_at) / HOUR, 2)
            elif task.status == TaskState.OPEN and c.closed_at is None and c.limit_due_at < now:
                outcome = "open_late"
            else:
                outcome = ""
            found.append(Approval(task, c, process, outcome, hours))
    return found


def step_rows(user, quarter: Quarter) -> list[StepRow]:
    """Per process and step a total line, then one line per approver."""
    from xietong.clocks.models import limit_label

    found = approvals(user, quarter)
    names: dict[str, str] = {}
    step_names: dict[tuple[str, str], str] = {}
    for definition in ProcessDefinition.objects.filter(key__in={a.process for a in found}):
        names[definition.key] = definition.name
        for version in definition.versions.order_by("n"):  # the newest name of a step wins
            for s in version.document.get("steps", []):
                step_names[(definition.key, s["key"])] = s.get("name") or s["key"]
    totals: dict[tuple[str, str], StepFigures] = defaultdict(StepFigures)
    people: dict[tuple[str, str], dict[int, tuple[Person, StepFigures]]] = defaultdict(dict)
    for a in found:
        key = (a.process, a.clock.limit)
        totals[key].add(a)
        person = a.task.person
        people[key].setdefault(person.pk, (person, StepFigures()))[1].add(a)
    rows = []
    for key in sorted(totals):
        process, step = key
        label = step_names.get(key) or limit_label(step)
        rows.append(StepRow(process, names.get(process, process), step, label, None, totals[key]))
        for person, figures in sorted(people[key].values(), key=lambda pf: pf[0].pk):
            rows.append(StepRow(process, names.get(process, process), step, label, person, figures))
    return rows


def step_drill(
    user, quarter: Quarter, *, process: str, step: str, person_id: int | None = None, outcome: str = ""
) -> list[Approval] | None:
    """The approvals behind one count of step_rows (None: a person the viewer may not see)."""
    if person_id is not None:
        person = Person.objects.filter(pk=person_id).first()
        if person is None or not scope_of(user).allows_person(person):
            return None
    lines = [a for a in approvals(user, quarter) if a.process == process and a.clock.limit == step]
    if person_id is not None:
        lines = [a for a in lines if a.task.person_id == person_id]
    if outcome == "judged":
        return [a for a in lines if a.outcome]
    if outcome:
        return [a for a in lines if a.outcome == outcome]
    return lines
