"""Writes to the organisation that people make themselves (administrators use the admin site)."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from xietong.core.audit import audit_record, changed_fields, snapshot
from xietong.core.concurrency import save_versioned
from xietong.core.errors import ApplicationError
from xietong.core.permissions import CHANGE, authorize
from xietong.org.models import Person

CONTACT_FIELDS = ("email", "phone", "dingtalk_id", "feishu_id", "wecom_id")


@transaction.atomic
def person_update_contact(*, actor: Person, person: Person, expected_version: int, **values: str) -> Person:
    """Change a person's own contact details and chat-tool ids (only they or an administrator may)."""
    authorize(actor, CHANGE, person)
    unknown = set(values) - set(CONTACT_FIELDS)
    if unknown:
        raise ApplicationError(fields={name: _("不可修改的字段") for name in unknown})
    person = Person.objects.select_for_update().get(pk=person.pk)
    before = snapshot(person, CONTACT_FIELDS)
    for name, value in values.items():
        setattr(person, name, (value or "").strip())
    try:
        person.full_clean(exclude=[f.name for f in Person._meta.fields if f.name not in CONTACT_FIELDS])
    except ValidationError as exc:
        raise ApplicationError(fields={k: " ".join(v) for k, v in exc.message_dict.items()}) from exc
    old, new = changed_fields(before, snapshot(person, CONTACT_FIELDS))
    if not new:
        return person
    save_versioned(person, expected_version=expected_version, fields=CONTACT_FIELDS)
    audit_record(actor=actor, action="org.person.update_contact", obj=person, before=old, after=new)
    return person
