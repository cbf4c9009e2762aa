"""Demo problems for the demo company (filled in below)."""

from __future__ import annotations


def seed_demo_problems() -> dict[str, int]:
    return {}
