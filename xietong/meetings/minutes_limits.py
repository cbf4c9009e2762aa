"""How soon a meeting's minutes are due depends on the meeting (the seeds disagree on purpose): after a kickoff
within 2 hours (002), after an online meeting within 1 hour (003), a stand-up's the next working day (002),
the weekly sync's within 1 working day (000), any other within 24 hours (004). Each is a policy row of the
meeting's "minutes" limit keyed by the meeting type's code (or "online" for the meeting's form), so an
administrator edits or adds one per type; a type without its own row falls back to "online" when it is held
online only, else to the "*" row."""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext_lazy

from xietong.items.process import Limit
from xietong.meetings.choices import MeetingMode

ONLINE = "online"

MINUTES_LIMITS = (
    Limit(
        "minutes",
        "24h",
        mode="wall",
        remind_before="2h",
        ladder="standard",
        rule="会议结束后 24 小时内完成会议纪要并分发",
    ),
    Limit(
        "minutes",
        "2h",
        mode="wall",
        priority="kickoff",
        remind_before="30m",
        ladder="standard",
        rule="召开项目启动会（线上/线下），逐项说明需求，保证各方理解一致，会议记录会后2小时内同步至群文件",
    ),
    Limit(
        "minutes",
        "1h",
        mode="wall",
        priority=ONLINE,
        remind_before="15m",
        ladder="standard",
        rule="发起人需在平台“讨论区”组织线上会议，会议纪要需在会后1小时内至平台",
    ),
    Limit("minutes", "1d", priority="standup", remind_before="2h", ladder="standard", rule="站会纪要次日同步至群文件"),
    Limit(
        "minutes",
        "1d",
        priority="weekly-sync",
        remind_before="2h",
        ladder="standard",
        rule="会议纪要需在会后1个工作日内分发至所有参会人员",
    ),
)

PRIORITY_LABELS = {
    "kickoff": gettext_lazy("启动会"),
    ONLINE: gettext_lazy("线上会议"),
    "standup": gettext_lazy("站会"),
    "weekly-sync": gettext_lazy("周例会"),
}


def minutes_priority(meeting: Any) -> str:
    """The policy key of `meeting`'s minutes limit: its type's own row, else "online", else every meeting's."""
    from xietong.clocks.services import policy_for

    code = meeting.meeting_type.code
    policy = policy_for("meeting", "minutes", code)
    if policy is not None and policy.priority == code:
        return code
    if meeting.mode == MeetingMode.ONLINE:
        return ONLINE
    return "*"
