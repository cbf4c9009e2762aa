"""Which Xietong account an outside sign-in stands for (OpenID Connect, LDAP / Active Directory, DingTalk,
WeCom, Feishu): the person whose id on that source is the identity's id; else — the first sign-in of a person
an administrator typed in — the one person with that work email, else the one with that mobile, whose id on
the source is still empty (the id is stored then). Never by display name: two 张伟 are two people.

Someone the source vouches for but no account matches is refused, unless the administrator enabled
just-in-time creation (Department.jit_sign_in) for the department the source names for them (or, when it
names none, the only department that has it enabled): then their account is created there, audited.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from django.db import transaction
from django.db.models.functions import Lower

from xietong.core.audit import audit_record
from xietong.org.models import Department, Person

UNKNOWN, INACTIVE = "unknown", "inactive"


@dataclass(frozen=True)
class Identity:
    """A person as a sign-in source describes them after it checked who they are."""

    source: str  # oidc, ldap, dingtalk, wecom, feishu: Person has a `<source>_id` field
    label: str  # the source as people know it (飞书, Keycloak, 公司目录…)
    user_id: str  # the source's stable id of the person (OIDC sub, LDAP entryUUID, platform user id)
    name: str = ""
    email: str = ""
    mobile: str = ""
    title: str = ""
    department: str = ""  # the department the source names (its id on the source, code or name)
    username: str = ""  # what the person typed or the source calls their login name


def normalise_mobile(value: str) -> str:
    return re.sub(r"[\s\-()]", "", value or "").removeprefix("+86")


def _one(rows):
    """The only row, else None (none, or more than one)."""
    found = list(rows[:2])
    return found[0] if len(found) == 1 else None


def match_person(identity: Identity) -> Person | None:
    """The account `identity` stands for, or None (no one, or — a data error for an administrator — more
    than one with that email or mobile)."""
    if not identity.user_id:
        return None
    id_field = f"{identity.source}_id"
    by_id = _one(Person.objects.filter(**{id_field: identity.user_id}))
    if by_id is not None:
        return by_id
    unlinked = Person.objects.filter(**{id_field: ""})
    if identity.email:
        with_email = unlinked.annotate(mail=Lower("email")).filter(mail=identity.email.strip().lower())
        if with_email.exists():
            return _one(with_email)
    mobile = normalise_mobile(identity.mobile)
    if mobile:
        candidates = [p for p in unlinked.exclude(phone="") if normalise_mobile(p.phone) == mobile]
        if len(candidates) == 1:
            return candidates[0]
    return None


def jit_department(identity: Identity) -> Department | None:
    """Where a person unknown to Xietong is created on first sign-in: the department the source names, when
    just-in-time creation is enabled there; when the source names none, the only department enabled."""
    enabled = Department.objects.filter(jit_sign_in=True)
    if identity.department:
        named = identity.department
        id_field = f"{identity.source}_id"
        lookups = [{"code": named}, {"name": named}]
        if hasattr(Department, id_field):
            lookups.insert(0, {id_field: named})
        for lookup in lookups:
            found = _one(Department.objects.filter(**lookup))
            if found is not None:
                return found if found.jit_sign_in else None
        return None
    return _one(enabled)


def _username(identity: Identity) -> str:
    taken = set(Person.objects.annotate(u=Lower("username")).values_list("u", flat=True))
    local_part = identity.email.split("@")[0] if identity.email else ""
    for candidate in (identity.username, local_part):
        candidate = re.sub(r"[^\w.@+-]+", "-", (candidate or "").strip().lower())[:150]
        if candidate and candidate not in taken:
            return candidate
    base, n = re.sub(r"[^\w.@+-]+", "-", f"{identity.source}-{identity.user_id}".lower())[:140], 1
    candidate = base
    while candidate in taken:
        n += 1
        candidate = f"{base}-{n}"
    return candidate


@transaction.atomic
def link_or_create(identity: Identity) -> tuple[Person | None, str]:
    """(person, "") for a person who may sign in — their source id stored if they were matched by email or
    mobile, or their account just created — else (person or None, reason) with reason UNKNOWN or INACTIVE."""
    person = match_person(identity)
    id_field = f"{identity.source}_id"
    if person is None:
        department = jit_department(identity)
        if department is None:
            return None, UNKNOWN
        person = Person(
            username=_username(identity),
            name=identity.name or identity.username or identity.user_id,
            email=identity.email,
            phone=normalise_mobile(identity.mobile)[:20],
            title=identity.title,
            department=department,
            password_sign_in=False,  # they sign in where they came from
            **{id_field: identity.user_id},
            guide_pending=True,  # the guide on their first sign-in
        )
        person.set_unusable_password()
        person.save()
        audit_record(
            actor=None,
            action="org.person.create",
            obj=person,
            after={
                "name": person.name,
                "email": person.email,
                "phone": person.phone,
                "department": department.pk,
                id_field: identity.user_id,
                "source": identity.source,
                "reason": "jit",
            },
        )
        return person, ""
    if not person.is_active:
        return person, INACTIVE
    if getattr(person, id_field) != identity.user_id:
        Person.objects.filter(pk=person.pk).update(**{id_field: identity.user_id})
        setattr(person, id_field, identity.user_id)
        audit_record(
            actor=None,
            action="org.person.change",
            obj=person,
            before={id_field: ""},
            after={id_field: identity.user_id, "source": identity.source, "reason": "matched on sign-in"},
        )
    return person, ""


@transaction.atomic
def record_refusal(identity: Identity, person: Person | None, reason: str) -> None:
    """A sign-in the source vouched for but Xietong refused (unknown or deactivated person), in the trail."""
    audit_record(
        actor=None,
        action="auth.sso_refused",
        obj=person,
        object_type=None if person else "org.person",
        object_id=None if person else "",
        object_label=None if person else f"{identity.label} {identity.user_id}",
        after={"platform": identity.source, "user_id": identity.user_id, "reason": reason},
    )
