"""The kickoff (启动会) a request called starts its breakdown's clocks: the 《协同任务分工表》 within 3 working
days of it (001) and the task notice within 1 working day (000 二（二）), counted from the meeting's end. Taken
when the kickoff's notice goes out, and again when it is sent for a new time (the clocks follow it)."""

from __future__ import annotations

from xietong.items.runner import run_step
from xietong.meetings.models import Meeting
from xietong.requests.models import Request
from xietong.tasks.models import Breakdown

KICKOFF = "kickoff"
BUILDABLE = ("accepted", "in_progress")


def kickoff_set(meeting: Meeting) -> None:
    if meeting.called_by_type != "requests.request" or meeting.called_by_id is None:
        return
    if meeting.meeting_type.code != KICKOFF:
        return
    request = Request.objects.filter(pk=meeting.called_by_id).first()
    if request is None:
        return
    breakdown = Breakdown.objects.filter(request=request).first()
    if breakdown is None:
        if request.state not in BUILDABLE:
            return  # not accepted yet: nothing to break down (the breakdown opens once it is)
        breakdown = Breakdown.objects.create(request=request)
    if breakdown.state != Breakdown.State.DRAFT:
        return
    run_step(actor=None, item=breakdown, step="kickoff", inputs={"kickoff": meeting})
