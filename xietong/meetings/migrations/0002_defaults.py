from django.db import migrations


def create_defaults(apps, schema_editor):
    from xietong.clocks.defaults import ensure_default_policies
    from xietong.meetings.defaults import ensure_meeting_types

    ensure_default_policies(apps)  # the meeting notice and answer limits (idempotent)
    ensure_meeting_types(apps)


class Migration(migrations.Migration):
    dependencies = [("meetings", "0001_initial"), ("clocks", "0002_default_policies")]
    operations = [migrations.RunPython(create_defaults, migrations.RunPython.noop)]
