"""Writes to notices that are not steps of its process (process.py): writing and editing a draft, and a
recipient's 已阅. Publishing, reminding and withdrawing are declared steps, run by `items.runner.run_step`."""

from __future__ import annotations

from typing import Any

from django.db import transaction
from django.utils.translation import gettext as _

from xietong.core.audit import audit_record, changed_fields, snapshot
from xietong.core.concurrency import save_versioned
from xietong.core.errors import ApplicationError, Conflict, Forbidden, InvalidState
from xietong.core.permissions import VIEW, authorize
from xietong.items.numbering import number_next
from xietong.items.runner import run_step
from xietong.notices.choices import NoticeState
from xietong.notices.models import Notice, NoticeReceipt
from xietong.notices.richtext import HTML
from xietong.notices.validation import NOTICE_FIELDS, notice_clean, notice_validate
from xietong.org.models import Department, Person


def _targets_snapshot(notice: Notice) -> dict[str, Any]:
    return {
        **snapshot(notice, NOTICE_FIELDS),
        "target_departments": sorted(notice.target_departments.values_list("pk", flat=True)),
        "target_people": sorted(notice.target_people.values_list("pk", flat=True)),
    }


@transaction.atomic
def notice_create(
    *,
    actor: Person,
    departments: list[Department] | None = None,
    people: list[Person] | None = None,
    publish: bool = False,
    **data: Any,
) -> Notice:
    """Write a notice (a draft, or published at once). The body is sanitised before it is stored."""
    departments, people = departments or [], people or []
    data = notice_clean(data)
    errors = notice_validate(actor, data, departments, people, publishing=publish)
    if errors:
        raise ApplicationError(_("通知填写不完整或有误"), fields=errors)
    notice = Notice(
        number=number_next("TZ"),
        created_by=actor,
        department=actor.department,
        **{k: v for k, v in data.items() if k in NOTICE_FIELDS},
    )
    notice.save()
    notice.target_departments.set(departments)
    notice.target_people.set(people)
    audit_record(actor=actor, action="notice.create", obj=notice, after=_targets_snapshot(notice))
    if publish:
        return run_step(actor=actor, item=notice, step="publish", inputs={"validated": True}, fresh=True)
    return notice


@transaction.atomic
def notice_update(
    *,
    actor: Person,
    notice: Notice,
    expected_version: int,
    departments: list[Department],
    people: list[Person],
    **data: Any,
) -> Notice:
    """Edit a draft. A published notice is not edited: withdraw it and send a corrected one."""
    authorize(actor, VIEW, notice)
    notice = Notice.objects.select_for_update().get(pk=notice.pk)
    if notice.version != expected_version:
        raise Conflict()
    if notice.created_by_id != actor.pk:
        raise Forbidden(_("只有发布人可以修改通知"))
    if notice.state != NoticeState.DRAFT:
        raise InvalidState(_("通知已发布，不能修改；如需更正请撤回后重新发布"))
    # The stored body is HTML already; a new body is the editor's HTML only when it says so.
    stored_format = {} if "body" in data else {"body_format": HTML}
    merged = notice_clean({**{f: getattr(notice, f) for f in NOTICE_FIELDS}, **stored_format, **data})
    errors = notice_validate(actor, merged, departments, people, publishing=False)
    if errors:
        raise ApplicationError(_("通知填写有误"), fields=errors)
    before = _targets_snapshot(notice)
    for name in NOTICE_FIELDS:
        setattr(notice, name, merged[name])
    save_versioned(notice, expected_version=expected_version, fields=NOTICE_FIELDS)
    notice.target_departments.set(departments)
    notice.target_people.set(people)
    old, new = changed_fields(before, _targets_snapshot(notice))
    if new:
        audit_record(actor=actor, action="notice.update", obj=notice, before=old, after=new)
    return notice


def notice_transition(
    *, actor: Person, notice: Notice, name: str, reason: str = "", expected_version: int | None = None
) -> Notice:
    """发布 / 提醒未确认人员 / 撤回: a declared step of the notice (process.py)."""
    return run_step(actor=actor, item=notice, step=name, reason=reason, expected_version=expected_version)


# --- Confirming -----------------------------------------------------------------------------------
@transaction.atomic
def notice_confirm(*, actor: Person, notice: Notice) -> NoticeReceipt:
    """The recipient confirms (已阅). Confirming twice changes nothing; after the deadline it still counts,
    recorded as late."""
    authorize(actor, VIEW, notice)
    notice = Notice.objects.select_for_update().get(pk=notice.pk)
    receipt = NoticeReceipt.objects.select_for_update().filter(notice=notice, person=actor).first()
    if receipt is None:
        raise Forbidden(_("您不在本通知的确认名单中"))
    if notice.state != NoticeState.PUBLISHED:
        raise InvalidState(_("通知已撤回，无需确认"))
    if receipt.confirmed_at is None:
        run_step(actor=actor, item=notice, step="confirm")  # the declared 已阅 step (process.py)
        receipt.refresh_from_db()
    return receipt
