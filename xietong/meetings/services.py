"""Writes to meetings: the application (会议申请表), approval, the notice, answers, recurring series.

One path per change: check permission and state → validate → write → audit event → clocks →
notifications, all in one transaction. Minutes and action items live in `minutes.py`.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from django.db import transaction
from django.utils.translation import gettext as _

from xietong.clocks.services import clock_arm, clock_cancel, clock_satisfy
from xietong.core import clock
from xietong.core.audit import audit_record, changed_fields, snapshot
from xietong.core.concurrency import save_versioned
from xietong.core.errors import ApplicationError, Conflict, Forbidden, InvalidState
from xietong.core.permissions import VIEW, authorize
from xietong.items.services import number_next
from xietong.meetings.choices import (
    EDITABLE_STATES,
    HOLDING_STATES,
    MACHINE,
    REASON_LABELS,
    SERIES_TRANSITIONS,
    MeetingMode,
    MeetingState,
    ParticipantRole,
    Response,
)
from xietong.meetings.models import Meeting, MeetingSeries, MeetingType, Participation, Room
from xietong.meetings.schedule import (
    end_of_working_day,
    notice_deadline,
    sent_late,
    weekly_occurrences,
)
from xietong.notify.models import MessageKind
from xietong.notify.services import notify
from xietong.org.models import Person, Project
from xietong.org.roles import manager_chain
from xietong.workcal.engine import WorkingCalendar
from xietong.workcal.selectors import calendar_for_project, engine_for

MEETING_FIELDS = (
    "title",
    "project",
    "meeting_type",
    "chair",
    "recorder",
    "goal",
    "agenda",
    "materials",
    "start_at",
    "end_at",
    "mode",
    "room",
    "online_link",
)
# What an edit of a whole series may change (dates stay; times of day move with start/end).
SERIES_FIELDS = ("title", "chair", "recorder", "goal", "agenda", "materials", "mode", "room", "online_link")
WEEKDAYS = "一二三四五六日"
MAX_AGENDA_ITEMS = 30
MAX_PARTICIPANTS = 200


@dataclass
class MeetingSaved:
    """A saved meeting with what the organiser should know but need not fix (shown as warnings)."""

    meeting: Meeting
    warnings: list[str] = field(default_factory=list)
    occurrences: int = 1
    skipped: list[str] = field(default_factory=list)


def engine_of(meeting_or_project: Meeting | Project) -> WorkingCalendar:
    project = meeting_or_project.project if isinstance(meeting_or_project, Meeting) else meeting_or_project
    return engine_for(calendar_for_project(project))


def local(instant: dt.datetime) -> dt.datetime:
    return clock.local(instant)


def when_text(start: dt.datetime, end: dt.datetime) -> str:
    """2026年3月10日（星期二）10:00–11:00"""
    s, e = local(start), local(end)
    return f"{s.year}年{s.month}月{s.day}日（星期{WEEKDAYS[s.weekday()]}）{s:%H:%M}–{e:%H:%M}"


def minutes_text(minutes: int) -> str:
    hours, rest = divmod(minutes, 60)
    if hours and rest:
        return _("%(h)d 小时 %(m)d 分钟") % {"h": hours, "m": rest}
    if hours:
        return _("%(h)d 小时") % {"h": hours}
    return _("%(m)d 分钟") % {"m": rest}


def approver_for(organizer: Person) -> Person | None:
    """Who approves the application: the organiser's division leader (分管领导), else the general manager."""
    for rung in manager_chain(organizer)[1:]:
        if rung.person is not None:
            return rung.person
    return None


# --- Conflicts ------------------------------------------------------------------------------------
def _busy(start: dt.datetime, end: dt.datetime, exclude: list[int]) -> Any:
    return (
        Meeting.objects.filter(state__in=HOLDING_STATES, start_at__lt=end, end_at__gt=start)
        .exclude(pk__in=exclude)
        .select_related("department")
    )


def _named(actor: Person, other: Meeting) -> str:
    """The conflicting meeting by number and title; only its number and department if the actor may
    not see it (a room conflict must not leak a confidential topic)."""
    span = f"{local(other.start_at):%H:%M}–{local(other.end_at):%H:%M}"
    if Meeting.objects.restrict(actor).filter(pk=other.pk).exists():
        return f"{other.number}「{other.title}」（{span}）"
    return f"{other.number}（{other.department.name}，{span}）"


def room_conflict(
    actor: Person, room: Room, start: dt.datetime, end: dt.datetime, exclude: list[int]
) -> Meeting | None:
    """The meeting already holding `room` in [start, end), if any. Locks the room row so that two
    bookings of the same room are decided one after the other."""
    Room.objects.select_for_update().filter(pk=room.pk).first()
    return _busy(start, end, exclude).filter(room=room).order_by("start_at").first()


def participant_conflicts(
    actor: Person, people: list[Person], start: dt.datetime, end: dt.datetime, exclude: list[int]
) -> list[str]:
    """Double bookings are warned, not refused: a person may choose which meeting to attend."""
    if not people:
        return []
    ids = {p.pk for p in people}
    rows = (
        Participation.objects.filter(
            person_id__in=ids, meeting__in=_busy(start, end, exclude).values("pk"), response__in=["pending", "accepted"]
        )
        .select_related("meeting__department", "person")
        .order_by("person_id", "meeting__start_at")
    )
    return [
        _("%(person)s 在该时段已有会议 %(other)s")
        % {"person": row.person.display_name, "other": _named(actor, row.meeting)}
        for row in rows
    ]


# --- Validation -----------------------------------------------------------------------------------
def _clean_agenda(agenda: Any) -> list[str]:
    if isinstance(agenda, str):
        agenda = agenda.splitlines()
    return [str(line).strip() for line in (agenda or []) if str(line).strip()]


def meeting_validate(
    actor: Person, data: dict[str, Any], participants: list[Person], *, exclude: list[int], check_past: bool = True
) -> dict[str, str]:
    """Field errors of a meeting application, in Chinese. An empty dict means it may be saved."""
    errors: dict[str, str] = {}
    if not (data.get("title") or "").strip():
        errors["title"] = _("请填写会议主题，如“智能手表项目-硬件方案评审会”")
    project: Project | None = data.get("project")
    if project is None:
        errors["project"] = _("请选择所属项目")
    elif not Project.objects.restrict(actor).filter(pk=project.pk).exists():
        errors["project"] = _("您不是该项目的成员，不能在其中组织会议")
    meeting_type: MeetingType | None = data.get("meeting_type")
    if meeting_type is None or not meeting_type.is_active:
        errors["meeting_type"] = _("请选择会议类型")
    if not (data.get("goal") or "").strip():
        errors["goal"] = _("请填写会议目标")
    agenda = _clean_agenda(data.get("agenda"))
    if not agenda:
        errors["agenda"] = _("请至少填写一项议程，每行一项")
    elif len(agenda) > MAX_AGENDA_ITEMS:
        errors["agenda"] = _("议程最多 %(n)d 项") % {"n": MAX_AGENDA_ITEMS}
    elif any(len(line) > 200 for line in agenda):
        errors["agenda"] = _("每项议程不超过 200 字")
    start, end = data.get("start_at"), data.get("end_at")
    if start is None:
        errors["start_at"] = _("请填写开始时间")
    if end is None:
        errors["end_at"] = _("请填写结束时间")
    if start is not None and end is not None:
        if end <= start:
            errors["end_at"] = _("结束时间 %(end)s 早于或等于开始时间 %(start)s") % {
                "end": f"{local(end):%Y-%m-%d %H:%M}",
                "start": f"{local(start):%Y-%m-%d %H:%M}",
            }
        elif meeting_type is not None and (end - start) > dt.timedelta(minutes=meeting_type.max_minutes):
            errors["end_at"] = _("会议时长 %(d)s，超过“%(type)s”的上限 %(max)s") % {
                "d": minutes_text(int((end - start).total_seconds() // 60)),
                "type": meeting_type.name,
                "max": minutes_text(meeting_type.max_minutes),
            }
        if check_past and start <= clock.now():
            errors["start_at"] = _("开始时间 %(start)s 已经过去") % {"start": f"{local(start):%Y-%m-%d %H:%M}"}
    mode = data.get("mode")
    room: Room | None = data.get("room")
    if mode not in MeetingMode.values:
        errors["mode"] = _("请选择会议形式：会议室、线上或两者")
    else:
        if mode in (MeetingMode.ROOM, MeetingMode.HYBRID) and room is None:
            errors["room"] = _("请选择会议室")
        if mode in (MeetingMode.ONLINE, MeetingMode.HYBRID) and not (data.get("online_link") or "").strip():
            errors["online_link"] = _("请填写线上会议链接或会议号")
        if mode == MeetingMode.ONLINE and room is not None:
            errors["room"] = _("线上会议不占用会议室；如需会议室请选择“会议室 + 线上”")
    if room is not None and not room.is_active:
        errors["room"] = _("会议室“%(room)s”已停用") % {"room": room}
    for role, label in (("chair", _("主持人")), ("recorder", _("记录人"))):
        person = data.get(role)
        if person is not None and not person.is_active:
            errors[role] = _("%(label)s %(name)s 的账号已停用") % {"label": label, "name": person.display_name}
    if data.get("chair") is None:
        errors["chair"] = _("请选择主持人")
    invitees = [p for p in participants if p.pk != actor.pk]
    if not invitees:
        errors["participants"] = _("请至少邀请一位参会人")
    elif len(participants) > MAX_PARTICIPANTS:
        errors["participants"] = _("参会人最多 %(n)d 位") % {"n": MAX_PARTICIPANTS}
    inactive = [p.display_name for p in participants if not p.is_active]
    if inactive:
        errors["participants"] = _("以下人员账号已停用，不能邀请：%(names)s") % {"names": "、".join(inactive)}
    if actor.department_id is None:
        errors["title"] = _("您尚未分配部门，不能组织会议；请联系管理员")
    if not errors and room is not None and start is not None and end is not None:
        other = room_conflict(actor, room, start, end, exclude)
        if other is not None:
            errors["room"] = _("会议室“%(room)s”在该时段已被 %(other)s占用，请换会议室或调整时间") % {
                "room": room.name,
                "other": _named(actor, other),
            }
    return errors


def meeting_warnings(actor: Person, meeting: Meeting, people: list[Person], exclude: list[int]) -> list[str]:
    warnings = participant_conflicts(actor, people, meeting.start_at, meeting.end_at, exclude)
    engine = engine_of(meeting)
    day = local(meeting.start_at).date()
    if not engine.is_working_day(day):
        warnings.append(
            _("%(day)s 是%(kind)s，请确认是否在非工作日开会")
            % {"day": f"{day.month}月{day.day}日", "kind": engine.day_name(day) or engine.day_kind(day).label}
        )
    if meeting.room is not None and len(people) > meeting.room.capacity:
        warnings.append(
            _("会议室“%(room)s”容纳 %(cap)d 人，参会人有 %(n)d 位")
            % {"room": meeting.room.name, "cap": meeting.room.capacity, "n": len(people)}
        )
    return warnings


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


def _invitees(meeting: Meeting, *, exclude_declined: bool = False) -> list[Person]:
    rows = meeting.participations.select_related("person")
    if exclude_declined:
        rows = rows.exclude(response=Response.DECLINED)
    return [r.person for r in rows]


# --- Create and edit ------------------------------------------------------------------------------
def _fill_defaults(actor: Person, data: dict[str, Any]) -> dict[str, Any]:
    data = dict(data)
    data["agenda"] = _clean_agenda(data.get("agenda"))
    data.setdefault("mode", MeetingMode.ROOM)
    data["chair"] = data.get("chair") or actor
    data["online_link"] = (data.get("online_link") or "").strip()
    data["title"] = (data.get("title") or "").strip()
    return data


def _snapshot(meeting: Meeting) -> dict[str, Any]:
    return {**snapshot(meeting, MEETING_FIELDS), "participants": participant_ids(meeting)}


@transaction.atomic
def meeting_create(
    *, actor: Person, participants: list[Person], repeat_until: dt.date | None = None, **data: Any
) -> MeetingSaved:
    """Fill in a 会议申请表 (a draft). With `repeat_until`, a weekly series up to that date: each working
    week one occurrence, holidays skipped."""
    data = _fill_defaults(actor, data)
    errors = meeting_validate(actor, data, participants, exclude=[])
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
            plan = weekly_occurrences(engine_of(data["project"]), first, repeat_until)
            skipped = [f"{d.month}月{d.day}日（{why}）" for d, why in plan.skipped]
            if not plan.days:
                errors["repeat_until"] = _("所选日期均为节假日或休息日，没有可安排的场次")
            for day in plan.days:
                shift = dt.timedelta(days=(day - first).days)
                occurrences.append((local(start) + shift, local(end) + shift))
            for s, e in occurrences[1:]:
                other = room_conflict(actor, data["room"], s, e, []) if data.get("room") else None
                if other is not None:
                    errors["room"] = _("%(day)s 会议室“%(room)s”已被 %(other)s占用") % {
                        "day": f"{s.month}月{s.day}日",
                        "room": data["room"].name,
                        "other": _named(actor, other),
                    }
                    break
    if errors:
        raise ApplicationError(_("会议申请表填写不完整或有误"), fields=errors)
    if not occurrences:
        occurrences = [(data["start_at"], data["end_at"])]
    series = None
    if repeat_until is not None:
        series = MeetingSeries.objects.create(
            title=data["title"], organizer=actor, weekday=local(data["start_at"]).weekday(), repeat_until=repeat_until
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
            **{**{k: v for k, v in data.items() if k in MEETING_FIELDS}, "start_at": start, "end_at": end},
        )
        meeting.save()
        _set_participants(meeting, participants)
        audit_record(actor=actor, action="meeting.create", obj=meeting, after=_snapshot(meeting))
        if not meeting.meeting_type.requires_approval:
            _arm_notice(meeting)
        if first_meeting is None:
            first_meeting = meeting
            warnings = meeting_warnings(actor, meeting, _invitees(meeting), [meeting.pk])
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
        % {"n": days, "d": f"{deadline.month}月{deadline.day}日"}
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
        change.meeting, meeting_warnings(actor, change.meeting, _invitees(change.meeting), [change.meeting.pk])
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
    return _Change(meeting, moved, added, removed, bool(new))


def _announce_change(actor: Person, meeting: Meeting, changes: list[_Change]) -> None:
    """One message per person for a change, however many occurrences of a series it touched."""
    added = {p.pk: p for c in changes for p in c.added}
    removed = {p.pk: p for c in changes for p in c.removed if p.pk not in added}
    if any(c.changed for c in changes):
        stayed = [p for p in _invitees(meeting) if p.pk not in added and p.pk != actor.pk]
        intro = _("会议信息已更新，请以此为准。")
        if len(changes) > 1:
            intro = _("周期会议此后 %(n)d 次的信息已更新，请以此为准。") % {"n": len(changes)}
        _tell(
            meeting,
            stayed,
            _("【会议变更】%(m)s") % {"m": meeting.title},
            notice_body(meeting, intro=intro, series=[c.meeting for c in changes]),
        )
    if added:
        _tell(
            meeting,
            list(added.values()),
            _("【会议通知】%(m)s") % {"m": meeting.title},
            notice_body(meeting, series=[c.meeting for c in changes]),
            kind=MessageKind.ASSIGNMENT,
        )
    if removed:
        _tell(
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
    """提前通知: the notice must go out by the end of the working day N working days before."""
    engine = engine_of(meeting)
    deadline = notice_deadline(engine, local(meeting.start_at).date(), meeting.meeting_type.notice_working_days)
    clock_arm(
        subject=meeting,
        process="meeting",
        limit="notice",
        owner=meeting.organizer,
        department=meeting.department,
        calendar=calendar_for_project(meeting.project),
        due_at=end_of_working_day(engine, deadline),
    )


def _arm_after_notice(meeting: Meeting) -> None:
    calendar = calendar_for_project(meeting.project)
    # Answers are due when the meeting starts; the policy's reminder goes to everyone invited.
    clock_arm(
        subject=meeting,
        process="meeting",
        limit="respond",
        owner=meeting.organizer,
        department=meeting.department,
        calendar=calendar,
        due_at=meeting.start_at,
    )
    # Minutes within 24 hours (1 working day) of the meeting's end; escalation to the organiser's head.
    clock_arm(
        subject=meeting,
        process="meeting",
        limit="minutes",
        owner=meeting.organizer,
        department=meeting.department,
        calendar=calendar,
        start=meeting.end_at,
    )


# --- Notifications --------------------------------------------------------------------------------
def notice_body(meeting: Meeting, *, intro: str = "", series: list[Meeting] | None = None) -> str:
    """The notice as the template requires it: 时间、地点/线上、议程、需提前准备的材料."""
    lines = [intro] if intro else []
    if series and len(series) > 1:
        first, last = series[0], series[-1]
        lines.append(
            _("时间：每周%(wd)s %(s)s–%(e)s，共 %(n)d 次（%(first)s 至 %(last)s）")
            % {
                "wd": WEEKDAYS[local(first.start_at).weekday()],
                "s": f"{local(first.start_at):%H:%M}",
                "e": f"{local(first.end_at):%H:%M}",
                "n": len(series),
                "first": f"{local(first.start_at):%m月%d日}",
                "last": f"{local(last.start_at):%m月%d日}",
            }
        )
    else:
        lines.append(_("时间：%(when)s") % {"when": when_text(meeting.start_at, meeting.end_at)})
    lines.append(_("地点/线上：%(place)s") % {"place": meeting.place})
    lines.append(_("会议目标：%(goal)s") % {"goal": meeting.goal})
    lines.append(_("议程："))
    lines += [f"{i}. {item}" for i, item in enumerate(meeting.agenda, start=1)]
    lines.append(_("需提前准备的材料：%(m)s") % {"m": meeting.materials or _("无")})
    lines.append(
        _("组织者：%(o)s　主持人：%(c)s") % {"o": meeting.organizer.display_name, "c": meeting.chair.display_name}
    )
    if meeting.late_notice:
        lines.append(_("（本通知晚于规定的提前 %(n)d 个工作日）") % {"n": meeting.meeting_type.notice_working_days})
    lines.append(_("请在会议开始前确认参加，或请假并说明原因。"))
    return "\n".join(lines)


def _tell(meeting: Meeting, people: list[Person], title: str, body: str, *, kind: str = MessageKind.INFO) -> None:
    recipients = [p for p in people if p is not None]
    if recipients:
        notify(
            recipients=recipients, kind=kind, title=title, body=body, url=meeting.get_absolute_url(), subject=meeting
        )


# --- Transitions ----------------------------------------------------------------------------------
@transaction.atomic
def meeting_transition(
    *, actor: Person, meeting: Meeting, name: str, reason: str = "", expected_version: int | None = None
) -> Meeting:
    """Move a meeting along (提交审批、批准、驳回、发送会议通知、取消). On a recurring meeting, submit,
    approve, reject and notify act on every future occurrence in the same state: one application."""
    authorize(actor, VIEW, meeting)
    meeting = (
        Meeting.objects.select_for_update(of=("self",))
        .select_related("meeting_type", "room", "organizer", "chair", "department", "project")
        .get(pk=meeting.pk)
    )
    if expected_version is not None and meeting.version != expected_version:
        raise Conflict()
    transition = MACHINE.check(meeting, name, actor)
    reason = (reason or "").strip()
    if transition.needs_reason and not reason:
        raise ApplicationError(fields={"reason": _("请填写%(label)s") % {"label": REASON_LABELS[name]}})
    if len(reason) > 2000:
        raise ApplicationError(fields={"reason": _("说明不能超过 2000 字")})
    group = [meeting]
    if meeting.series_id and name in SERIES_TRANSITIONS:
        siblings = (
            Meeting.objects.select_for_update(of=("self",))
            .select_related("meeting_type", "room", "organizer", "chair", "department", "project")
            .filter(series_id=meeting.series_id, state=meeting.state, start_at__gt=clock.now())
            .exclude(pk=meeting.pk)
            .order_by("start_at")
        )
        group = sorted([meeting, *siblings], key=lambda m: m.start_at)
    for item in group:
        _apply(actor, item, name, transition.target, reason)
    _announce(actor, group, name, reason)
    return Meeting.objects.get(pk=meeting.pk)


def _apply(actor: Person, meeting: Meeting, name: str, target: str, reason: str) -> None:
    now = clock.now()
    before = meeting.state
    after: dict[str, Any] = {}
    if name in ("submit", "notify"):
        errors = meeting_validate(
            actor,
            {f: getattr(meeting, f) for f in MEETING_FIELDS},
            _invitees(meeting),
            exclude=[meeting.pk],
        )
        if errors:
            prefix = f"{local(meeting.start_at):%m月%d日} " if meeting.series_id else ""
            raise ApplicationError(
                _("%(p)s会议信息需先修改：%(e)s") % {"p": prefix, "e": "；".join(errors.values())}, fields=errors
            )
    engine = engine_of(meeting)
    day = local(meeting.start_at).date()
    if name == "submit":
        approver = approver_for(meeting.organizer)
        meeting.approver = approver
        meeting.submitted_at = now
        meeting.late_application = sent_late(engine, now, day, meeting.meeting_type.application_working_days)
        meeting.decision_note = ""
        after = {"approver": getattr(approver, "pk", None), "late_application": meeting.late_application}
        if approver is None:  # the general manager's own meeting: nobody above to approve it
            target = MeetingState.APPROVED
            meeting.decided_at = now
            meeting.decision_note = _("组织者为总经理，无需审批")
    elif name in ("approve", "reject"):
        meeting.decided_at = now
        meeting.decision_note = reason
    elif name == "notify":
        meeting.notice_sent_at = now
        meeting.notice_deadline = notice_deadline(engine, day, meeting.meeting_type.notice_working_days)
        meeting.late_notice = sent_late(engine, now, day, meeting.meeting_type.notice_working_days)
        after = {"late_notice": meeting.late_notice, "notice_deadline": meeting.notice_deadline}
    elif name == "cancel":
        meeting.cancel_reason = reason
        meeting.closed_at = now
    meeting.state = target
    meeting.version += 1
    meeting.updated_at = now
    meeting.save()
    audit_record(
        actor=actor,
        action=f"meeting.{name}",
        obj=meeting,
        before={"state": before},
        after={"state": meeting.state, **after, **({"reason": reason} if reason else {})},
    )
    if meeting.state == MeetingState.APPROVED:
        _arm_notice(meeting)
    elif name == "notify":
        clock_satisfy(subject=meeting, limit="notice", at=now)
        _arm_after_notice(meeting)
    elif name == "cancel":
        clock_cancel(subject=meeting, note=_("会议已取消"))


def _announce(actor: Person, group: list[Meeting], name: str, reason: str) -> None:
    meeting = group[0]
    label = f"{meeting.number} {meeting.title}" + (_("（共 %(n)d 次）") % {"n": len(group)} if len(group) > 1 else "")
    if name == "submit" and meeting.approver is not None:
        late = _("（申请迟于规定的提前 %(n)d 个工作日）") % {"n": meeting.meeting_type.application_working_days}
        _tell(
            meeting,
            [meeting.approver],
            _("【会议审批】%(m)s") % {"m": label},
            _("%(who)s 提交了会议申请，请审批。%(when)s%(late)s")
            % {
                "who": actor.display_name,
                "when": when_text(meeting.start_at, meeting.end_at),
                "late": late if meeting.late_application else "",
            },
            kind=MessageKind.ASSIGNMENT,
        )
    elif name in ("approve", "reject"):
        verb = MACHINE.get(name).label
        _tell(
            meeting,
            [meeting.organizer],
            _("【会议申请%(verb)s】%(m)s") % {"verb": verb, "m": label},
            (reason or _("请在规定时间内发送会议通知。")) if name == "approve" else reason,
            kind=MessageKind.ASSIGNMENT,
        )
    elif name == "notify":
        invitees = [p for p in _invitees(meeting) if p.pk != actor.pk]
        _tell(
            meeting,
            invitees,
            _("【会议通知】%(m)s") % {"m": meeting.title},
            notice_body(meeting, series=group),
            kind=MessageKind.ASSIGNMENT,
        )
    elif name == "cancel" and meeting.notice_sent_at is not None:
        invitees = [p for p in _invitees(meeting) if p.pk != actor.pk]
        _tell(
            meeting,
            invitees,
            _("【会议取消】%(m)s") % {"m": meeting.title},
            _("原定 %(when)s 的会议已取消。原因：%(r)s")
            % {"when": when_text(meeting.start_at, meeting.end_at), "r": reason},
        )


def meeting_actions(meeting: Meeting, actor: Person) -> list:
    actions = MACHINE.available(meeting, actor)
    if meeting.has_ended():
        actions = [t for t in actions if t.name != "cancel"]
    return actions


# --- Answers (确认参加 / 请假) ----------------------------------------------------------------------
@transaction.atomic
def meeting_respond(*, actor: Person, meeting: Meeting, response: str, reason: str = "") -> Participation:
    """An invitee confirms attendance, or declines with a reason (the organiser hears about it)."""
    authorize(actor, VIEW, meeting)
    meeting = Meeting.objects.select_for_update(of=("self",)).select_related("organizer").get(pk=meeting.pk)
    row = Participation.objects.select_for_update().filter(meeting=meeting, person=actor).first()
    if row is None:
        raise Forbidden(_("您不在本次会议的参会名单中"))
    if meeting.state != MeetingState.NOTIFIED:
        raise InvalidState(_("会议通知发出后才能答复（当前：%(s)s）") % {"s": meeting.get_state_display()})
    if meeting.start_at <= clock.now():
        raise InvalidState(_("会议已经开始，不能再答复"))
    reason = (reason or "").strip()
    if response not in (Response.ACCEPTED, Response.DECLINED):
        raise ApplicationError(fields={"response": _("请选择“确认参加”或“请假”")})
    if response == Response.DECLINED and not reason:
        raise ApplicationError(fields={"reason": _("请假请填写原因")})
    if len(reason) > 300:
        raise ApplicationError(fields={"reason": _("原因不能超过 300 字")})
    before = {"response": row.response, "reason": row.reason}
    row.response = response
    row.reason = reason if response == Response.DECLINED else ""
    row.responded_at = clock.now()
    row.save(update_fields=["response", "reason", "responded_at"])
    audit_record(
        actor=actor,
        action="meeting.respond",
        obj=meeting,
        before=before,
        after={"person": actor.pk, "response": response, "reason": row.reason},
    )
    if response == Response.DECLINED and meeting.organizer_id != actor.pk:
        _tell(
            meeting,
            [meeting.organizer],
            _("【请假】%(who)s · %(m)s") % {"who": actor.display_name, "m": meeting.title},
            _("原因：%(r)s") % {"r": reason},
        )
    if not meeting.participations.filter(response=Response.PENDING).exists():
        clock_satisfy(subject=meeting, limit="respond")
    return row


def remind_participants(meeting: Meeting) -> dict[str, Any]:
    """The reminder before the meeting (run by its clock): a reminder to those coming, a request to
    answer to those who have not."""
    if meeting.state != MeetingState.NOTIFIED:
        return {"skipped": meeting.state}
    rows = list(meeting.participations.select_related("person").exclude(response=Response.DECLINED))
    pending = [r.person for r in rows if r.response == Response.PENDING]
    coming = [r.person for r in rows if r.response == Response.ACCEPTED]
    where = _("时间：%(when)s\n地点/线上：%(place)s\n需提前准备的材料：%(m)s") % {
        "when": when_text(meeting.start_at, meeting.end_at),
        "place": meeting.place,
        "m": meeting.materials or _("无"),
    }
    _tell(
        meeting,
        pending,
        _("【请确认参会】%(m)s") % {"m": meeting.title},
        where + "\n" + _("您尚未答复，请确认参加或请假。"),
        kind=MessageKind.REMINDER,
    )
    _tell(meeting, coming, _("【会议提醒】%(m)s") % {"m": meeting.title}, where, kind=MessageKind.REMINDER)
    return {"pending": [p.pk for p in pending], "reminded": [p.pk for p in coming]}


def close_answers(meeting: Meeting, clock_row: Any) -> dict[str, Any]:
    """The meeting starts: answers are closed; the organiser learns who never answered."""
    if meeting.state != MeetingState.NOTIFIED:
        return {"skipped": meeting.state}
    silent = [r.person for r in meeting.participations.select_related("person").filter(response=Response.PENDING)]
    clock_satisfy(subject=meeting, limit="respond", at=clock_row.due_at)
    if silent:
        _tell(
            meeting,
            [meeting.organizer],
            _("【参会情况】%(m)s：%(n)d 人未答复") % {"m": meeting.title, "n": len(silent)},
            _("会议开始时仍未答复：%(names)s") % {"names": "、".join(p.display_name for p in silent)},
        )
    return {"silent": [p.pk for p in silent]}


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
                _("%(day)s 的会议无法修改：%(e)s") % {"day": f"{day.month}月{day.day}日", "e": detail},
                fields={k: f"{day.month}月{day.day}日：{v}" for k, v in error.fields.items()},
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
