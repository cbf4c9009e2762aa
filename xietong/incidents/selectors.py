"""Reads of incidents through the permission filter, and the live state of one incident."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from django.db.models import Q, QuerySet
from django.utils.translation import gettext as _
from django.utils.translation import pgettext

from xietong.clocks.basis import policy_basis
from xietong.clocks.models import limit_label
from xietong.clocks.selectors import open_clock
from xietong.clocks.wording import clock_limit_text
from xietong.core import clock
from xietong.incidents.choices import ACTIVE_STATES, ActionState
from xietong.incidents.models import ImprovementAction, Incident
from xietong.workcal.spans import span_words

SCOPES = ("active", "mine", "all")


def incident_list(user, scope: str = "active", q: str = "") -> QuerySet[Incident]:
    qs: Any = Incident.objects.restrict(user).select_related("lead", "responsible_department", "created_by")
    if scope == "active":
        qs = qs.filter(state__in=ACTIVE_STATES)
    elif scope == "mine":
        qs = qs.filter(Q(lead=user) | Q(created_by=user) | Q(pk__in=Incident.objects.filter(members=user).values("pk")))
    if q:
        qs = qs.filter(Q(title__icontains=q) | Q(number__icontains=q) | Q(description__icontains=q))
    return qs.order_by("-reported_at", "-pk")


@dataclass(frozen=True)
class Deadline:
    """One running wall-clock limit as the live page shows it."""

    label: str
    due_at: dt.datetime
    overdue: bool
    text: str  # "剩余 18 分钟" / "已超时 12 分钟"
    basis: str = ""  # 依据：《…》条款「…」


def _deadline(incident: Incident, limit: str, label: str, now: dt.datetime) -> Deadline | None:
    row = open_clock(incident, limit)
    if row is None:
        return None
    # The limit as its policy set it when armed ("指定应急小组（10 分钟）"), never a literal.
    label = label % {"limit": limit_label(limit), "span": clock_limit_text(row)}
    basis = policy_basis(row.policy)
    left = row.limit_due_at - now
    if left > dt.timedelta(0):
        return Deadline(label, row.limit_due_at, False, _("剩余 %(span)s") % {"span": span_words(left)}, basis)
    return Deadline(label, row.limit_due_at, True, _("已超时 %(span)s") % {"span": span_words(-left)}, basis)


@dataclass(frozen=True)
class LiveState:
    status: Deadline | None  # next status update (the banner when overdue)
    deadlines: list[Deadline]


def live_state(incident: Incident) -> LiveState:
    now = clock.now()
    labels = {
        "assign_team": _("%(limit)s（%(span)s）"),
        "team_ready": _("%(limit)s（%(span)s）"),
        "control": _("%(limit)s（%(span)s，否则上报总经理）"),
        "review": pgettext("incident deadline", "复盘（%(span)s）"),
    }
    deadlines = [d for limit, label in labels.items() if (d := _deadline(incident, limit, label, now)) is not None]
    return LiveState(_deadline(incident, "status", _("状态更新"), now), deadlines)


def open_actions_of(person) -> QuerySet[ImprovementAction]:
    return ImprovementAction.objects.restrict(person).filter(owner=person, state=ActionState.OPEN).order_by("due_date")
