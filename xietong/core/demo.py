"""Demo data for `./run.sh`: each app registers a seeder; they run in order, each idempotent."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from unittest import mock

_seeders: list[tuple[int, str, Callable[[], dict[str, int]]]] = []


def register_demo_seeder(name: str, seeder: Callable[[], dict[str, int]], *, order: int = 100) -> None:
    if not any(existing == name for _, existing, _s in _seeders):
        _seeders.append((order, name, seeder))


def seed_demo() -> dict[str, dict[str, int]]:
    from xietong.core.audit_chain import audit_seal

    counts = {name: seeder() for _, name, seeder in sorted(_seeders, key=lambda s: (s[0], s[1]))}
    # The demo's history is written at past instants: seal it now rather than let it look held back.
    audit_seal()
    return counts


@contextmanager
def at_instant(instant: dt.datetime) -> Iterator[None]:
    """Demo only: write a realistic history (filed last week, dispatched that afternoon …) by running the
    real services with "now" set to a past instant. Never used outside the demo seeders."""
    with mock.patch("django.utils.timezone.now", return_value=instant):
        yield
