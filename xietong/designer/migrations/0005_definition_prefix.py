"""A published definition's 编号前缀 as a column with one process per prefix (issue 21): 「另建一份」 kept the
original's prefix and nothing stopped publishing it, so two processes could number items alike. Each published
definition takes its newest version's prefix; where two already share one, the first published keeps it and
the other is left "" — it is refused at 编号前缀 when it is published next."""

from django.db import migrations, models


def forwards(apps, schema_editor):
    Definition = apps.get_model("designer", "ProcessDefinition")
    Version = apps.get_model("designer", "DefinitionVersion")
    taken = set()
    first_published = Version.objects.filter(n=1).order_by("published_at", "pk").values_list("definition_id", flat=True)
    for definition_id in first_published:
        newest = Version.objects.filter(definition_id=definition_id).order_by("-n").first()
        prefix = str((newest.document or {}).get("prefix") or "")
        if prefix and prefix not in taken:
            taken.add(prefix)
            Definition.objects.filter(pk=definition_id).update(prefix=prefix)


class Migration(migrations.Migration):
    dependencies = [
        ("designer", "0004_elapsed_limits_count_wall_time"),
    ]

    operations = [
        migrations.AddField(
            model_name="processdefinition",
            name="prefix",
            field=models.CharField(blank=True, max_length=10, verbose_name="编号前缀"),
        ),
        migrations.RunPython(forwards, migrations.RunPython.noop),
        migrations.AddConstraint(
            model_name="processdefinition",
            constraint=models.UniqueConstraint(
                condition=models.Q(("prefix", ""), _negated=True), fields=("prefix",), name="one_definition_per_prefix"
            ),
        ),
    ]
