"""The meeting's answer window (确认参加 / 请假): a reminder before the meeting, and who never answered
when it starts. Its other limits (minutes, action items) keep the default messages to their owners."""

from __future__ import annotations

from typing import Any

from xietong.clocks.wording import clause_line
from xietong.meetings.answers import close_answers, remind_participants


def meeting_clock_remind(clock, meeting) -> dict[str, Any] | None:
    """开会前提醒: everyone still invited hears it; those who have not answered are asked to."""
    return remind_participants(meeting, clause=clause_line(clock)) if clock.limit == "respond" else None


def meeting_clock_due(clock, meeting) -> dict[str, Any] | None:
    """The meeting starts: the answer window closes and the organiser sees who never answered."""
    return close_answers(meeting, clock) if clock.limit == "respond" else None
