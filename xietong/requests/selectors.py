"""Reads of requests, always through the permission filter."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.db.models import Exists, OuterRef, Q, QuerySet

from xietong.clocks.models import Clock, ClockState
from xietong.org.tree import DepartmentTree
from xietong.requests.choices import RequestState
from xietong.requests.models import Request
from xietong.requests.process import REQUEST

SCOPES = ("todo", "mine", "department", "all")
SORTS = {
    "-created": "-created_at",
    "created": "created_at",
    "expected": "expected_date",
    "-expected": "-expected_date",
    "priority": "priority",
}


def _late() -> Exists:
    """An open time limit that already ran out (its clock fired, nothing met it)."""
    return Exists(
        Clock.objects.filter(
            subject_type="requests.request",
            subject_id=OuterRef("pk"),
            kind__in=["respond"],
            state=ClockState.FIRED,
            closed_at__isnull=True,
        )
    )


def awaiting(person) -> Q:
    """Requests that wait on this person's action now."""
    # Departments the person heads, from the in-memory tree: a filter on ids instead of a join.
    headed = [node.id for node in DepartmentTree.load().nodes.values() if node.head_id == person.pk]
    receiver_side = Q(receiver=person) | Q(receiver__isnull=True, receiving_department_id__in=headed)
    requester_side = Q(requester=person) | Q(created_by=person)
    return (
        (receiver_side & Q(state__in=[RequestState.SUBMITTED, RequestState.ACKNOWLEDGED, RequestState.IN_PROGRESS]))
        | (
            requester_side
            & Q(
                state__in=[
                    RequestState.DRAFT,
                    RequestState.CHANGE_REQUESTED,
                    RequestState.REJECTED,
                    RequestState.DELIVERED,
                    RequestState.COMPLETED,
                ]
            )
        )
        | ((receiver_side | requester_side) & Q(state=RequestState.ACCEPTED))
    )


@dataclass
class RequestFilters:
    scope: str = "todo"
    state: str = ""
    priority: str = ""
    department: int | None = None
    overdue: bool = False
    q: str = ""
    sort: str = "-created"


def request_list(user, filters: RequestFilters) -> QuerySet[Request]:
    qs: Any = Request.objects.restrict(user).select_related(
        "project", "requester", "receiver", "requesting_department", "receiving_department"
    )
    if filters.scope == "todo":
        qs = qs.filter(awaiting(user))
    elif filters.scope == "mine":
        qs = qs.filter(Q(requester=user) | Q(created_by=user))
    elif filters.scope == "department":
        from xietong.core.permissions import reach_of

        reach = reach_of(user)
        departments = set(reach.led_department_ids) if reach else set()
        if user.department_id:
            departments.add(user.department_id)
        qs = qs.filter(Q(requesting_department_id__in=departments) | Q(receiving_department_id__in=departments))
    if filters.state:
        qs = qs.filter(state=filters.state) if filters.state != "open" else qs.filter(state__in=REQUEST.open_states)
    if filters.priority:
        qs = qs.filter(priority=filters.priority)
    if filters.department:
        qs = qs.filter(Q(requesting_department_id=filters.department) | Q(receiving_department_id=filters.department))
    if filters.q:
        qs = qs.filter(Q(title__icontains=filters.q) | Q(number__icontains=filters.q))
    qs = qs.annotate(is_late=_late())
    if filters.overdue:
        qs = qs.filter(is_late=True)
    return qs.order_by(SORTS.get(filters.sort, "-created_at"), "-pk")
