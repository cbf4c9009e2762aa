"""Who kept the rules: figures over the stored clocks, escalations and feedback, per department and
per person, for one quarter. Read-only; every figure can be opened as the list of clocks behind it.

Definitions (the same as the 协作总结报告's, see feedback.selectors.clock_outcome):
- a figure counts each time limit's own clock (kind == limit) whose limit due time falls in the quarter;
- 按时率 = on time / (on time + late + ran out unmet); clocks still running or cancelled unmet are not judged;
- 响应时长: working hours (the clock's own calendar; wall hours for emergencies) from the start of the
  clock to when the limit was met, against the limit's own length; median and 90th percentile
  (nearest rank: the ⌈0.9·n⌉-th smallest);
- 未完成 (open): not yet closed; 已超期 (overdue): open and past its due time;
- 升级: escalations that happened in the quarter, by level;
- 协作评分: feedback given in the quarter on requests the department (or person) received.
"""

from __future__ import annotations

import datetime as dt
import math
import statistics
from collections import defaultdict
from dataclasses import dataclass, field

from django.db.models import Avg, F, Q, QuerySet
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from xietong.clocks.models import Clock, Escalation, LimitKind
from xietong.clocks.models import limit_label as label_of_limit
from xietong.clocks.services import timebase
from xietong.core import clock as time_source
from xietong.core.permissions import reach_of
from xietong.feedback.models import Feedback
from xietong.feedback.selectors import LimitRow, clock_outcome
from xietong.org.models import Department, Person
from xietong.reports.periods import Quarter

HOUR = dt.timedelta(hours=1)


@dataclass(frozen=True)
class Scope:
    """What figures a person may see: everything (GM, coordinators), their led departments, or their own."""

    everything: bool
    department_ids: frozenset[int]
    person_id: int | None

    def allows_department(self, department_id: int) -> bool:
        return self.everything or department_id in self.department_ids

    def allows_person(self, person: Person) -> bool:
        return (
            self.everything
            or person.pk == self.person_id
            or (person.department_id is not None and person.department_id in self.department_ids)
        )


def scope_of(user) -> Scope:
    reach = reach_of(user)
    if reach is None:
        return Scope(False, frozenset(), None)
    return Scope(reach.sees_all, reach.led_department_ids, reach.person_id)


def limit_label(limit: str) -> str:
    return label_of_limit(limit)


def percentile(values: list[float], share: float) -> float | None:
    """Nearest rank: the ⌈share·n⌉-th smallest value."""
    if not values:
        return None
    ordered = sorted(values)
    return ordered[max(1, math.ceil(share * len(ordered))) - 1]


@dataclass
class ResponseStats:
    label: str
    limit: str
    hours: list[float] = field(default_factory=list)
    limits: list[float] = field(default_factory=list)

    @property
    def median(self) -> float | None:
        return round(statistics.median(self.hours), 2) if self.hours else None

    @property
    def p90(self) -> float | None:
        value = percentile(self.hours, 0.9)
        return round(value, 2) if value is not None else None

    @property
    def limit_hours(self) -> float | None:
        return round(statistics.median(self.limits), 2) if self.limits else None


@dataclass
class Figures:
    overall: LimitRow = field(default_factory=lambda: LimitRow(_("合计")))
    by_limit: dict[str, LimitRow] = field(default_factory=dict)
    response: dict[str, ResponseStats] = field(default_factory=dict)
    open: int = 0
    overdue: int = 0
    escalations: dict[int, int] = field(default_factory=dict)

    @property
    def escalation_total(self) -> int:
        return sum(self.escalations.values())

    def add_clock(self, c: Clock, now: dt.datetime) -> None:
        self.overall.add(c, now)
        self.by_limit.setdefault(c.limit, LimitRow(limit_label(c.limit))).add(c, now)
        if c.closed_at is None:
            self.open += 1
            if clock_outcome(c, now) == "open_late":
                self.overdue += 1
        if c.met_at is not None:
            base = timebase(c.mode, c.calendar)
            stats = self.response.setdefault(c.limit, ResponseStats(limit_label(c.limit), c.limit))
            stats.hours.append(base.between(c.anchor_at, c.met_at) / HOUR)
            stats.limits.append(base.between(c.anchor_at, c.limit_due_at) / HOUR)


def period_clocks(quarter: Quarter) -> QuerySet[Clock]:
    return Clock.objects.filter(
        kind=F("limit"), limit_due_at__gte=quarter.start, limit_due_at__lt=quarter.end
    ).select_related("calendar")


def period_escalations(quarter: Quarter) -> QuerySet[Escalation]:
    return Escalation.objects.filter(at__gte=quarter.start, at__lt=quarter.end).select_related("clock")


def figures_of(clocks, escalations, now: dt.datetime) -> Figures:
    figures = Figures()
    for c in clocks:
        figures.add_clock(c, now)
    counts: dict[int, int] = defaultdict(int)
    for e in escalations:
        counts[e.level] += 1
    figures.escalations = dict(sorted(counts.items()))
    return figures


@dataclass
class Row:
    key: str  # "d12" or "p34"
    label: str
    figures: Figures
    department_id: int | None = None
    person_id: int | None = None


@dataclass
class Dashboard:
    quarter: Quarter
    scope: Scope
    department: Department | None  # the department whose people are listed, if any
    totals: Figures
    rows: list[Row]
    feedback: list[tuple[str, dict[str, float | None]]]
    limits: list[str]


def _restrict(qs, scope: Scope, *, department_field: str, owner_field: str):
    if scope.everything:
        return qs
    condition = Q(**{f"{owner_field}_id": scope.person_id})
    if scope.department_ids:
        condition |= Q(**{f"{department_field}_id__in": scope.department_ids})
    return qs.filter(condition)


def dashboard(user, quarter: Quarter, department_id: int | None = None) -> Dashboard:
    """Totals and one row per department in scope, or per person of one department."""
    scope = scope_of(user)
    now = time_source.now()
    clocks = list(_restrict(period_clocks(quarter), scope, department_field="department", owner_field="owner"))
    escalations = list(
        _restrict(period_escalations(quarter), scope, department_field="clock__department", owner_field="clock__owner")
    )
    department = None
    rows: list[Row] = []
    if department_id is not None and scope.allows_department(department_id):
        department = Department.objects.filter(pk=department_id).first()
    if department is not None:
        people = Person.objects.filter(department=department, is_active=True).order_by("pk")
        for person in people:
            mine = [c for c in clocks if c.owner_id == person.pk]
            rows.append(
                Row(
                    f"p{person.pk}",
                    person.display_name,
                    figures_of(mine, [e for e in escalations if e.clock.owner_id == person.pk], now),
                    department_id=department.pk,
                    person_id=person.pk,
                )
            )
        clocks = [c for c in clocks if c.department_id == department.pk or c.owner_id in {p.pk for p in people}]
    elif scope.everything or scope.department_ids:
        departments = Department.objects.order_by("sort_order", "pk")
        if not scope.everything:
            departments = departments.filter(pk__in=scope.department_ids)
        for dept in departments:
            mine = [c for c in clocks if c.department_id == dept.pk]
            theirs = [e for e in escalations if e.clock.department_id == dept.pk]
            if mine or theirs or not scope.everything:
                rows.append(Row(f"d{dept.pk}", dept.name, figures_of(mine, theirs, now), department_id=dept.pk))
    else:
        me = Person.objects.get(pk=scope.person_id)
        rows.append(Row(f"p{me.pk}", me.display_name, figures_of(clocks, escalations, now), person_id=me.pk))
    if department is not None:
        escalations = [e for e in escalations if e.clock in clocks or e.clock.department_id == department.pk]
    totals = figures_of(clocks, escalations, now)
    limits = sorted(
        totals.by_limit, key=lambda limit: LimitKind.values.index(limit) if limit in LimitKind.values else 99
    )
    return Dashboard(quarter, scope, department, totals, rows, feedback_trend(scope, quarter, department), limits)


DIMENSIONS = (
    ("communication", gettext_lazy("沟通效率")),
    ("division", gettext_lazy("分工合理性")),
    ("timeliness", gettext_lazy("问题解决及时性")),
)


def feedback_in(scope: Scope, quarter: Quarter, department: Department | None = None) -> QuerySet[Feedback]:
    qs = Feedback.objects.filter(at__gte=quarter.start, at__lt=quarter.end)
    if department is not None:
        return qs.filter(invitation__request__receiving_department=department)
    if scope.everything:
        return qs
    condition = Q(invitation__request__receiver_id=scope.person_id)
    if scope.department_ids:
        condition |= Q(invitation__request__receiving_department_id__in=scope.department_ids)
    return qs.filter(condition)


def feedback_trend(scope: Scope, quarter: Quarter, department: Department | None = None, quarters: int = 4):
    """Average scores per quarter, the last `quarters` quarters up to `quarter`."""
    out = []
    for q in quarter.recent(quarters):
        averages = feedback_in(scope, q, department).aggregate(**{name: Avg(name) for name, _label in DIMENSIONS})
        out.append((q.code, {k: round(v, 2) if v is not None else None for k, v in averages.items()}))
    return out


# --- Drill-down ---------------------------------------------------------------------------------
@dataclass
class DrillLine:
    clock: Clock
    outcome: str
    item_label: str
    item_url: str
    escalation: Escalation | None = None


def drill(
    user,
    quarter: Quarter,
    *,
    department_id: int | None = None,
    person_id: int | None = None,
    limit: str = "",
    outcome: str = "",
    level: int | None = None,
) -> list[DrillLine] | None:
    """The clocks (or escalations) behind one figure; None if the person may not see that figure."""
    scope = scope_of(user)
    if department_id is not None and not scope.allows_department(department_id):
        return None
    if person_id is not None:
        person = Person.objects.filter(pk=person_id).first()
        if person is None or not scope.allows_person(person):
            return None
    now = time_source.now()
    if level is not None or outcome == "escalated":
        qs = _restrict(
            period_escalations(quarter), scope, department_field="clock__department", owner_field="clock__owner"
        )
        if department_id is not None and person_id is None:
            qs = qs.filter(clock__department_id=department_id)
        if person_id is not None:
            qs = qs.filter(clock__owner_id=person_id)
        if level is not None:
            qs = qs.filter(level=level)
        if limit:
            qs = qs.filter(limit=limit)
        escalations = list(qs.select_related("clock__owner", "target").order_by("at", "pk"))
        lines = [DrillLine(e.clock, "escalated", "", "", e) for e in escalations]
    else:
        clocks = _restrict(period_clocks(quarter), scope, department_field="department", owner_field="owner")
        if department_id is not None and person_id is None:
            clocks = clocks.filter(department_id=department_id)
        if person_id is not None:
            clocks = clocks.filter(owner_id=person_id)
        if limit:
            clocks = clocks.filter(limit=limit)
        lines = []
        for c in clocks.select_related("owner", "department").order_by("limit_due_at", "pk"):
            result = clock_outcome(c, now)
            keep = {
                "": True,
                "on_time": result == "on_time",
                "late": result == "late",
                "open_late": result == "open_late",
                "judged": result != "",
                "pending": result == "",
                "open": c.closed_at is None,
                "overdue": c.closed_at is None and result == "open_late",
                "met": c.met_at is not None,
            }.get(outcome, False)
            if keep:
                lines.append(DrillLine(c, result, "", ""))
    _label_items(user, lines)
    return lines


def _label_items(user, lines: list[DrillLine]) -> None:
    """Name each clock's item if the person may see it; otherwise only its type is shown."""
    from django.apps import apps

    wanted: dict[str, set[int]] = defaultdict(set)
    for line in lines:
        wanted[line.clock.subject_type].add(line.clock.subject_id)
    visible: dict[tuple[str, int], object] = {}
    for label, ids in wanted.items():
        try:
            model = apps.get_model(label)
        except (LookupError, ValueError):
            continue
        manager = model._default_manager
        qs = manager.restrict(user).filter(pk__in=ids) if hasattr(manager, "restrict") else manager.none()
        for obj in qs:
            visible[(label, obj.pk)] = obj
    for line in lines:
        obj = visible.get((line.clock.subject_type, line.clock.subject_id))
        if obj is not None:
            line.item_label = str(obj)
            line.item_url = obj.get_absolute_url() if hasattr(obj, "get_absolute_url") else ""
        else:
            line.item_label = _("（无权查看的事项）")
