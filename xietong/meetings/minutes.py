"""Writes to minutes (会议纪要) and their action items (决议事项) that are not steps: writing and revising the
minutes with their action-item table. Their steps (submit, sign, return; complete, reopen, cancel) are
declared in `meetings.minutes_process` and run by `items.runner.run_step`; minutes are due one working day
after the meeting ends (the meeting's "minutes" limit, armed with the notice).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from django.db import transaction
from django.utils.translation import gettext as _

from xietong.core import clock
from xietong.core.audit import audit_record, changed_fields
from xietong.core.errors import ApplicationError, Conflict, Forbidden, InvalidState
from xietong.core.permissions import VIEW, authorize
from xietong.items.runner import run_step
from xietong.meetings.choices import MeetingState, MinutesState
from xietong.meetings.minutes_process import MINUTES, may_write_minutes
from xietong.meetings.models import ActionItem, Meeting, Minutes
from xietong.meetings.rules import local
from xietong.org.models import Department, Person

MAX_ACTION_ITEMS = 50


@dataclass
class ActionLine:
    """One row of the minutes' action-item table as entered (id of an existing draft item, or None)."""

    title: str
    owner: Person | None
    due_date: dt.date | None
    id: int | None = None


def _writable_meeting(actor: Person, meeting: Meeting) -> Meeting:
    authorize(actor, VIEW, meeting)
    meeting = (
        Meeting.objects.select_for_update(of=("self",))
        .select_related("project", "organizer", "chair")
        .get(pk=meeting.pk)
    )
    if not may_write_minutes(actor, meeting):
        raise Forbidden(_("只有组织者、记录人或主持人可以编写会议纪要"))
    if meeting.state != MeetingState.NOTIFIED:
        raise InvalidState(
            _("会议状态为“%(s)s”，不能编写纪要（会议通知发出后、纪要确认前可编写）")
            % {"s": meeting.get_state_display()}
        )
    if meeting.start_at > clock.now():
        raise InvalidState(_("会议尚未开始，不能编写纪要"))
    return meeting


def _validate_lines(meeting: Meeting, lines: list[ActionLine]) -> dict[str, str]:
    problems = []
    meeting_day = local(meeting.start_at).date()
    for number, line in enumerate(lines, start=1):
        if not line.title.strip():
            problems.append(_("第 %(n)d 行：请填写事项内容") % {"n": number})
        elif len(line.title) > 120:
            problems.append(_("第 %(n)d 行：事项内容不超过 120 字") % {"n": number})
        if line.owner is None:
            problems.append(_("第 %(n)d 行：请选择负责人（负责人须为系统中的人员）") % {"n": number})
        elif not line.owner.is_active:
            problems.append(_("第 %(n)d 行：%(p)s 的账号已停用") % {"n": number, "p": line.owner.display_name})
        if line.due_date is None:
            problems.append(_("第 %(n)d 行：请填写完成期限") % {"n": number})
        elif line.due_date < meeting_day:
            problems.append(
                _("第 %(n)d 行：完成期限 %(d)s 早于会议日期") % {"n": number, "d": line.due_date.isoformat()}
            )
    if len(lines) > MAX_ACTION_ITEMS:
        problems.append(_("决议事项最多 %(n)d 项") % {"n": MAX_ACTION_ITEMS})
    return {"action_items": "；".join(problems)} if problems else {}


def _action_rows(meeting: Meeting) -> list[dict[str, Any]]:
    return [
        {"title": a.title, "owner": a.owner_id, "due_date": a.due_date.isoformat()}
        for a in meeting.action_items.order_by("position")
    ]


@transaction.atomic
def minutes_save(
    *,
    actor: Person,
    meeting: Meeting,
    discussion: str,
    decisions: str,
    action_items: list[ActionLine],
    departments: list[Department] | None = None,
    expected_version: int | None = None,
) -> Minutes:
    """Write or revise the minutes while they are a draft: discussion points, decisions, the action
    items (owner, due date) and the departments they go to."""
    meeting = _writable_meeting(actor, meeting)
    minutes = Minutes.objects.select_for_update().filter(meeting=meeting).first()
    if minutes is not None and expected_version is not None and minutes.version != expected_version:
        raise Conflict()
    if minutes is not None and minutes.state != MinutesState.DRAFT:
        raise InvalidState(_("纪要已提交主持人确认，退回后才能修改"))
    errors = _validate_lines(meeting, action_items)
    if len(discussion or "") > 20000 or len(decisions or "") > 20000:
        errors["discussion"] = _("纪要内容过长（每项不超过 20000 字）")
    if errors:
        raise ApplicationError(_("会议纪要填写有误"), fields=errors)
    created = minutes is None
    before = _minutes_snapshot(minutes, meeting) if minutes is not None else {}
    if minutes is None:
        minutes = Minutes(meeting=meeting, written_by=actor)
    else:
        minutes.version += 1
    minutes.discussion = (discussion or "").strip()
    minutes.decisions = (decisions or "").strip()
    minutes.updated_at = clock.now()
    minutes.save()
    minutes.departments.set(departments or [])
    _set_action_items(actor, meeting, action_items)
    old, new = changed_fields(before, _minutes_snapshot(minutes, meeting))
    if new:
        action = "meeting.minutes.create" if created else "meeting.minutes.update"
        audit_record(actor=actor, action=action, obj=meeting, before=old or None, after=new)
    return minutes


def _minutes_snapshot(minutes: Minutes, meeting: Meeting) -> dict[str, Any]:
    return {
        "discussion": minutes.discussion,
        "decisions": minutes.decisions,
        "departments": sorted(minutes.departments.values_list("pk", flat=True)),
        "action_items": _action_rows(meeting),
    }


def _set_action_items(actor: Person, meeting: Meeting, lines: list[ActionLine]) -> None:
    """Draft action items follow the table: rows kept by id are updated, missing ones removed, new
    ones added; numbers follow the table order (HY-2026-0001-A01 …)."""
    existing = {a.pk: a for a in meeting.action_items.select_for_update()}
    keep = [line.id for line in lines if line.id in existing]
    ActionItem.objects.filter(pk__in=[pk for pk in existing if pk not in keep]).delete()
    # Positions and numbers are unique: park the kept rows before renumbering them.
    for parked, pk in enumerate(keep, start=1):
        ActionItem.objects.filter(pk=pk).update(position=1000 + parked, number=f"{meeting.number}-P{parked:02d}")
    for position, line in enumerate(lines, start=1):
        assert line.owner is not None and line.due_date is not None
        values = {
            "title": line.title.strip(),
            "owner": line.owner,
            "department": line.owner.department or meeting.department,
            "due_date": line.due_date,
            "position": position,
            "number": f"{meeting.number}-A{position:02d}",
        }
        if line.id in existing:
            ActionItem.objects.filter(pk=line.id).update(**values, updated_at=clock.now())
        else:
            ActionItem.objects.create(meeting=meeting, project=meeting.project, created_by=actor, **values)


# --- Steps (declared in meetings.minutes_process) -------------------------------------------------------
@transaction.atomic
def minutes_transition(*, actor: Person, meeting: Meeting, name: str, reason: str = "") -> Minutes:
    """提交主持人确认 / 签字确认并分发 / 退回修改. The meeting is locked first, as by every write to its minutes."""
    authorize(actor, VIEW, meeting)
    Meeting.objects.select_for_update(of=("self",)).filter(pk=meeting.pk).first()
    minutes = Minutes.objects.filter(meeting=meeting).first()
    if minutes is None:
        raise InvalidState(_("尚未编写会议纪要"))
    return run_step(actor=actor, item=minutes, step=name, reason=reason)


def minutes_actions(meeting: Meeting, actor: Person) -> list:
    minutes = getattr(meeting, "minutes", None)
    if minutes is None:
        return []
    minutes.meeting = meeting
    return MINUTES.available(minutes, actor)


def may_edit_minutes(meeting: Meeting, actor: Person) -> bool:
    minutes = Minutes.objects.filter(meeting=meeting).first()
    return (
        may_write_minutes(actor, meeting)
        and meeting.state == MeetingState.NOTIFIED
        and meeting.start_at <= clock.now()
        and (minutes is None or minutes.state == MinutesState.DRAFT)
    )


# --- Action items ---------------------------------------------------------------------------------
def action_item_transition(*, actor: Person, item: ActionItem, name: str, reason: str = "") -> ActionItem:
    """标记完成 (owner) / 重新打开 / 取消 (organiser or chair)."""
    return run_step(actor=actor, item=item, step=name, reason=reason)
