from django.db import migrations

# code, name, max minutes, needs the division leader's approval, apply N working days ahead, notice N ahead
MEETING_TYPES = [
    ("collaboration", "跨部门协作会议", 120, True, 3, 2),
    ("review", "项目评审会", 120, True, 3, 2),
    ("weekly-sync", "周例会", 30, False, 0, 2),
    ("retrospective", "复盘会", 120, False, 0, 2),
]


def create_defaults(apps, schema_editor):
    from xietong.clocks.defaults import ensure_default_policies

    ensure_default_policies(apps)  # the meeting notice and answer limits (idempotent)
    MeetingType = apps.get_model("meetings", "MeetingType")
    for order, (code, name, minutes, approval, apply_days, notice_days) in enumerate(MEETING_TYPES):
        MeetingType.objects.get_or_create(
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


class Migration(migrations.Migration):
    dependencies = [("meetings", "0001_initial"), ("clocks", "0002_default_policies")]
    operations = [migrations.RunPython(create_defaults, migrations.RunPython.noop)]
