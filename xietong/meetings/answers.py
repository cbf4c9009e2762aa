"""确认参加 / 请假: an invitee's answer, the reminder before the meeting, and who never answered."""

from __future__ import annotations

from typing import Any

from django.db import transaction
from django.utils.translation import gettext as _

from xietong.clocks.services import clock_satisfy
from xietong.clocks.wording import clause_line
from xietong.core import clock
from xietong.core.audit import audit_record
from xietong.core.errors import ApplicationError, Forbidden, InvalidState
from xietong.core.permissions import VIEW, authorize
from xietong.items.plain_wording import bare, vague_text
from xietong.meetings.choices import MeetingState, Response
from xietong.meetings.models import Meeting, Participation
from xietong.meetings.rules import when_text
from xietong.meetings.wording import tell
from xietong.notify.models import MessageKind
from xietong.org.models import Person

LEAVE_REASON_MAX = 300


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
    if len(reason) > LEAVE_REASON_MAX:
        raise ApplicationError(
            fields={"reason": _("原因不能超过 %(max)d 字，现有 %(n)d 字") % {"max": LEAVE_REASON_MAX, "n": len(reason)}}
        )
    if response == Response.DECLINED and vague_text(reason):  # 「待定」 says nothing, as in every reason box
        raise ApplicationError(
            fields={"reason": _("请假原因不能只写“%(text)s”：请写明不能参加的原因") % {"text": bare(reason)}}
        )
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
        tell(
            meeting,
            [meeting.organizer],
            _("【请假】%(who)s · %(m)s") % {"who": actor.display_name, "m": meeting.title},
            _("原因：%(r)s") % {"r": reason},
        )
    if not meeting.participations.filter(response=Response.PENDING).exists():
        clock_satisfy(subject=meeting, limit="respond")
    return row


def remind_participants(meeting: Meeting, clause: str = "") -> dict[str, Any]:
    """The reminder before the meeting (run by its clock): a reminder to those coming, a request to
    answer to those who have not; `clause` (the clock's 依据 line) ends both."""
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
    tell(
        meeting,
        pending,
        _("【请确认参会】%(m)s") % {"m": meeting.title},
        where + "\n" + _("您尚未答复，请确认参加或请假。") + clause,
        kind=MessageKind.REMINDER,
    )
    tell(meeting, coming, _("【会议提醒】%(m)s") % {"m": meeting.title}, where + clause, kind=MessageKind.REMINDER)
    return {"pending": [p.pk for p in pending], "reminded": [p.pk for p in coming]}


def close_answers(meeting: Meeting, clock_row: Any) -> dict[str, Any]:
    """The meeting starts: answers are closed; the organiser learns who never answered."""
    if meeting.state != MeetingState.NOTIFIED:
        return {"skipped": meeting.state}
    silent = [r.person for r in meeting.participations.select_related("person").filter(response=Response.PENDING)]
    clock_satisfy(subject=meeting, limit="respond", at=clock_row.due_at)
    if silent:
        tell(
            meeting,
            [meeting.organizer],
            _("【参会情况】%(m)s：%(n)d 人未答复") % {"m": meeting.title, "n": len(silent)},
            _("会议开始时仍未答复：%(names)s") % {"names": "、".join(p.display_name for p in silent)}
            + clause_line(clock_row),
        )
    return {"silent": [p.pk for p in silent]}
