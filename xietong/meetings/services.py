"""Writes to meetings that are not steps: filling in the application (会议申请表, one meeting or a weekly
series), editing it, editing a series. Its steps (提交审批、批准、驳回、发送会议通知、取消) are declared in
`meetings.process` and run by `items.runner.run_step`. The checks are in `rules.py`; answers (确认参加 /
请假) in `answers.py`; minutes and action items in `minutes.py`.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from django.db import transaction
from django.utils.translation import gettext as _

from xietong.clocks.services import clock_arm
from xietong.core import clock
from xietong.core.audit import audit_record, changed_fields, snapshot
from xietong.core.concurrency import save_versioned
from xietong.core.errors import ApplicationError, Conflict, Forbidden, InvalidState
from xietong.core.i18n import month_day
from xietong.core.permissions import VIEW, authorize
from xietong.items.numbering import number_next
from xietong.items.runner import run_step
from xietong.meetings.callers import called_meeting_set, caller_for, check_caller
from xietong.meetings.choices import EDITABLE_STATES, MeetingMode, MeetingState, ParticipantRole, Response
from xietong.meetings.minutes_limits import minutes_priority
from xietong.meetings.models import Meeting, MeetingSeries, Participation, SeriesFrequency
from xietong.meetings.process import MEETING
from xietong.meetings.rules import (
    MEETING_FIELDS,
    clean_agenda,
    engine_of,
    invitees,
    local,
    meeting_named,
    meeting_validate,
    meeting_warnings,
    notice_due_at,
    room_conflict,
    when_text,
)
from xietong.meetings.schedule import month_end_occurrences, notice_deadline, sent_late, weekly_occurrences
from xietong.meetings.wording import notice_body, tell
from xietong.notify.models import MessageKind
from xietong.org.models import Person


@dataclass
class MeetingSaved:
    """A saved meeting with what the organiser should know but need not fix (shown as warnings)."""

    meeting: Meeting
    warnings: list[str] = field(default_factory=list)
    occurrences: int = 1
    skipped: list[str] = field(default_factory=list)


# --- Participants ---------------------------------------------------------------------------------
def _roles(meeting: Meeting, people: list[Person]) -> dict[int, tuple[Person, str]]:
    """Everyone invited, with their role: the organiser and the chair always attend."""
    roles: dict[int, tuple[Person, str]] = {p.pk: (p, ParticipantRole.REQUIRED) for p in people}
    if meeting.recorder is not None:
        roles.setdefault(meeting.recorder.pk, (meeting.recorder, ParticipantRole.REQUIRED))
    roles[meeting.organizer.pk] = (meeting.organizer, ParticipantRole.ORGANIZER)
    roles[meeting.chair.pk] = (meeting.chair, ParticipantRole.CHAIR)
    return roles


def _set_participants(meeting: Meeting, people: list[Person]) -> tuple[list[Person], list[Person]]:
    """Replace the invitees, keeping the answers of those who stay. Returns (added, removed)."""
    wanted = _roles(meeting, people)
    current = {p.person_id: p for p in meeting.participations.select_related("person")}
    removed = [p.person for pid, p in current.items() if pid not in wanted]
    Participation.objects.filter(meeting=meeting, person_id__in=[p.pk for p in removed]).delete()
    added = []
    for pid, (person, role) in wanted.items():
        row = current.get(pid)
        if row is None:
            accepted = pid == meeting.organizer_id  # the organiser's own answer is yes
            Participation.objects.create(
                meeting=meeting,
                person=person,
                role=role,
                response=Response.ACCEPTED if accepted else Response.PENDING,
                responded_at=clock.now() if accepted else None,
            )
            added.append(person)
        elif row.role != role:
            row.role = role
            row.save(update_fields=["role"])
    return added, removed


def participant_ids(meeting: Meeting) -> list[int]:
    return sorted(meeting.participations.values_list("person_id", flat=True))


# --- Create and edit ------------------------------------------------------------------------------
def _fill_defaults(actor: Person, data: dict[str, Any]) -> dict[str, Any]:
    data = dict(data)
    data["agenda"] = clean_agenda(data.get("agenda"))
    data.setdefault("mode", MeetingMode.ROOM)
    data["chair"] = data.get("chair") or actor
    data["online_link"] = (data.get("online_link") or "").strip()
    data["title"] = (data.get("title") or "").strip()
    return data


def _snapshot(meeting: Meeting) -> dict[str, Any]:
    return {**snapshot(meeting, MEETING_FIELDS), "participants": participant_ids(meeting)}


@transaction.atomic
def meeting_create(
    *,
    actor: Person,
    participants: list[Person],
    repeat_until: dt.date | None = None,
    frequency: str = SeriesFrequency.WEEKLY,
    called_by: str = "",
    **data: Any,
) -> MeetingSaved:
    """Fill in a 会议申请表 (a draft). With `repeat_until`, a series up to that date: weekly (each working
    week one occurrence, holidays skipped) or at each month's end (its last working day). `called_by` names
    the item that calls the meeting ("requests.request:12", meetings.callers)."""
    data = _fill_defaults(actor, data)
    errors = meeting_validate(actor, data, participants, exclude=[])
    errors.update(check_caller(actor, called_by, data))
    caller = caller_for(actor, called_by) if called_by and not errors else None
    occurrences: list[tuple[dt.datetime, dt.datetime]] = []
    skipped: list[str] = []
    if repeat_until is not None and not errors:
        start, end = data["start_at"], data["end_at"]
        first = local(start).date()
        if repeat_until <= first:
            errors["repeat_until"] = _("重复截止日期须晚于首次会议日期 %(d)s") % {"d": first.isoformat()}
        elif repeat_until > first + dt.timedelta(days=366):
            errors["repeat_until"] = _("周期会议最长一年，请分段创建")
        else:
            occur = month_end_occurrences if frequency == SeriesFrequency.MONTH_END else weekly_occurrences
            plan = occur(engine_of(data["project"]), first, repeat_until)
            skipped = [_("%(day)s（%(why)s）") % {"day": month_day(d), "why": why} for d, why in plan.skipped]
            if not plan.days:
                errors["repeat_until"] = _("所选日期均为节假日或休息日，没有可安排的场次")
            for day in plan.days:
                shift = dt.timedelta(days=(day - first).days)
                occurrences.append((local(start) + shift, local(end) + shift))
            for s, e in occurrences[1:]:
                other = room_conflict(actor, data["room"], s, e, []) if data.get("room") else None
                if other is not None:
                    errors["room"] = _("%(day)s 会议室“%(room)s”已被 %(other)s占用") % {
                        "day": month_day(s),
                        "room": data["room"].name,
                        "other": meeting_named(actor, other),
                    }
                    break
    if errors:
        raise ApplicationError(_("会议申请表填写不完整或有误"), fields=errors)
    if not occurrences:
        occurrences = [(data["start_at"], data["end_at"])]
    series = None
    if repeat_until is not None:
        series = MeetingSeries.objects.create(
            title=data["title"],
            organizer=actor,
            weekday=local(data["start_at"]).weekday(),
            repeat_until=repeat_until,
            frequency=frequency,
        )
    first_meeting: Meeting | None = None
    warnings: list[str] = []
    for start, end in occurrences:
        meeting = Meeting(
            number=number_next("HY"),
            created_by=actor,
            organizer=actor,
            department=actor.department,
            series=series,
            called_by_type=caller._meta.label_lower if caller is not None else "",
            called_by_id=caller.pk if caller is not None else None,
            **{**{k: v for k, v in data.items() if k in MEETING_FIELDS}, "start_at": start, "end_at": end},
        )
        meeting.save()
        _set_participants(meeting, participants)
        after = _snapshot(meeting) | ({"called_by": called_by} if caller is not None else {})
        audit_record(actor=actor, action="meeting.create", obj=meeting, after=after)
        if not meeting.meeting_type.requires_approval:
            _arm_notice(meeting)
        if first_meeting is None:
            first_meeting = meeting
            warnings = meeting_warnings(actor, meeting, invitees(meeting), [meeting.pk])
    assert first_meeting is not None
    if first_meeting.meeting_type.requires_approval:
        warnings += _late_application_warning(first_meeting)
    return MeetingSaved(first_meeting, warnings, len(occurrences), skipped)


def _late_application_warning(meeting: Meeting) -> list[str]:
    engine = engine_of(meeting)
    days = meeting.meeting_type.application_working_days
    if not sent_late(engine, clock.now(), local(meeting.start_at).date(), days):
        return []
    deadline = notice_deadline(engine, local(meeting.start_at).date(), days)
    return [
        _("按规定会议申请表应提前 %(n)d 个工作日（%(d)s 前）提交，本次已晚于规定，将标记为迟报")
        % {"n": days, "d": month_day(deadline)}
    ]


@transaction.atomic
def meeting_update(
    *, actor: Person, meeting: Meeting, expected_version: int, participants: list[Person], **data: Any
) -> MeetingSaved:
    """Edit the application. After the notice went out, everyone invited hears what changed."""
    change = _update(actor, meeting, expected_version, participants, data)
    if change.meeting.state == MeetingState.NOTIFIED:
        _announce_change(actor, change.meeting, [change])
    return MeetingSaved(
        change.meeting, meeting_warnings(actor, change.meeting, invitees(change.meeting), [change.meeting.pk])
    )


@dataclass
class _Change:
    meeting: Meeting
    moved: bool
    added: list[Person]
    removed: list[Person]
    changed: bool


def _update(
    actor: Person, meeting: Meeting, expected_version: int, participants: list[Person], data: dict[str, Any]
) -> _Change:
    authorize(actor, VIEW, meeting)
    meeting = Meeting.objects.select_for_update(of=("self",)).select_related("meeting_type", "room").get(pk=meeting.pk)
    if meeting.version != expected_version:
        raise Conflict()
    if meeting.state not in EDITABLE_STATES:
        raise InvalidState(_("当前状态为“%(s)s”，不能修改会议") % {"s": meeting.get_state_display()})
    if actor.pk not in {meeting.organizer_id, meeting.created_by_id}:
        raise Forbidden(_("只有组织者可以修改会议申请"))
    if meeting.has_ended():
        raise InvalidState(_("会议已经结束，不能再修改"))
    merged = _fill_defaults(actor, {**{f: getattr(meeting, f) for f in MEETING_FIELDS}, **data})
    moved = merged["start_at"] != meeting.start_at or merged["end_at"] != meeting.end_at
    errors = meeting_validate(actor, merged, participants, exclude=[meeting.pk], check_past=moved)
    if errors:
        raise ApplicationError(_("会议申请表填写有误"), fields=errors)
    before = _snapshot(meeting)
    for name in MEETING_FIELDS:
        setattr(meeting, name, merged[name])
    save_versioned(meeting, expected_version=expected_version, fields=MEETING_FIELDS)
    added, removed = _set_participants(meeting, participants)
    old, new = changed_fields(before, _snapshot(meeting))
    if new:
        audit_record(actor=actor, action="meeting.update", obj=meeting, before=old, after=new)
    if moved and meeting.state in (MeetingState.DRAFT, MeetingState.APPROVED) and _notice_expected(meeting):
        _arm_notice(meeting)
    if moved and meeting.state == MeetingState.NOTIFIED:
        # A new time is a new notice: its period is measured again, and the clocks follow.
        engine = engine_of(meeting)
        day = local(meeting.start_at).date()
        meeting.notice_sent_at = clock.now()
        meeting.notice_deadline = notice_deadline(engine, day, meeting.meeting_type.notice_working_days)
        meeting.late_notice = sent_late(engine, meeting.notice_sent_at, day, meeting.meeting_type.notice_working_days)
        meeting.save(update_fields=["notice_sent_at", "notice_deadline", "late_notice"])
        _arm_after_notice(meeting)
        called_meeting_set(meeting)  # what called it counts from the new time (a kickoff's breakdown clocks)
    return _Change(meeting, moved, added, removed, bool(new))


def _announce_change(actor: Person, meeting: Meeting, changes: list[_Change]) -> None:
    """One message per person for a change, however many occurrences of a series it touched."""
    added = {p.pk: p for c in changes for p in c.added}
    removed = {p.pk: p for c in changes for p in c.removed if p.pk not in added}
    if any(c.changed for c in changes):
        stayed = [p for p in invitees(meeting) if p.pk not in added and p.pk != actor.pk]
        intro = _("会议信息已更新，请以此为准。")
        if len(changes) > 1:
            intro = _("周期会议此后 %(n)d 次的信息已更新，请以此为准。") % {"n": len(changes)}
        tell(
            meeting,
            stayed,
            _("【会议变更】%(m)s") % {"m": meeting.title},
            notice_body(meeting, intro=intro, series=[c.meeting for c in changes]),
        )
    if added:
        tell(
            meeting,
            list(added.values()),
            _("【会议通知】%(m)s") % {"m": meeting.title},
            notice_body(meeting, series=[c.meeting for c in changes]),
            kind=MessageKind.ASSIGNMENT,
        )
    if removed:
        tell(
            meeting,
            list(removed.values()),
            _("【无需参会】%(m)s") % {"m": meeting.title},
            _("组织者已调整参会名单，您无需参加 %(when)s 的会议。")
            % {"when": when_text(meeting.start_at, meeting.end_at)},
        )


def _notice_expected(meeting: Meeting) -> bool:
    return meeting.state == MeetingState.APPROVED or not meeting.meeting_type.requires_approval


# --- Clocks ---------------------------------------------------------------------------------------
def _arm_notice(meeting: Meeting) -> None:
    """提前通知 for a meeting that needs no approval, or whose time moved before the notice went out."""
    clock_arm(
        subject=meeting,
        process="meeting",
        limit="notice",
        owner=meeting.organizer,
        department=meeting.department,
        project=meeting.project,
        due_at=notice_due_at(meeting),
    )


def _arm_after_notice(meeting: Meeting) -> None:
    # Answers are due when the meeting starts; the policy's reminder goes to everyone invited.
    clock_arm(
        subject=meeting,
        process="meeting",
        limit="respond",
        owner=meeting.organizer,
        department=meeting.department,
        project=meeting.project,
        due_at=meeting.start_at,
    )
    # Minutes after the meeting's end, as soon as its type or form asks; escalation to the organiser's head.
    clock_arm(
        subject=meeting,
        process="meeting",
        limit="minutes",
        priority=minutes_priority(meeting),
        owner=meeting.organizer,
        department=meeting.department,
        project=meeting.project,
        start=meeting.end_at,
    )


# --- Steps ----------------------------------------------------------------------------------------
def meeting_transition(
    *, actor: Person, meeting: Meeting, name: str, reason: str = "", expected_version: int | None = None
) -> Meeting:
    """Take a declared step of the meeting (提交审批、批准、驳回、发送会议通知、取消; see meetings.process)."""
    return run_step(actor=actor, item=meeting, step=name, reason=reason, expected_version=expected_version)


def meeting_actions(meeting: Meeting, actor: Person) -> list:
    return MEETING.available(meeting, actor)


# --- Series ---------------------------------------------------------------------------------------
@transaction.atomic
def series_update(
    *,
    actor: Person,
    series: MeetingSeries,
    expected_version: int,
    start_time: dt.time,
    end_time: dt.time,
    participants: list[Person],
    **data: Any,
) -> list[Meeting]:
    """Edit a recurring meeting: every occurrence still to come changes; past ones and their minutes
    stay as they were. People hear about it once, not once per week."""
    series = MeetingSeries.objects.select_for_update().get(pk=series.pk)
    upcoming = series_upcoming(series, editable_only=True)
    if not upcoming:
        raise InvalidState(_("此周期会议已没有未开始的场次"))
    authorize(actor, VIEW, upcoming[0])
    if series.version != expected_version:
        raise Conflict()
    if actor.pk != series.organizer_id:
        raise Forbidden(_("只有组织者可以修改周期会议"))
    if end_time <= start_time:
        raise ApplicationError(fields={"end_time": _("结束时间须晚于开始时间")})
    changes = []
    for meeting in upcoming:
        day = local(meeting.start_at).date()
        tz = local(meeting.start_at).tzinfo
        data_for_day = {
            **data,
            "start_at": dt.datetime.combine(day, start_time, tzinfo=tz),
            "end_at": dt.datetime.combine(day, end_time, tzinfo=tz),
        }
        try:
            changes.append(_update(actor, meeting, meeting.version, participants, data_for_day))
        except ApplicationError as error:
            detail = "；".join(str(v) for v in error.fields.values()) or str(error.message)
            raise ApplicationError(
                _("%(day)s 的会议无法修改：%(e)s") % {"day": month_day(day), "e": detail},
                fields={k: _("%(day)s：%(e)s") % {"day": month_day(day), "e": v} for k, v in error.fields.items()},
            ) from error
    noticed = [c for c in changes if c.meeting.state == MeetingState.NOTIFIED]
    if noticed:
        _announce_change(actor, noticed[0].meeting, noticed)
    before = {"title": series.title}
    series.title = (data.get("title") or series.title).strip()
    save_versioned(series, expected_version=expected_version, fields=["title"])
    audit_record(
        actor=actor,
        action="meeting.series.update",
        obj=series,
        before=before,
        after={"title": series.title, "meetings": [c.meeting.pk for c in changes]},
    )
    return [c.meeting for c in changes]


def series_upcoming(series: MeetingSeries, *, editable_only: bool = False) -> list[Meeting]:
    qs = Meeting.objects.filter(series=series, start_at__gt=clock.now()).exclude(state=MeetingState.CANCELLED)
    if editable_only:
        qs = qs.filter(state__in=EDITABLE_STATES)
    return list(qs.select_related("room", "chair", "recorder", "meeting_type").order_by("start_at"))
