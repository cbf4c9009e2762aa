"""Designed limits in elapsed time (小时) were seeded with mode "elapsed", which the clocks count as working
time; they are the clocks' "wall" mode (issue 21). Armed clocks keep their due instant; a re-timing reads "wall"."""

from django.db import migrations


def forwards(apps, schema_editor):
    apps.get_model("clocks", "ClockPolicy").objects.filter(mode="elapsed").update(mode="wall")
    apps.get_model("clocks", "Clock").objects.filter(mode="elapsed").update(mode="wall")


class Migration(migrations.Migration):
    dependencies = [
        ("designer", "0003_approvaltask_started_at"),
        ("clocks", "0007_scheduled_changes"),
    ]

    operations = [migrations.RunPython(forwards, migrations.RunPython.noop)]
