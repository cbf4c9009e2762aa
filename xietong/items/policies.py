"""Default time limits come with a process: every limit a registered process declares and the database
lacks becomes a policy row when `migrate` runs (clocks.defaults; an administrator edits or deactivates it
later, and a row that exists is never touched)."""

from __future__ import annotations

from collections.abc import Iterator

from xietong.items.process import processes


def declared_limits() -> Iterator[tuple[str, ...]]:
    """The limits of every registered process, as clocks.defaults.POLICIES rows."""
    for process in processes():
        for limit in process.limits:
            yield (
                process.key,
                limit.priority,
                limit.kind,
                limit.duration,
                limit.mode,
                limit.remind_before,
                limit.escalate_after,
                limit.ladder,
                str(limit.rule),
            )
