"""Demo only: what the worker did while the demo's history was written — every clock fired at its instant."""

from __future__ import annotations

import datetime as dt

from xietong.clocks.models import Clock, ClockState
from xietong.clocks.services import clock_fire_due
from xietong.core import clock
from xietong.core.demo import at_instant


def replay_clocks(until: dt.datetime) -> None:
    """What the worker did until `until`: fire every clock at the instant it was due (reminders,
    overdue notices, escalations), oldest first."""
    while True:
        due = Clock.objects.filter(state=ClockState.ARMED, due_at__lte=until).order_by("due_at").first()
        if due is None:
            return
        with at_instant(due.due_at):
            clock_fire_due()


def replay_clocks_until_now() -> dict[str, int]:
    replay_clocks(clock.now())
    return {"fired": Clock.objects.filter(state=ClockState.FIRED).count()}
