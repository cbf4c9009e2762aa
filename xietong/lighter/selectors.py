"""Reads of the lighter templates, through the permission filter."""

from __future__ import annotations

from typing import Any

from django.db.models import Count, Q, QuerySet

from xietong.lighter.choices import CustomerState, OnboardingState
from xietong.lighter.models import CustomerRequirement, Onboarding, OnboardingStep


def customer_list(user, scope: str = "open", q: str = "") -> QuerySet[CustomerRequirement]:
    qs: Any = CustomerRequirement.objects.restrict(user).select_related("owner", "department")
    if scope == "open":
        qs = qs.filter(state=CustomerState.OPEN)
    if q:
        qs = qs.filter(Q(title__icontains=q) | Q(customer__icontains=q) | Q(number__icontains=q))
    return qs.annotate(row_count=Count("rows")).order_by("-created_at", "-pk")


def onboarding_list(user, scope: str = "open") -> QuerySet[Onboarding]:
    qs: Any = Onboarding.objects.restrict(user).select_related("newcomer", "department", "contact")
    if scope == "open":
        qs = qs.filter(state=OnboardingState.OPEN)
    return qs.annotate(
        step_total=Count("steps"), step_done=Count("steps", filter=Q(steps__done_at__isnull=False))
    ).order_by("-start_date", "-pk")


def open_steps_of(person) -> QuerySet[OnboardingStep]:
    visible = Onboarding.objects.restrict(person).values("pk")
    return (
        OnboardingStep.objects.filter(owner=person, done_at__isnull=True, onboarding__in=visible)
        .select_related("onboarding__newcomer")
        .order_by("due_date")
    )
