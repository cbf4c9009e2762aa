from django.db import migrations


def create_defaults(apps, schema_editor):
    # New policy rows (the problem's 完成时限 clock, improvement actions, onboarding steps) for existing
    # databases; rows an administrator already edited are left alone.
    from xietong.clocks.defaults import ensure_default_policies

    ensure_default_policies(apps)


class Migration(migrations.Migration):
    dependencies = [("problems", "0001_initial"), ("clocks", "0002_default_policies")]
    operations = [migrations.RunPython(create_defaults, migrations.RunPython.noop)]
