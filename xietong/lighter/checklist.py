"""The 新人入职 checklist: each step has an owner and a due date; its clock reminds the owner and, when
late, tells the newcomer's department head (the onboarding process's `due` limit)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from django.utils.translation import gettext as _

from xietong.clocks.services import clock_arm
from xietong.lighter.models import Onboarding, OnboardingStep
from xietong.org.models import Person
from xietong.workcal.selectors import calendar_for_department, engine_for


def text(value: Any) -> str:
    return str(value or "").strip()


@dataclass(frozen=True)
class StepDraft:
    title: str
    owner: Person | None
    due_date: dt.date | None


def step_errors(drafts: Iterable[StepDraft], today: dt.date, *, first: int = 1) -> str | None:
    for n, draft in enumerate(drafts, start=first):
        if not text(draft.title):
            return _("第 %(n)d 项缺少事项内容") % {"n": n}
        if len(text(draft.title)) > 120:
            return _("第 %(n)d 项不能超过 120 字") % {"n": n}
        if draft.owner is None or not draft.owner.is_active:
            return _("第 %(n)d 项缺少负责人") % {"n": n}
        if draft.due_date is None:
            return _("第 %(n)d 项缺少完成时间") % {"n": n}
        if draft.due_date < today:
            return _("第 %(n)d 项的完成时间 %(date)s 已经过去") % {"n": n, "date": draft.due_date.isoformat()}
    return None


def _arm(step: OnboardingStep, now: dt.datetime) -> None:
    engine = engine_for(calendar_for_department(step.onboarding.department))
    clock_arm(
        subject=step,
        process="onboarding",
        limit="due",
        owner=step.owner,
        department=step.onboarding.department,
        start=now,
        due_at=max(now, engine.day_end(step.due_date)),
    )


def steps_add(onboarding: Onboarding, drafts: Sequence[StepDraft], now: dt.datetime) -> list[OnboardingStep]:
    """The steps, numbered after the last one, each with its clock; their owners may see the onboarding."""
    start = (onboarding.steps.order_by("-position").values_list("position", flat=True).first() or 0) + 1
    steps = []
    for position, draft in enumerate(drafts, start=start):
        assert draft.owner is not None and draft.due_date is not None  # validated
        step = OnboardingStep.objects.create(
            onboarding=onboarding,
            position=position,
            title=text(draft.title),
            owner=draft.owner,
            due_date=draft.due_date,
        )
        _arm(step, now)
        steps.append(step)
    onboarding.step_owners.add(*{s.owner for s in steps})
    return steps


def steps_text(steps: Iterable[OnboardingStep]) -> str:
    return "；".join(_("%(step)s（%(d)s 前）") % {"step": s.title, "d": f"{s.due_date:%m-%d}"} for s in steps)
