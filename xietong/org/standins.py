"""Who stands in for whom right now (代理): the runner lets a stand-in take an absent person's steps,
and clocks owned by an absent person reach the stand-in too."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db.models import Q

from xietong.core import clock
from xietong.core.memo import memoized
from xietong.org.models import Absence, Person


def _current(at: dt.datetime) -> Q:
    return Q(cancelled_at__isnull=True, starts_at__lte=at) & (Q(ends_at__isnull=True) | Q(ends_at__gt=at))


def represented_by(actor: Any, at: dt.datetime | None = None) -> list[Person]:
    """The people `actor` stands in for at `at` (default now): absent now, with `actor` as stand-in."""
    if actor is None or not getattr(actor, "pk", None):
        return []
    # "Now" is one instant for a unit of work (a request, a batch): keyed without it, the memo answers every
    # later ask of the same request instead of reading the absences again for each microsecond.
    key = ("represented-by", actor.pk, at)
    when = at or clock.now()
    return memoized(
        key,
        lambda: [
            a.person for a in Absence.objects.filter(_current(when), stand_in_id=actor.pk).select_related("person")
        ],
    )


def current_absence(person: Any, at: dt.datetime | None = None) -> Absence | None:
    """The absence of `person` at `at` (default now) with an active stand-in, the latest set if several."""
    if person is None or not getattr(person, "pk", None):
        return None
    at = at or clock.now()
    return (
        Absence.objects.filter(_current(at), person_id=person.pk, stand_in__is_active=True)
        .select_related("stand_in")
        .order_by("-starts_at", "-pk")
        .first()
    )


def stand_in_for(person: Any, at: dt.datetime | None = None) -> Person | None:
    """The active stand-in of `person` if they are away at `at` (default now), else None."""
    absence = current_absence(person, at)
    return absence.stand_in if absence is not None else None
