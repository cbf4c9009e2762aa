"""Who stands in for whom right now (代理): the runner lets a stand-in take an absent person's steps,
and clocks owned by an absent person reach the stand-in too."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from typing import Any

from django.db.models import Q

from xietong.core import clock
from xietong.core.memo import memoized, memoized_many
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
    if at is None:
        return current_absences([person.pk])[person.pk]
    return _absences([person.pk], at).get(person.pk)


def current_absences(person_ids: Iterable[int]) -> dict[int, Absence | None]:
    """current_absence of many people now, in one query for those not read yet in this unit of work (a
    batch of clock firings reads its owners' absences at once)."""
    now = clock.now()
    return memoized_many("current-absence", person_ids, lambda missing: _absences(missing, now))


def _absences(person_ids: list[int], at: dt.datetime) -> dict[int, Absence]:
    found: dict[int, Absence] = {}
    rows = (
        Absence.objects.filter(_current(at), person_id__in=person_ids, stand_in__is_active=True)
        .select_related("stand_in")
        .order_by("starts_at", "pk")
    )
    for absence in rows:  # the latest set wins
        found[absence.person_id] = absence
    return found


def stand_in_for(person: Any, at: dt.datetime | None = None) -> Person | None:
    """The active stand-in of `person` if they are away at `at` (default now), else None."""
    absence = current_absence(person, at)
    return absence.stand_in if absence is not None else None
