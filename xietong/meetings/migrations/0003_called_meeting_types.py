from django.db import migrations


def create_types(apps, schema_editor):
    from xietong.meetings.defaults import ensure_meeting_types

    ensure_meeting_types(apps)  # the types added since 0002 (启动会、问题协调会 …); edited rows are kept


class Migration(migrations.Migration):
    dependencies = [("meetings", "0002_defaults")]
    operations = [migrations.RunPython(create_types, migrations.RunPython.noop)]
