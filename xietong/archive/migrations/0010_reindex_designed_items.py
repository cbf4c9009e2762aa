"""Designed items were indexed with their steps' codes in the text (当前步骤：finance, 步骤：manager,
加签方式：before): queue every designed item so the worker indexes its steps by name (财务会签) and 加签 as
在我之前/在我之后. Idempotent: an item already queued keeps its row. Documents already filed keep their
text (a filed record never changes)."""

import uuid

from django.db import migrations

SUBJECT = "designer.designeditem"


def queue_designed_items(apps, schema_editor):
    DesignedItem = apps.get_model("designer", "DesignedItem")
    DirtySubject = apps.get_model("archive", "DirtySubject")
    queued = set(DirtySubject.objects.filter(subject_type=SUBJECT).values_list("subject_id", flat=True))
    DirtySubject.objects.bulk_create(
        [
            DirtySubject(subject_type=SUBJECT, subject_id=pk, token=uuid.uuid4().hex)
            for pk in DesignedItem.objects.values_list("pk", flat=True).iterator()
            if pk not in queued
        ],
        batch_size=1000,
    )


class Migration(migrations.Migration):
    dependencies = [
        ("archive", "0009_filed_documents"),
        ("designer", "0005_definition_prefix"),
    ]

    operations = [migrations.RunPython(queue_designed_items, migrations.RunPython.noop)]
