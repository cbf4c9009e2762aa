"""Demo notices for `./run.sh` (filled in below)."""

from __future__ import annotations


def seed_demo_notices() -> dict[str, int]:
    return {}
