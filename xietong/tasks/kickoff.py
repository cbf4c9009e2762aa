"""The kickoff (启动会) a request called starts its breakdown's clocks: the 《协同任务分工表》 within 3 working
days of it (001) and the task notice within 1 working day (000 二（二）), counted from the meeting's end. Taken
when the kickoff's notice goes out and again when it is sent for a new time (the clocks follow it); when it is
cancelled, the clocks count from the kickoff still set (the one whose notice went out last), or stop when there
is none — and start again when a new kickoff is set."""

from __future__ import annotations

from typing import Any

from xietong.clocks.selectors import open_clock
from xietong.items.runner import run_step
from xietong.meetings.choices import MeetingState
from xietong.meetings.models import Meeting
from xietong.requests.models import Request
from xietong.tasks.models import Breakdown

KICKOFF = "kickoff"
BUILDABLE = ("accepted", "in_progress")
SET = (MeetingState.NOTIFIED, MeetingState.CLOSED)  # its notice went out (or it was held)


def current_kickoff(request: Request) -> Meeting | None:
    """The request's kickoff that is still set: of those, the one whose notice (or new time) went out last."""
    return (
        Meeting.objects.filter(
            called_by_type="requests.request",
            called_by_id=request.pk,
            meeting_type__code=KICKOFF,
            state__in=SET,
        )
        .order_by("-notice_sent_at", "-pk")
        .first()
    )


def kickoff_set(meeting: Meeting) -> None:
    """A kickoff the request called was set, moved or cancelled (meetings.callers)."""
    if meeting.called_by_type != "requests.request" or meeting.called_by_id is None:
        return
    if meeting.meeting_type.code != KICKOFF:
        return
    request = Request.objects.filter(pk=meeting.called_by_id).first()
    if request is None:
        return
    cancelled = meeting.state == MeetingState.CANCELLED
    breakdown = Breakdown.objects.filter(request=request).first()
    if breakdown is None:
        if cancelled or request.state not in BUILDABLE:
            return  # not accepted yet: nothing to break down (the breakdown opens once it is)
        breakdown = Breakdown.objects.create(request=request)
    if breakdown.state != Breakdown.State.DRAFT:
        return
    if not cancelled:
        run_step(actor=None, item=breakdown, step="kickoff", inputs={"kickoff": meeting})
        return
    still = current_kickoff(request)
    if still is not None:
        run_step(actor=None, item=breakdown, step="kickoff", inputs={"kickoff": still})
    elif open_clock(breakdown, "breakdown") is not None or open_clock(breakdown, "task_notice") is not None:
        run_step(actor=None, item=breakdown, step="kickoff_cancelled", inputs={"kickoff": meeting})


def kickoff_when_accepted(ctx: Any) -> None:
    """A kickoff set while the request was still being evaluated starts the clocks once it is accepted (the
    breakdown opens then); before, they never started."""
    meeting = current_kickoff(ctx.item)
    if meeting is not None:
        kickoff_set(meeting)
