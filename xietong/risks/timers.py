"""A disagreement between departments escalates to both departments' division leaders at once (level 1),
then to the general manager along the ladder."""

from __future__ import annotations

from xietong.clocks.handlers import Target
from xietong.clocks.services import ladder_target


class _ChainProbe:
    """A clock-like view that climbs the manager chain of another department (for `ladder_target`)."""

    def __init__(self, clock, department):
        self.owner = None
        self.department = department
        self._clock = clock


def dispute_escalation_targets(clock, dispute, step) -> Target | None:
    if step.target != "division_leader":
        return None
    people, notes = [], []
    for dept in (dispute.department_a, dispute.department_b):
        found = ladder_target(_ChainProbe(clock, dept), step)  # type: ignore[arg-type]
        people += [p for p in found.people if p not in people]
        if found.note:
            notes.append(f"{dept.name}：{found.note}")
    return Target(people, "division_leader", "；".join(notes))
