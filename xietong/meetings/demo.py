"""Demo meetings for `./run.sh` (filled in below)."""

from __future__ import annotations


def seed_demo_meetings() -> dict[str, int]:
    return {}
