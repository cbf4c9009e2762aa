"""The notice's confirmation deadline: reminders go to everyone who has not confirmed, and at the
deadline each department head receives the list of their people who did not."""

from __future__ import annotations

from typing import Any

from xietong.notices.services import remind_pending, report_unconfirmed


def notice_clock_remind(clock, notice) -> dict[str, Any] | None:
    return remind_pending(notice, automatic=True) if clock.limit == "confirm" else None


def notice_clock_due(clock, notice) -> dict[str, Any] | None:
    return report_unconfirmed(notice, clock) if clock.limit == "confirm" else None
