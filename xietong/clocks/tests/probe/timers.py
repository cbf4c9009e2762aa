from __future__ import annotations


def probe_clock_due(clock, probe):
    """Like a task's acceptance limit: silence until the due time counts as accepted."""
    if clock.limit == "accept":
        probe.auto_accepted = True
        probe.save(update_fields=["auto_accepted"])
        return {"auto_accepted": True}
    return None
