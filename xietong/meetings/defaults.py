"""The meeting types of the seed templates, as default rows an administrator edits later."""

from __future__ import annotations

# code, name, longest (minutes), needs the division leader's approval, applied for / noticed N working days ahead
MEETING_TYPES = [
    ("collaboration", "跨部门协作会议", 120, True, 3, 2),
    ("review", "项目评审会", 120, True, 3, 2),
    ("weekly-sync", "周例会", 30, False, 0, 2),
    ("retrospective", "复盘会", 120, False, 0, 2),
    # What a process calls (a request's kickoff, an exception's coordination, acceptance, the summary) and the
    # routine ones of 002/004: their minutes limits differ (meetings.minutes_limits).
    ("kickoff", "启动会", 120, False, 0, 1),
    ("coordination", "问题协调会", 120, False, 0, 0),
    ("acceptance", "验收会", 120, False, 0, 2),
    ("summary", "总结会", 120, False, 0, 2),
    ("standup", "站会", 15, False, 0, 0),
    ("monthly", "项目月度会", 120, False, 0, 2),
]


def ensure_meeting_types(apps=None) -> int:
    """Create the default meeting types that do not exist yet; never overwrite an edited one."""
    if apps is None:
        from django.apps import apps as global_apps

        apps = global_apps
    MeetingType = apps.get_model("meetings", "MeetingType")
    created = 0
    for order, (code, name, minutes, approval, apply_days, notice_days) in enumerate(MEETING_TYPES):
        _row, made = MeetingType.objects.get_or_create(
            code=code,
            defaults={
                "name": name,
                "max_minutes": minutes,
                "requires_approval": approval,
                "application_working_days": apply_days,
                "notice_working_days": notice_days,
                "sort_order": order * 10,
            },
        )
        created += made
    return created
