"""Notices were indexed with their HTML tags (<strong>, <li> …) in the text: queue every notice so the
worker indexes its plain text. Idempotent: a notice already queued keeps its row."""

import uuid

from django.db import migrations


def queue_notices(apps, schema_editor):
    Notice = apps.get_model("notices", "Notice")
    DirtySubject = apps.get_model("archive", "DirtySubject")
    queued = set(DirtySubject.objects.filter(subject_type="notices.notice").values_list("subject_id", flat=True))
    DirtySubject.objects.bulk_create(
        [
            DirtySubject(subject_type="notices.notice", subject_id=pk, token=uuid.uuid4().hex)
            for pk in Notice.objects.values_list("pk", flat=True).iterator()
            if pk not in queued
        ],
        batch_size=1000,
    )


class Migration(migrations.Migration):
    dependencies = [
        ("archive", "0004_archive_without_project"),
        ("notices", "0002_default_policies"),
    ]

    operations = [migrations.RunPython(queue_notices, migrations.RunPython.noop)]
