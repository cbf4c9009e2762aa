"""Demo data for `./run.sh`: each app registers a seeder; they run in order, each idempotent."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from unittest import mock

from xietong.core import clock

_seeders: list[tuple[int, str, Callable[[], dict[str, int]]]] = []


def register_demo_seeder(name: str, seeder: Callable[[], dict[str, int]], *, order: int = 100) -> None:
    if not any(existing == name for _, existing, _s in _seeders):
        _seeders.append((order, name, seeder))


def seed_demo() -> dict[str, dict[str, int]]:
    return {name: seeder() for _, name, seeder in sorted(_seeders, key=lambda s: (s[0], s[1]))}


@contextmanager
def at_instant(instant: dt.datetime) -> Iterator[None]:
    """Demo only: write a realistic history (filed last week, dispatched that afternoon …) by running the
    real services with "now" set to a past instant. Never used outside the demo seeders."""
    with mock.patch("django.utils.timezone.now", return_value=instant):
        yield


def working_date(offset: int) -> dt.date:
    """The working day `offset` working days from today (negative: before; 0: today, or the next
    working day if today is not one)."""
    from xietong.workcal.selectors import default_calendar, engine_for

    engine = engine_for(default_calendar())
    day = clock.today()
    step = -1 if offset < 0 else 1
    while not engine.is_working_day(day):
        day += dt.timedelta(days=1)
    for _ in range(abs(offset)):
        day += dt.timedelta(days=step)
        while not engine.is_working_day(day):
            day += dt.timedelta(days=step)
    return day


def working_day_before(n: int, at_time: str) -> dt.datetime:
    """The n-th working day before today, at a local time like "10:30"."""
    from xietong.workcal.selectors import default_calendar, engine_for

    engine = engine_for(default_calendar())
    day = clock.today()
    while n > 0:
        day -= dt.timedelta(days=1)
        if engine.is_working_day(day):
            n -= 1
    hour, minute = (int(part) for part in at_time.split(":"))
    return engine.at(day, dt.time(hour, minute))


def replay_clocks(until: dt.datetime) -> None:
    """What the worker did until `until`: fire every clock at the instant it was due (reminders,
    overdue notices, escalations), oldest first."""
    from xietong.clocks.models import Clock, ClockState
    from xietong.clocks.services import clock_fire_due

    while True:
        due = Clock.objects.filter(state=ClockState.ARMED, due_at__lte=until).order_by("due_at").first()
        if due is None:
            return
        with at_instant(due.due_at):
            clock_fire_due()


def replay_clocks_until_now() -> dict[str, int]:
    from xietong.clocks.models import Clock, ClockState

    replay_clocks(clock.now())
    return {"fired": Clock.objects.filter(state=ClockState.FIRED).count()}
