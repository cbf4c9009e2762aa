"""Demo incidents (filled in below)."""

from __future__ import annotations


def seed_demo_incidents() -> dict[str, int]:
    return {}
