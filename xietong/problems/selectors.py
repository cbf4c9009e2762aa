"""Reads of problems, always through the permission filter: lists, the ledger (问题处理台账), the case library."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from django.db import models
from django.db.models import Count, Exists, OuterRef, Q, QuerySet

from xietong.clocks.models import Clock, ClockState
from xietong.problems.choices import OPEN_STATES, ProblemState
from xietong.problems.models import Problem, SolutionReport
from xietong.workcal.selectors import calendar_for_project, engine_for

SCOPES = ("todo", "mine", "department", "all")


def _late() -> Exists:
    """A time limit of the problem ran out and nothing met it yet."""
    return Exists(
        Clock.objects.filter(
            subject_type="problems.problem",
            subject_id=OuterRef("pk"),
            kind__in=["dispatch", "update_due", "due"],
            state=ClockState.FIRED,
            closed_at__isnull=True,
        )
    )


def awaiting(person) -> Q:
    """Problems that wait on this person now: to dispatch, to report on, to confirm."""
    handler = Q(owner=person) | Q(lead_department__head=person)
    filer = Q(created_by=person) | Q(filing_department__head=person)
    condition = (handler & Q(state__in=[ProblemState.DISPATCHED, ProblemState.IN_PROGRESS])) | (
        filer & Q(state=ProblemState.SOLVED)
    )
    if person.is_coordinator:
        condition |= Q(state=ProblemState.FILED)
    return condition


@dataclass
class ProblemFilters:
    scope: str = "todo"
    state: str = ""
    urgency: str = ""
    overdue: bool = False
    q: str = ""


def problem_list(user, filters: ProblemFilters) -> QuerySet[Problem]:
    qs: Any = Problem.objects.restrict(user).select_related(
        "project", "created_by", "filing_department", "lead_department", "owner"
    )
    if filters.scope == "todo":
        qs = qs.filter(awaiting(user))
    elif filters.scope == "mine":
        qs = qs.filter(Q(created_by=user) | Q(owner=user))
    elif filters.scope == "department":
        qs = qs.filter(Q(filing_department_id=user.department_id) | Q(lead_department_id=user.department_id))
    if filters.state == "open":
        qs = qs.filter(state__in=OPEN_STATES)
    elif filters.state:
        qs = qs.filter(state=filters.state)
    if filters.urgency:
        qs = qs.filter(urgency=filters.urgency)
    if filters.q:
        qs = qs.filter(Q(title__icontains=filters.q) | Q(number__icontains=filters.q))
    qs = qs.annotate(is_late=_late())
    if filters.overdue:
        qs = qs.filter(is_late=True)
    return qs.order_by("-filed_at", "-pk")


# --- 问题处理台账 -------------------------------------------------------------------------------------
@dataclass
class LedgerRow:
    """One problem with the instant each stage was reached and the working hours each stage took."""

    problem: Problem
    filed_at: dt.datetime
    endorsed_at: dt.datetime | None  # the filing department head's sign-off (发起部门负责人→综合管理部)
    dispatched_at: dt.datetime | None
    first_progress_at: dt.datetime | None
    solved_at: dt.datetime | None
    confirmed_at: dt.datetime | None
    dispatch_hours: Decimal | None  # signed off → dispatched: 综合管理部's limit starts at the sign-off
    response_hours: Decimal | None  # dispatched → first progress report
    solve_hours: Decimal | None  # dispatched → solved
    confirm_hours: Decimal | None  # solved → confirmed
    total_hours: Decimal | None  # filed → confirmed
    update_count: int


def _hours(engine, start: dt.datetime | None, end: dt.datetime | None) -> Decimal | None:
    if start is None or end is None:
        return None
    seconds = Decimal(engine.between(start, end).total_seconds())
    return (seconds / Decimal(3600)).quantize(Decimal("0.1"), rounding=ROUND_HALF_UP)


def ledger_rows(user, *, state: str = "", q: str = "") -> list[LedgerRow]:
    """问题处理台账: every visible problem, oldest first, durations counted in the project's working time."""
    qs: Any = (
        Problem.objects.restrict(user)
        .select_related("project__calendar", "created_by", "filing_department", "lead_department", "owner")
        .annotate(update_count=Count("updates"))
        .order_by("filed_at", "pk")
    )
    if state == "open":
        qs = qs.filter(state__in=OPEN_STATES)
    elif state:
        qs = qs.filter(state=state)
    if q:
        qs = qs.filter(Q(title__icontains=q) | Q(number__icontains=q))
    rows = []
    for p in qs:
        engine = engine_for(calendar_for_project(p.project))
        rows.append(
            LedgerRow(
                problem=p,
                filed_at=p.filed_at,
                endorsed_at=p.endorsed_at,
                dispatched_at=p.dispatched_at,
                first_progress_at=p.first_progress_at,
                solved_at=p.solved_at,
                confirmed_at=p.confirmed_at,
                # counted as the dispatch clock counts: from the head's sign-off (one filed before sign-offs
                # existed has none, and counts from filing)
                dispatch_hours=_hours(engine, p.endorsed_at or p.filed_at, p.dispatched_at),
                response_hours=_hours(engine, p.dispatched_at, p.first_progress_at),
                solve_hours=_hours(engine, p.dispatched_at, p.solved_at),
                confirm_hours=_hours(engine, p.solved_at, p.confirmed_at),
                total_hours=_hours(engine, p.filed_at, p.confirmed_at),
                update_count=p.update_count,
            )
        )
    return rows


# --- 案例库 ------------------------------------------------------------------------------------------
def case_search(user, q: str = "") -> QuerySet[Problem]:
    """Confirmed problems with their solution reports; every word must appear somewhere in the case.

    A plain keyword filter behind one function: full-text search can replace it without touching callers.
    """
    qs: Any = Problem.objects.restrict(user).filter(state=ProblemState.CLOSED)
    for word in q.split()[:8]:
        in_reports = SolutionReport.objects.filter(
            Q(measures__icontains=word) | Q(effect__icontains=word) | Q(cause__icontains=word)
        ).values("problem_id")
        qs = qs.filter(
            Q(number__icontains=word)
            | Q(title__icontains=word)
            | Q(background__icontains=word)
            | Q(current_state__icontains=word)
            | Q(impact__icontains=word)
            | Q(pk__in=in_reports)
        )
    return (
        qs.select_related("filing_department", "lead_department", "owner")
        .prefetch_related(
            models.Prefetch(
                "reports",
                queryset=SolutionReport.objects.filter(verdict=SolutionReport.Verdict.CONFIRMED),
                to_attr="confirmed_reports",
            )
        )
        .order_by("-confirmed_at", "-pk")
    )
