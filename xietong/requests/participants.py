"""参与部门及职责 as the request form takes them — one department a line, as the 协作需求沟通单 writes them
("市场部/罗倩：提供用户调研数据") — and as they are stored: the receiving department always takes part (its
receiver the contact); the others are added, changed or withdrawn while the request may be edited."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from django.utils.translation import gettext as _

from xietong.items.runner import run_step
from xietong.org.models import Department, Person
from xietong.requests.models import Participation, Request
from xietong.requests.participation import in_department

MAX_PARTICIPANTS = 20
_LINE = re.compile(r"^(?P<dept>[^/／:：]+?)\s*(?:[/／]\s*(?P<contact>[^:：]+?))?\s*[:：]\s*(?P<duties>.+)$")


@dataclass(frozen=True)
class Taking:
    """One participating department as typed: the department, its contact person (optional) and duties."""

    department: Department
    contact: Person | None
    duties: str


def participants_parse(text: str) -> tuple[list[Taking], str]:
    """The lines typed in 参与部门及职责, or the first problem found (a message for that field)."""
    found: list[Taking] = []
    seen: set[int] = set()
    lines = [line.strip() for line in (text or "").splitlines() if line.strip()]
    if len(lines) > MAX_PARTICIPANTS:
        return [], _("参与部门最多 %(n)d 个") % {"n": MAX_PARTICIPANTS}
    for number, line in enumerate(lines, start=1):
        match = _LINE.match(line)
        if match is None:
            return [], _(
                "第 %(n)d 行“%(line)s”格式不对：请写成“部门/对接人：职责”，如“市场部/罗倩：提供用户调研数据”"
            ) % {
                "n": number,
                "line": line,
            }
        name, contact_name, duties = match["dept"].strip(), (match["contact"] or "").strip(), match["duties"].strip()
        department = Department.objects.filter(name=name).select_related("head").first()
        if department is None:
            return [], _("第 %(n)d 行：没有名为“%(dept)s”的部门") % {"n": number, "dept": name}
        if department.pk in seen:
            return [], _("第 %(n)d 行：“%(dept)s”重复列出") % {"n": number, "dept": name}
        seen.add(department.pk)
        contact = None
        if contact_name:
            contact = _person_in(department, contact_name)
            if contact is None:
                return [], _("第 %(n)d 行：“%(dept)s”没有名为“%(person)s”的在职人员") % {
                    "n": number,
                    "dept": name,
                    "person": contact_name,
                }
        if department.head_id is None and contact is None:
            return [], _("第 %(n)d 行：“%(dept)s”未设部门负责人，请写明对接人") % {"n": number, "dept": name}
        if len(duties) > 300:
            return [], _("第 %(n)d 行：职责不超过 300 字") % {"n": number}
        found.append(Taking(department, contact, duties))
    return found, ""


def _person_in(department: Department, name: str) -> Person | None:
    for person in Person.objects.filter(is_active=True).filter(name=name) | Person.objects.filter(
        is_active=True, username=name
    ):
        if in_department(department, person):
            return person
    return None


def participants_text(request: Request) -> str:
    """The stored departments as the form shows them again (the receiving department's line included)."""
    lines = []
    for p in request.participations.exclude(state=Participation.State.WITHDRAWN).select_related(
        "department", "contact"
    ):
        contact = f"/{p.contact.display_name}" if p.contact else ""
        lines.append(f"{p.department.name}{contact}：{p.duties}" if p.duties else "")
    return "\n".join(line for line in lines if line)


def participations_store(
    *, actor: Any, request: Request, taking: list[Taking], withdraw_signed: bool = False, fresh: bool = False
) -> list[Participation]:
    """The request's departments become the receiving one plus `taking`: changed in place, new ones added
    (sent when the request is), the ones no longer named withdrawn (their clocks cancelled) — one that has
    signed too when `withdraw_signed` (a 需求变更 takes it off an accepted request). `fresh`: the request was
    created in this very transaction, so it has no departments yet to read."""
    wanted: dict[int, Taking] = {t.department.pk: t for t in taking}
    lead = wanted.pop(request.receiving_department_id, None)
    rows = [
        (
            request.receiving_department,
            request.receiver if request.receiver is not None else (lead.contact if lead else None),
            lead.duties if lead else "",
        ),
        *[(t.department, t.contact, t.duties) for t in wanted.values()],
    ]
    existing = {} if fresh else {p.department_id: p for p in request.participations.all()}
    kept = []
    for position, (department, contact, duties) in enumerate(rows, start=1):
        row = existing.pop(department.pk, None)
        if row is None or row.state == Participation.State.WITHDRAWN:
            if row is not None:
                row.delete()  # named again after it was withdrawn: a new signature is needed
            row = Participation.objects.create(
                request=request, department=department, contact=contact, duties=duties, position=position
            )
        elif (row.contact_id, row.duties, row.position) != (getattr(contact, "pk", None), duties, position):
            was = row.duties
            row.contact, row.duties, row.position = contact, duties, position
            row.save(update_fields=["contact", "duties", "position", "updated_at"])
            if (
                was != duties
                and row.state == Participation.State.CONFIRMED
                and department != request.receiving_department
            ):
                # its head signed other duties: that signature is void, asked again (the receiving department
                # signs through the request itself)
                row = run_step(
                    actor=actor,
                    item=row,
                    step="void",
                    reason=_("本部门职责已调整，原签字作废"),
                    inputs={"was": was},
                    as_system=True,
                )
        kept.append(row)
    for row in existing.values():
        if row.state == Participation.State.DRAFT:
            row.delete()
        elif row.state == Participation.State.AWAITING or (
            withdraw_signed and row.state == Participation.State.CONFIRMED
        ):
            run_step(actor=actor, item=row, step="withdraw", reason=_("不再参与本需求"), as_system=True)
    return kept
