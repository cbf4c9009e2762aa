"""Reads of the lighter templates, through the permission filter."""

from __future__ import annotations

from typing import Any

from django.db.models import IntegerField, OuterRef, Q, QuerySet, Subquery

from xietong.lighter.choices import CustomerState, OnboardingState
from xietong.lighter.models import CustomerRequirement, Onboarding, OnboardingStep, SyncRow


def customer_list(user, scope: str = "open", q: str = "") -> QuerySet[CustomerRequirement]:
    qs: Any = CustomerRequirement.objects.restrict(user).select_related("owner", "department")
    if scope == "open":
        qs = qs.filter(state=CustomerState.OPEN)
    if q:
        qs = qs.filter(Q(title__icontains=q) | Q(customer__icontains=q) | Q(number__icontains=q))
    return qs.annotate(row_count=_count(SyncRow.objects.filter(requirement=OuterRef("pk")))).order_by(
        "-created_at", "-pk"
    )


def onboarding_list(user, scope: str = "open") -> QuerySet[Onboarding]:
    qs: Any = Onboarding.objects.restrict(user).select_related("newcomer", "department", "contact")
    if scope == "open":
        qs = qs.filter(state=OnboardingState.OPEN)
    steps = OnboardingStep.objects.filter(onboarding=OuterRef("pk"))
    return qs.annotate(step_total=_count(steps), step_done=_count(steps.filter(done_at__isnull=False))).order_by(
        "-start_date", "-pk"
    )


class _Count(Subquery):
    """How many rows a subquery finds, per listed row: a GROUP BY over the whole list would sort every
    row before the page is cut."""

    template = "(SELECT count(*) FROM (%(subquery)s) _counted)"
    output_field = IntegerField()


def _count(rows: QuerySet) -> _Count:
    return _Count(rows.order_by().values("pk"))


def open_steps_of(person) -> QuerySet[OnboardingStep]:
    visible = Onboarding.objects.restrict(person).values("pk")
    return (
        OnboardingStep.objects.filter(owner=person, done_at__isnull=True, onboarding__in=visible)
        .select_related("onboarding__newcomer")
        .order_by("due_date")
    )
