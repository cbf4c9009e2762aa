"""Demo data for the lighter templates (filled in below)."""

from __future__ import annotations


def seed_demo_lighter() -> dict[str, int]:
    return {}
