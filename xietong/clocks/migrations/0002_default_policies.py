from django.db import migrations


def create_defaults(apps, schema_editor):
    from xietong.clocks.defaults import ensure_default_policies

    ensure_default_policies(apps)


class Migration(migrations.Migration):
    dependencies = [("clocks", "0001_initial")]
    operations = [migrations.RunPython(create_defaults, migrations.RunPython.noop)]
