"""Org sync (通讯录同步): the departments (a tree, with their 部门主管) and people of DingTalk, WeCom or Feishu
brought into Xietong. `plan_sync` reads the platform and says what would change (new, renamed, moved, head
changed, details changed, departed) without writing anything; `apply_plan` makes exactly those changes in
one audited transaction.

Matching: a department by its platform id, else (the first sync of a hand-typed org chart) by its name under
the same parent; a person by their platform id, else by work email, else by mobile — one candidate only,
never by display name. What the platform does not know is kept: local roles (分管领导, 综合管理部, 总经理,
administrators), people never on the platform, a head the platform leaves empty.

A person who left (gone from the platform, or marked resigned/disabled there) is never just switched off:
the departure goes through the hand-over (registered by the items app: open items, clocks and roles pass
to a successor) to the head of their department by default, the next head up when they head it themselves.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from django.db import IntegrityError, transaction
from django.db.models import Q
from django.db.models.functions import Lower
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from xietong.core.audit import audit_record
from xietong.core.errors import ApplicationError
from xietong.core.permissions import forget_reach
from xietong.core.platforms import PLATFORMS, PlatformClient, PlatformNotConfigured, platform_client
from xietong.core.platforms.base import RemoteDepartment, RemotePerson, parents_first
from xietong.org.models import Department, Person

NEW, CHANGED, DEPARTED = "new", "changed", "departed"

# (actor, person who left, successor): hands over and deactivates (items.handover.person_hand_over).
DepartureHandler = Callable[[Person, Person, Person], Any]
_departure_handler: list[DepartureHandler] = []


def register_departure_handler(handler: DepartureHandler) -> None:
    _departure_handler[:] = [handler]


def sync_sources() -> list[tuple[str, str]]:
    """(key, label) of the sources a sync can read: the platforms whose keys are set, the LDAP directory when
    configured, and an Excel sheet (uploaded, or XIETONG_ORG_SYNC_EXCEL_FILE for the scheduled sync)."""
    from xietong.org import excel_directory, ldap_directory

    found = []
    for key, cls in PLATFORMS.items():
        try:
            cls.from_settings()
        except PlatformNotConfigured:
            continue
        found.append((key, cls.label))
    if ldap_directory.configured():
        found.append((ldap_directory.SOURCE, ldap_directory.label()))
    found.append((excel_directory.SOURCE, excel_directory.label()))
    return found


@dataclass
class DepartmentPlan:
    remote: RemoteDepartment
    local: Department | None  # None: to be created
    changes: dict[str, tuple[str, str]] = field(default_factory=dict)  # what → (before, after), as shown
    parent_remote_id: str | None = None  # None: under the company's root department
    head_remote_id: str | None = None  # the platform's 部门主管, when it changes the head
    link: bool = False  # matched by name: the platform id gets stored

    @property
    def kind(self) -> str:
        return NEW if self.local is None else CHANGED


@dataclass
class PersonPlan:
    kind: str  # new, changed, departed
    local: Person | None
    remote: RemotePerson | None
    changes: dict[str, tuple[str, str]] = field(default_factory=dict)
    values: dict[str, str] = field(default_factory=dict)  # field → new value (name, title, phone, email)
    department_remote_id: str | None = None  # moved to (or, when new, placed in)
    link: bool = False
    successor: Person | None = None  # departed: who takes over
    postponed: bool = False  # departed: the administrator chose no successor for now


@dataclass
class SyncPlan:
    source: str
    label: str
    departments: list[DepartmentPlan]
    people: list[PersonPlan]
    unchanged_people: int = 0

    @property
    def empty(self) -> bool:
        return not self.departments and not self.people

    def counts(self) -> dict[str, int]:
        people = self.people
        return {
            "departments_new": sum(d.kind == NEW for d in self.departments),
            "departments_changed": sum(d.kind == CHANGED for d in self.departments),
            "people_new": sum(p.kind == NEW for p in people),
            "people_changed": sum(p.kind == CHANGED for p in people),
            "people_moved": sum(p.kind == CHANGED and "department" in p.changes for p in people),
            "people_departed": sum(p.kind == DEPARTED for p in people),
        }

    def lines(self) -> list[str]:
        """The diff in words, one change a line (the dry run prints these, the admin page lists them)."""
        out: list[str] = []
        for d in self.departments:
            if d.kind == NEW:
                parent = d.changes["parent"][1]
                out.append(_("新增部门 %(name)s（上级：%(parent)s）") % {"name": d.remote.name, "parent": parent})
                if "head" in d.changes:
                    out.append(
                        _("部门负责人 %(name)s：%(before)s → %(after)s")
                        % {"name": d.remote.name, "before": "—", "after": d.changes["head"][1]}
                    )
                continue
            assert d.local is not None
            if d.link:
                out.append(_("关联部门 %(name)s（按名称匹配）") % {"name": d.local.name})
            for what, label in (("name", _("部门更名")), ("parent", _("部门调整上级")), ("head", _("部门负责人"))):
                if what in d.changes:
                    before, after = d.changes[what]
                    out.append(
                        _("%(what)s %(name)s：%(before)s → %(after)s")
                        % {"what": label, "name": d.local.name, "before": before or "—", "after": after or "—"}
                    )
        for p in self.people:
            if p.kind == NEW:
                assert p.remote is not None
                out.append(
                    _("新增人员 %(name)s（%(department)s，%(title)s）")
                    % {"name": p.remote.name, "department": p.changes["department"][1], "title": p.remote.title or "—"}
                )
            elif p.kind == CHANGED:
                assert p.local is not None
                if p.link:
                    out.append(_("关联人员 %(name)s（按邮箱或手机匹配）") % {"name": p.local.display_name})
                if "department" in p.changes:
                    before, after = p.changes["department"]
                    out.append(
                        _("人员调动 %(name)s：%(before)s → %(after)s")
                        % {"name": p.local.display_name, "before": before or "—", "after": after}
                    )
                details = [
                    f"{FIELD_LABELS[k]} {b or '—'} → {a or '—'}" for k, (b, a) in p.changes.items() if k != "department"
                ]
                if details:
                    out.append(
                        _("人员信息变更 %(name)s：%(details)s")
                        % {"name": p.local.display_name, "details": "；".join(details)}
                    )
            else:
                assert p.local is not None
                if p.successor is not None:
                    out.append(
                        _("离职 %(name)s：停用账号，工作交接给 %(successor)s")
                        % {"name": p.local.display_name, "successor": p.successor.display_name}
                    )
                elif p.postponed:
                    out.append(_("离职 %(name)s：暂不交接，账号保持启用") % {"name": p.local.display_name})
                else:
                    out.append(
                        _("离职 %(name)s：找不到接替人（所在部门及上级部门均无负责人），请手动办理离职交接")
                        % {"name": p.local.display_name}
                    )
        return out

    def fingerprint(self) -> str:
        """What the plan would do, as a digest: applying checks it is still what the administrator saw."""
        text = json.dumps([self.source, self.lines()], ensure_ascii=False)
        return hashlib.sha256(text.encode()).hexdigest()[:32]


FIELD_LABELS = {
    "name": gettext_lazy("姓名"),
    "title": gettext_lazy("职务"),
    "phone": gettext_lazy("手机"),
    "email": gettext_lazy("邮箱"),
}


# --- reading the platform ------------------------------------------------------------------------------


def read_directory(client: PlatformClient) -> tuple[list[RemoteDepartment], list[RemotePerson]]:
    """Every department (parents before children) and every person (once, however many departments)."""
    departments = parents_first(client.departments(), client.root_department)
    people: dict[str, RemotePerson] = {}
    for department_id in [client.root_department, *(d.id for d in departments)]:
        for person in client.department_people(department_id):
            people.setdefault(person.id, person)
    return departments, list(people.values())


# --- planning ------------------------------------------------------------------------------------------


def _phone(value: str) -> str:
    return re.sub(r"[\s\-()]", "", value or "").removeprefix("+86")


def plan_sync(source: str, *, sheet: bytes | None = None) -> SyncPlan:
    """Read `source` (a platform, "ldap", or "excel" with the workbook's bytes) and say what a sync would
    change. Writes nothing (PlatformError if the platform or directory cannot be read, PlatformBusy when it
    stays rate-limited, excel_directory.SheetError for a sheet with a mistake)."""
    from xietong.org import excel_directory, ldap_directory

    if source == ldap_directory.SOURCE:
        departments, people = ldap_directory.read_directory()
        return plan_from(source, ldap_directory.label(), departments, people)
    if source == excel_directory.SOURCE:
        if sheet is None:
            raise excel_directory.SheetError(_("请上传按模板填写的 Excel 通讯录"))
        departments, people = excel_directory.read(sheet)
        return plan_from(source, excel_directory.label(), departments, people)
    client = platform_client(source)
    remote_departments, remote_people = read_directory(client)
    return plan_from(source, client.label, remote_departments, remote_people)


def plan_from(
    source: str, label: str, remote_departments: list[RemoteDepartment], remote_people: list[RemotePerson]
) -> SyncPlan:
    id_field = f"{source}_id"
    root = Department.objects.filter(parent=None).order_by("sort_order", "pk").first()

    # People first: department heads name people.
    linked_people = {getattr(p, id_field): p for p in Person.objects.exclude(**{id_field: ""})}
    unlinked = list(Person.objects.filter(**{id_field: ""}))
    person_of: dict[str, Person] = {}  # remote id → local person (existing)
    linked_now: set[int] = set()
    for r in remote_people:
        local = linked_people.get(r.id)
        if local is None:
            local = _match(r, [p for p in unlinked if p.pk not in linked_now])
            if local is not None:
                linked_now.add(local.pk)  # matched by email or mobile: the platform id gets stored
        if local is not None:
            person_of[r.id] = local

    # Departments: by platform id, else by name under the same parent.
    linked_departments = {getattr(d, id_field): d for d in Department.objects.exclude(**{id_field: ""})}
    department_of: dict[str, Department] = {}
    planned_names: dict[str, str] = {}
    department_plans: list[DepartmentPlan] = []
    remote_ids = {d.id for d in remote_departments}
    remote_by_id = {r.id: r for r in remote_people}
    for dep in remote_departments:
        parent_remote = dep.parent_id if dep.parent_id in remote_ids else None  # None: the company's root
        local_parent = department_of.get(parent_remote) if parent_remote else root
        parent_is_new = parent_remote is not None and local_parent is None
        local = linked_departments.get(dep.id)
        link = False
        if local is None:
            taken = set(department_of.values())
            local = _department_by_name(dep.name, local_parent, id_field, remote_ids, taken, parent_is_new)
            link = local is not None
        plan = DepartmentPlan(remote=dep, local=local, parent_remote_id=parent_remote, link=link)
        parent_name = planned_names[parent_remote] if parent_remote else (root.name if root else "—")
        head_id = next((h for h in dep.head_ids if h in remote_by_id and remote_by_id[h].active), None)
        head = person_of.get(head_id) if head_id else None
        head_name = head.display_name if head else (remote_by_id[head_id].name if head_id else "")
        if local is None:
            plan.changes["parent"] = ("", parent_name)
        else:
            department_of[dep.id] = local
            if local.name != dep.name:
                plan.changes["name"] = (local.name, dep.name)
            if parent_is_new or local.parent_id != (local_parent.pk if local_parent else None):
                plan.changes["parent"] = (local.parent.name if local.parent else "", parent_name)
        if head_id and (local is None or head is None or local.head_id != head.pk):
            before = local.head.display_name if local is not None and local.head else ""
            plan.changes["head"] = (before, head_name)
            plan.head_remote_id = head_id
        planned_names[dep.id] = dep.name
        if plan.local is None or plan.changes or plan.link:
            department_plans.append(plan)

    def department_label(remote_id: str | None) -> str:
        if remote_id is None:
            return root.name if root else "—"
        return planned_names.get(remote_id, "—")

    people_plans: list[PersonPlan] = []
    unchanged = 0
    seen: set[int] = set()
    for r in remote_people:
        local = person_of.get(r.id)
        target = next((d for d in r.department_ids if d in remote_ids), None)
        if local is None:
            if not r.active:
                continue
            values = {"name": r.name, "title": r.title, "phone": _phone(r.mobile), "email": r.email}
            people_plans.append(
                PersonPlan(
                    NEW,
                    None,
                    r,
                    changes={"department": ("", department_label(target))},
                    values=values,
                    department_remote_id=target,
                )
            )
            continue
        seen.add(local.pk)
        if not r.active:
            if local.is_active:
                people_plans.append(PersonPlan(DEPARTED, local, r))
            continue
        change = PersonPlan(CHANGED, local, r, link=local.pk in linked_now)
        for name, value in (("name", r.name), ("title", r.title), ("phone", _phone(r.mobile)), ("email", r.email)):
            if value and getattr(local, name) != value:
                change.changes[name] = (getattr(local, name), value)
                change.values[name] = value
        current_remote = next(
            (rid for rid, d in department_of.items() if d.pk == local.department_id and rid in r.department_ids), None
        )
        stays = current_remote is not None or (target is None and local.department_id == (root.pk if root else None))
        if not stays:
            change.changes["department"] = (local.department.name if local.department else "", department_label(target))
            change.department_remote_id = target
        if change.changes or change.link:
            people_plans.append(change)
        else:
            unchanged += 1
    for local in linked_people.values():
        if local.pk not in seen and local.is_active:
            people_plans.append(PersonPlan(DEPARTED, local, None))

    departing = {p.local.pk for p in people_plans if p.kind == DEPARTED and p.local is not None}
    new_heads = {
        d.local.pk: person_of[d.head_remote_id] for d in department_plans if d.local and d.head_remote_id in person_of
    }
    for p in people_plans:
        if p.kind == DEPARTED and p.local is not None:
            p.successor = _successor(p.local, departing, new_heads)
    return SyncPlan(source, label, department_plans, people_plans, unchanged)


def _department_by_name(
    name: str,
    parent: Department | None,
    id_field: str,
    remote_ids: set[str],
    taken: set[Department],
    parent_is_new: bool,
) -> Department | None:
    """A department of that name not linked to a department the platform still has: under the same parent,
    else the only one of that name anywhere (moved since the chart was typed in). A department deleted and
    created again on the platform keeps its row, its projects and its history."""
    unlinked = (
        Department.objects.filter(name=name)
        .filter(Q(**{id_field: ""}) | ~Q(**{f"{id_field}__in": remote_ids}))
        .exclude(pk__in=[d.pk for d in taken])
    )
    if not parent_is_new:
        same_parent = unlinked.filter(parent=parent).first()
        if same_parent is not None:
            return same_parent
    found = list(unlinked[:2])
    return found[0] if len(found) == 1 else None


def _match(remote: RemotePerson, candidates: list[Person]) -> Person | None:
    """The one unlinked person with the remote person's work email, else their mobile; never a name."""
    if remote.email:
        found = [p for p in candidates if p.email and p.email.lower() == remote.email.lower()]
        if len(found) == 1:
            return found[0]
        if found:
            return None
    mobile = _phone(remote.mobile)
    if mobile:
        found = [p for p in candidates if p.phone and _phone(p.phone) == mobile]
        if len(found) == 1:
            return found[0]
    return None


def _successor(person: Person, departing: set[int], new_heads: dict[int, Person]) -> Person | None:
    """The head of the person's department, walking up while the head is missing, the person themselves,
    inactive or leaving too."""
    department = person.department
    while department is not None:
        head = new_heads.get(department.pk, department.head)
        if head is not None and head.pk != person.pk and head.is_active and head.pk not in departing:
            return head
        department = department.parent
    return None


# --- applying ------------------------------------------------------------------------------------------


def _department_code(source: str, remote_id: str) -> str:
    base = re.sub(r"[^a-z0-9-]+", "-", f"{source}-{remote_id}".lower()).strip("-")[:36]
    code, n = base, 1
    while Department.objects.filter(code=code).exists():
        n += 1
        code = f"{base}-{n}"
    return code


def _username(source: str, remote: RemotePerson) -> str:
    taken = set(Person.objects.annotate(u=Lower("username")).values_list("u", flat=True))
    local_part = remote.email.split("@")[0].lower() if remote.email else ""
    for candidate in (local_part, re.sub(r"[^a-z0-9_.-]+", "-", f"{source}-{remote.id}".lower())):
        if candidate and candidate not in taken:
            return candidate[:150]
    base, n = f"{source}-{remote.id}".lower()[:140], 2
    while f"{base}-{n}" in taken:
        n += 1
    return f"{base}-{n}"


def apply_plan(plan: SyncPlan, *, actor: Person) -> dict[str, int]:
    """Make the plan's changes, audited, all or nothing. Departures go through the hand-over."""
    try:
        return _apply(plan, actor)
    except IntegrityError as error:
        # e.g. two departments of one name under one parent: the administrator sorts it out in the admin.
        raise ApplicationError(
            _("与已有的部门或人员冲突，未做任何修改，请在管理后台处理后重新预览（%(error)s）") % {"error": error}
        ) from error


@transaction.atomic
def _apply(plan: SyncPlan, actor: Person) -> dict[str, int]:
    id_field = f"{plan.source}_id"
    root = Department.objects.filter(parent=None).order_by("sort_order", "pk").first()
    departments: dict[str, Department] = {getattr(d, id_field): d for d in Department.objects.exclude(**{id_field: ""})}

    def department_for(remote_id: str | None) -> Department | None:
        return departments.get(remote_id) if remote_id else root

    for d in plan.departments:
        parent = department_for(d.parent_remote_id)
        department: Department | None
        if d.local is None:
            department = Department.objects.create(
                name=d.remote.name,
                code=_department_code(plan.source, d.remote.id),
                parent=parent,
                **{id_field: d.remote.id},
            )
            audit_record(
                actor=actor,
                action="org.department.create",
                obj=department,
                after={"name": department.name, "parent": parent.pk if parent else None, id_field: d.remote.id},
            )
        else:
            department = Department.objects.select_for_update().get(pk=d.local.pk)
            was = {"name": department.name, "parent": department.parent_id, id_field: getattr(department, id_field)}
            department.name = d.remote.name
            if "parent" in d.changes:
                department.parent = parent
            setattr(department, id_field, d.remote.id)
            department.save()
            now = {"name": department.name, "parent": department.parent_id, id_field: d.remote.id}
            changed = {k: v for k, v in now.items() if was[k] != v}
            if changed:
                audit_record(
                    actor=actor,
                    action="org.department.change",
                    obj=department,
                    before={k: was[k] for k in changed},
                    after={**changed, "source": plan.source},
                )
        departments[d.remote.id] = department

    people: dict[str, Person] = {getattr(p, id_field): p for p in Person.objects.exclude(**{id_field: ""})}
    for p in plan.people:
        if p.kind == NEW:
            assert p.remote is not None
            department = department_for(p.department_remote_id)
            person = Person(
                username=_username(plan.source, p.remote),
                name=p.values["name"],
                title=p.values["title"],
                phone=p.values["phone"],
                email=p.values["email"],
                department=department,
                **{id_field: p.remote.id},
                guide_pending=True,  # the guide on their first sign-in
            )
            person.set_unusable_password()
            person.save()
            audit_record(
                actor=actor,
                action="org.person.create",
                obj=person,
                after={**p.values, "department": department.pk if department else None, id_field: p.remote.id},
            )
            people[p.remote.id] = person
        elif p.kind == CHANGED:
            assert p.local is not None and p.remote is not None
            person = Person.objects.select_for_update().get(pk=p.local.pk)
            before: dict[str, Any] = {}
            after: dict[str, Any] = {}
            for name, value in p.values.items():
                before[name], after[name] = getattr(person, name), value
                setattr(person, name, value)
            if "department" in p.changes:
                department = department_for(p.department_remote_id)
                before["department"], after["department"] = person.department_id, department.pk if department else None
                person.department = department
            if p.link:
                before[id_field], after[id_field] = "", p.remote.id
                setattr(person, id_field, p.remote.id)
            person.version += 1
            person.save()
            audit_record(
                actor=actor,
                action="org.person.change",
                obj=person,
                before=before,
                after={**after, "source": plan.source},
            )
            forget_reach(person)
            people[p.remote.id] = person

    for d in plan.departments:
        if d.head_remote_id and d.head_remote_id in people:
            department = departments[d.remote.id]
            head = people[d.head_remote_id]
            before_head = department.head_id
            department.head = head
            department.save(update_fields=["head", "updated_at"])
            audit_record(
                actor=actor,
                action="org.department.change",
                obj=department,
                before={"head": before_head},
                after={"head": head.pk, "head_name": head.display_name, "source": plan.source},
            )

    handed_over = 0
    for p in plan.people:
        if p.kind == DEPARTED and p.local is not None and p.successor is not None:
            if not _departure_handler:
                raise RuntimeError("no departure handler registered (the items app registers the hand-over)")
            # As the database has them now: a successor switched off since the preview refuses the hand-over.
            successor = Person.objects.get(pk=p.successor.pk)
            _departure_handler[0](actor, p.local, successor)
            handed_over += 1

    counts = plan.counts()
    counts["people_handed_over"] = handed_over
    audit_record(
        actor=actor,
        action="org.sync",
        object_type="org.sync",
        object_id=plan.source,
        object_label=_("%(platform)s通讯录同步") % {"platform": plan.label},
        after={"source": plan.source, **counts, "changes": plan.lines()},
    )
    return counts
