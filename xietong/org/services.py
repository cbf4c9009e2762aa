"""Writes to the organisation that people make themselves (administrators use the admin site)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from xietong.core import clock
from xietong.core.audit import audit_record, changed_fields, snapshot
from xietong.core.concurrency import save_versioned
from xietong.core.errors import ApplicationError, Forbidden, NotFound
from xietong.core.permissions import CHANGE, authorize, forget_reach
from xietong.org.models import Absence, Person, Project, ProjectMembership

CONTACT_FIELDS = ("email", "phone", "dingtalk_id", "feishu_id", "wecom_id")

# What a person still answers for, asked before an account is switched off (the items app registers
# "open items and clocks"): a person who leaves is handed over first, never silently deactivated.
_deactivation_checks: list[Callable[[Person], str | None]] = []


def register_deactivation_check(check: Callable[[Person], str | None]) -> None:
    if check not in _deactivation_checks:
        _deactivation_checks.append(check)


def deactivation_blockers(person: Person) -> list[str]:
    return [reason for check in _deactivation_checks if (reason := check(person))]


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


def may_set_absence(actor: Person, person: Person) -> bool:
    """The person themselves, the head of their department (sub-departments included) or an administrator."""
    if actor.pk == person.pk or actor.is_staff or actor.is_superuser:
        return True
    from xietong.org.tree import DepartmentTree

    return person.department_id is not None and person.department_id in DepartmentTree.load().led_by(actor.pk)


@transaction.atomic
def absence_set(
    *,
    actor: Person,
    person: Person,
    stand_in: Person | None,
    starts_at: dt.datetime | None,
    ends_at: dt.datetime | None,
    reason: str,
    kind: str = Absence.Kind.LEAVE,
) -> Absence:
    """Record an absence (or, by an administrator, a departure) and who stands in meanwhile (代理)."""
    if not may_set_absence(actor, person):
        raise Forbidden(_("只有本人、其部门负责人或系统管理员可以为 %(name)s 设置代理") % {"name": person})
    if kind == Absence.Kind.DEPARTURE and not (actor.is_staff or actor.is_superuser):
        raise Forbidden(_("离职代理由系统管理员设置"))
    reason = (reason or "").strip()
    errors: dict[str, str] = {}
    if stand_in is None:
        errors["stand_in"] = _("请选择代理人")
    elif stand_in.pk == person.pk:
        errors["stand_in"] = _("不能指定本人为自己的代理人")
    elif not stand_in.is_active:
        errors["stand_in"] = _("%(name)s 的账号已停用，不能担任代理人") % {"name": stand_in}
    if starts_at is None:
        errors["starts_at"] = _("请填写开始时间")
    if kind == Absence.Kind.LEAVE and ends_at is None:
        errors["ends_at"] = _("请填写结束时间")
    if starts_at and ends_at and ends_at <= starts_at:
        errors["ends_at"] = _("结束时间须晚于开始时间")
    if not reason:
        errors["reason"] = _("请填写事由，例如“国庆休假”")
    elif len(reason) > 200:
        errors["reason"] = _("事由不能超过 200 字")
    if errors or stand_in is None or starts_at is None:
        raise ApplicationError(_("代理设置有误"), fields=errors)
    absence = Absence.objects.create(
        person=person, stand_in=stand_in, starts_at=starts_at, ends_at=ends_at, reason=reason, kind=kind, set_by=actor
    )
    audit_record(
        actor=actor,
        action="org.absence.set",
        obj=person,
        after={
            "absence": absence.pk,
            "kind": kind,
            "stand_in": stand_in.pk if stand_in else None,
            "stand_in_name": stand_in.display_name if stand_in else "",
            "starts_at": starts_at,
            "ends_at": ends_at,
            "reason": reason,
        },
    )
    forget_reach(actor)
    return absence


@transaction.atomic
def absence_cancel(*, actor: Person, absence_id: int) -> Absence:
    absence = Absence.objects.select_for_update().select_related("person").filter(pk=absence_id).first()
    if absence is None or not may_set_absence(actor, absence.person):
        raise NotFound()
    if absence.cancelled_at is not None:
        raise ApplicationError(_("该代理设置已撤销"))
    absence.cancelled_at = clock.now()
    absence.save(update_fields=["cancelled_at", "updated_at"])
    audit_record(actor=actor, action="org.absence.cancel", obj=absence.person, before={"absence": absence.pk})
    return absence


def project_members_admit(*, actor: Person, project: Project, people: list[Person | None]) -> list[Person]:
    """A department head who names a member of her department on a project's work adds them to the project
    there and then (one audit event each on the project); anyone else still has to be a member already.
    Returns who joined. Runs in the caller's transaction: if the work is refused, nobody joins."""
    from xietong.org.tree import DepartmentTree

    led = DepartmentTree.load().led_by(actor.pk)
    if not led:
        return []
    members = set(project.memberships.values_list("person_id", flat=True)) | {project.lead_id}
    joined: list[Person] = []
    for person in people:
        if person is None or person.pk in members or person.department_id not in led or not person.is_active:
            continue
        ProjectMembership.objects.create(project=project, person=person)
        members.add(person.pk)
        joined.append(person)
        forget_reach(person)
        audit_record(
            actor=actor,
            action="org.project.member_add",
            obj=project,
            after={"person": person.pk, "name": person.display_name, "department": person.department_id},
        )
    return joined
