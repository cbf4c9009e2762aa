"""Default time limits come with a process: every limit a registered process declares and the database
lacks becomes a policy row when `migrate` runs (clocks.defaults; an administrator edits or deactivates it
later, and a row that exists is never touched)."""

from __future__ import annotations

from collections.abc import Iterator

from xietong.items.process import processes


def declared_limits() -> Iterator[dict[str, object]]:
    """The limits of every registered process, as clocks.defaults rows (policy field → value)."""
    for process in processes():
        for limit in process.limits:
            yield {
                "process": process.key,
                "priority": limit.priority,
                "kind": limit.kind,
                "duration": limit.duration,
                "mode": limit.mode,
                "remind_before": limit.remind_before,
                "escalate_after": limit.escalate_after,
                "ladder": limit.ladder,
                "description": str(limit.rule),
                "source": limit.source,
                "clause": limit.clause,
                "clause_text": limit.clause_text,
                "also": limit.also,
                "snap": limit.snap,
                "escalate_mode": limit.escalate_mode,
            }
