"""A disagreement between departments escalates to both departments' division leaders at once (level 1),
then to the general manager along the ladder."""

from __future__ import annotations

from xietong.clocks.handlers import Target
from xietong.clocks.ladder import department_target


def dispute_escalation_targets(clock, dispute, step) -> Target | None:
    if step.target != "division_leader":
        return None
    people, notes = [], []
    for dept in (dispute.department_a, dispute.department_b):
        found = department_target(clock, step, dispute, dept)
        people += [p for p in found.people if p not in people]
        if found.note:
            notes.append(f"{dept.name}：{found.note}")
    return Target(people, "division_leader", "；".join(notes))
