"""The feedback round's clock: a pending invitation is reminded every working day until answered."""

from __future__ import annotations

from typing import Any

from xietong.feedback.services import invitation_reminder


def invitation_clock_due(clock, invitation) -> dict[str, Any] | None:
    return invitation_reminder(invitation, clock)
