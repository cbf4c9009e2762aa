from django.db import migrations, models


def late_delay_applications_refused(apps, schema_editor):
    """负责人需提前2天提交《延期申请》: the shipped policy refuses a late application (an administrator may
    set it to 仅标记). Seeded rows, and ones seeded later, both start this way (clocks.defaults.EXTRAS)."""
    Policy = apps.get_model("clocks", "ClockPolicy")
    Policy.objects.filter(process="delay", priority="*", kind="notice").update(when_late="refuse")


class Migration(migrations.Migration):
    dependencies = [
        ("clocks", "0005_rule_sources"),
    ]

    operations = [
        migrations.AddField(
            model_name="clockpolicy",
            name="when_late",
            field=models.CharField(
                choices=[("refuse", "拒绝（不予提交）"), ("flag", "仅标记（照常提交，标注未按时）")],
                default="flag",
                help_text="要求提前办理的规则（如延期申请须提前 2 个工作日提交）：迟了是拒绝还是仅标记",
                max_length=10,
                verbose_name="迟于时限时",
            ),
        ),
        migrations.RunPython(late_delay_applications_refused, migrations.RunPython.noop),
    ]
