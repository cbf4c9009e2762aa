"""Demo data for `./run.sh`: each app registers a seeder; they run in order, each idempotent."""

from __future__ import annotations

from collections.abc import Callable

_seeders: list[tuple[int, str, Callable[[], dict[str, int]]]] = []


def register_demo_seeder(name: str, seeder: Callable[[], dict[str, int]], *, order: int = 100) -> None:
    if not any(existing == name for _, existing, _s in _seeders):
        _seeders.append((order, name, seeder))


def seed_demo() -> dict[str, dict[str, int]]:
    return {name: seeder() for _, name, seeder in sorted(_seeders, key=lambda s: (s[0], s[1]))}
