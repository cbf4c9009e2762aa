from django.db import migrations


def create_defaults(apps, schema_editor):
    from xietong.clocks.defaults import ensure_default_policies

    ensure_default_policies(apps)  # ("notice", "*", "confirm") and its ladder, for databases made before them


class Migration(migrations.Migration):
    dependencies = [("notices", "0001_initial"), ("clocks", "0002_default_policies")]
    operations = [migrations.RunPython(create_defaults, migrations.RunPython.noop)]
