from django.db import migrations


def create_default(apps, schema_editor):
    WorkCalendar = apps.get_model("workcal", "WorkCalendar")
    if not WorkCalendar.objects.filter(is_default=True).exists():
        WorkCalendar.objects.get_or_create(
            code="standard",
            defaults={"name": "标准工作日历", "is_default": True, "periods": "09:00-12:00, 13:30-18:00",
                      "workdays": "0,1,2,3,4", "statutory": True},
        )


class Migration(migrations.Migration):
    dependencies = [("workcal", "0001_initial")]
    operations = [migrations.RunPython(create_default, migrations.RunPython.noop)]
