"""我的工作台 › 我的时限: the person's open time limits, late ones first."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict

from django.apps import apps
from django.db.models import F, Q
from django.utils.translation import gettext as _

from xietong.clocks.models import Clock, ClockState, clock_limit_label
from xietong.clocks.selectors import PROVISIONAL_NOTE, _status, is_provisional
from xietong.core import clock as time_source
from xietong.core.workbench import WorkbenchEntry, WorkbenchSection, register_section

# What is pressing: limits already run out or due within this many days. A weekly meeting series arms
# every meeting's limits at once; those of the meetings weeks away would bury today's on the page.
HORIZON = dt.timedelta(days=7)


def open_limits(person, limit: int = 20) -> list[Clock]:
    return list(
        Clock.objects.filter(
            owner=person,
            kind=F("limit"),
            closed_at__isnull=True,
            state__in=[ClockState.ARMED, ClockState.PAUSED, ClockState.FIRED],
        )
        .filter(Q(due_at__lte=time_source.now() + HORIZON) | Q(state=ClockState.PAUSED))
        .select_related("calendar")
        .order_by("due_at")[:limit]
    )


def subjects_of(clocks: list[Clock]) -> dict[tuple[str, int], object]:
    wanted: dict[str, set[int]] = defaultdict(set)
    for c in clocks:
        wanted[c.subject_type].add(c.subject_id)
    found: dict[tuple[str, int], object] = {}
    for label, ids in wanted.items():
        try:
            model = apps.get_model(label)
        except (LookupError, ValueError):
            continue
        for pk, obj in model._base_manager.in_bulk(ids).items():
            found[(label, pk)] = obj
    return found


def my_limits(person) -> WorkbenchSection:
    clocks = open_limits(person)
    subjects = subjects_of(clocks)
    now = time_source.now()
    entries = []
    for c in clocks:
        subject = subjects.get((c.subject_type, c.subject_id))
        if subject is None:
            continue
        status, tone = _status(c, now)
        if is_provisional(c):
            status = f"{status} · {PROVISIONAL_NOTE}"
        label = clock_limit_label(c)
        url = subject.get_absolute_url() if hasattr(subject, "get_absolute_url") else ""
        entries.append(WorkbenchEntry(f"{subject} · {label}", url, status, "late" if tone == "late" else tone))
    entries.sort(key=lambda e: 0 if e.tone == "late" else 1)
    return WorkbenchSection(
        key="limits", title=_("我的时限"), entries=entries, empty_text=_("近 7 天没有待您完成的时限事项。")
    )


register_section("limits", my_limits, order=10)
