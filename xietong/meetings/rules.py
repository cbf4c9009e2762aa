"""The rules of a meeting application, read-only: working-day dates, who approves, room and people
conflicts, and the field checks of the 会议申请表 (Chinese messages). Services call these before writing."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.utils import dateformat
from django.utils.translation import gettext as _
from django.utils.translation import pgettext_lazy

from xietong.core import clock
from xietong.core.i18n import month_day
from xietong.meetings.choices import HOLDING_STATES, MeetingMode
from xietong.meetings.models import Meeting, MeetingType, Participation, Room
from xietong.meetings.schedule import end_of_working_day, notice_deadline
from xietong.org.models import Person, Project
from xietong.org.roles import manager_chain
from xietong.workcal.engine import WorkingCalendar
from xietong.workcal.selectors import calendar_for_project, engine_for

WEEKDAYS = (
    pgettext_lazy("weekday", "一"),
    pgettext_lazy("weekday", "二"),
    pgettext_lazy("weekday", "三"),
    pgettext_lazy("weekday", "四"),
    pgettext_lazy("weekday", "五"),
    pgettext_lazy("weekday", "六"),
    pgettext_lazy("weekday", "日"),
)
MAX_AGENDA_ITEMS = 30
MAX_PARTICIPANTS = 200
# The fields of the 会议申请表 (what the organiser fills in and edits).
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


def engine_of(meeting_or_project: Meeting | Project) -> WorkingCalendar:
    project = meeting_or_project.project if isinstance(meeting_or_project, Meeting) else meeting_or_project
    return engine_for(calendar_for_project(project))


def local(instant: dt.datetime) -> dt.datetime:
    return clock.local(instant)


def when_text(start: dt.datetime, end: dt.datetime) -> str:
    """2026年3月10日（星期二）10:00–11:00"""
    s, e = local(start), local(end)
    return dateformat.format(s, _("Y年n月j日（l）H:i")) + f"–{e:%H:%M}"


def minutes_text(minutes: int) -> str:
    hours, rest = divmod(minutes, 60)
    if hours and rest:
        return _("%(h)d 小时 %(m)d 分钟") % {"h": hours, "m": rest}
    if hours:
        return _("%(h)d 小时") % {"h": hours}
    return _("%(m)d 分钟") % {"m": rest}


def invitees(meeting: Meeting) -> list[Person]:
    return [r.person for r in meeting.participations.select_related("person")]


def notice_due_at(meeting: Meeting) -> dt.datetime:
    """提前通知: the end of the working day N working days before the meeting (N: its type's rule)."""
    engine = engine_of(meeting)
    deadline = notice_deadline(engine, local(meeting.start_at).date(), meeting.meeting_type.notice_working_days)
    return end_of_working_day(engine, deadline)


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


def meeting_named(actor: Person, other: Meeting) -> str:
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
        % {"person": row.person.display_name, "other": meeting_named(actor, row.meeting)}
        for row in rows
    ]


# --- Validation -----------------------------------------------------------------------------------
def clean_agenda(agenda: Any) -> list[str]:
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
    agenda = clean_agenda(data.get("agenda"))
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
                "other": meeting_named(actor, other),
            }
    return errors


def meeting_warnings(actor: Person, meeting: Meeting, people: list[Person], exclude: list[int]) -> list[str]:
    warnings = participant_conflicts(actor, people, meeting.start_at, meeting.end_at, exclude)
    engine = engine_of(meeting)
    day = local(meeting.start_at).date()
    if not engine.is_working_day(day):
        warnings.append(
            _("%(day)s 是%(kind)s，请确认是否在非工作日开会")
            % {"day": month_day(day), "kind": engine.day_description(day)}
        )
    if meeting.room is not None and len(people) > meeting.room.capacity:
        warnings.append(
            _("会议室“%(room)s”容纳 %(cap)d 人，参会人有 %(n)d 位")
            % {"room": meeting.room.name, "cap": meeting.room.capacity, "n": len(people)}
        )
    return warnings
