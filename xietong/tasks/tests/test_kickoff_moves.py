"""The breakdown's clocks follow the kickoff they count from (001「启动会后3个工作日《协同任务分工表》」, 000 二（二）
「启动会后1个工作日内…发布任务通知」): a kickoff sent for a new time moves them; a cancelled one stops them (on
the request's history), unless another kickoff is still set; a kickoff set again starts them again."""

import time_machine
from django.db import transaction

from xietong.clocks.models import Clock
from xietong.clocks.selectors import open_clock
from xietong.core.models import AuditEvent
from xietong.meetings.services import meeting_transition, meeting_update
from xietong.requests.tests.test_participating_departments import at
from xietong.tasks.models import Breakdown
from xietong.tasks.tests.test_breakdown_rules import accepted_request, kickoff


def due(breakdown):
    """(task notice due, 分工表 due) of the open clocks, None where none counts."""
    found = []
    for limit in ("task_notice", "breakdown"):
        clock = open_clock(breakdown, limit)
        found.append(clock.limit_due_at if clock is not None else None)
    return tuple(found)


def move(company, meeting, *, start, end, when):
    with time_machine.travel(at(when), tick=False), transaction.atomic():
        meeting.refresh_from_db()
        return meeting_update(
            actor=company.person("guoxin"),
            meeting=meeting,
            expected_version=meeting.version,
            participants=[company.person(u) for u in ("zhaolei", "gaofeng", "xieqiang")],
            start_at=at(start),
            end_at=at(end),
        ).meeting


def cancel(company, meeting, when):
    with time_machine.travel(at(when), tick=False), transaction.atomic():
        meeting.refresh_from_db()
        return meeting_transition(actor=company.person("guoxin"), meeting=meeting, name="cancel", reason="主讲人出差")


def test_a_moved_kickoff_moves_the_clocks_and_a_cancelled_one_stops_them_until_a_new_one_is_set(company):
    request = accepted_request(company)
    first = kickoff(company, request, start="2026-09-30 14:00", end="2026-09-30 16:00")
    breakdown = Breakdown.objects.get(request=request)
    # Ends Wednesday 9/30 16:00, before 国庆 (10/1–10/7): notice 10/8 16:00; 分工表 on the 调休 Saturday 10/10.
    assert due(breakdown) == (at("2026-10-08 16:00"), at("2026-10-10 16:00"))

    # Sent for a new time, Friday 10/9 16:00–17:00: notice by the 调休 Saturday 10/10 17:00, 分工表 Tuesday 10/13.
    move(company, first, start="2026-10-09 16:00", end="2026-10-09 17:00", when="2026-09-29 10:00")
    assert due(breakdown) == (at("2026-10-10 17:00"), at("2026-10-13 17:00"))

    # Cancelled: nothing to count from; the clocks stop without firing and the request's history says why.
    cancel(company, first, "2026-09-29 11:00")
    assert due(breakdown) == (None, None)
    stopped = Clock.objects.filter(subject_type="tasks.breakdown", subject_id=breakdown.pk, kind="breakdown")
    assert [(c.state, c.note, c.fired_at) for c in stopped.order_by("pk")] == [
        ("cancelled", "", None),  # replaced when the kickoff moved
        ("cancelled", "启动会取消", None),
    ]
    event = AuditEvent.objects.filter(action="breakdown.kickoff_cancelled").get()
    assert (event.object_type, event.object_id, event.after["kickoff"]) == (
        "requests.request",
        str(request.pk),
        first.number,
    )
    # Nothing fires for the cancelled kickoff's old instants.
    with time_machine.travel(at("2026-10-14 09:00"), tick=False):
        from xietong.clocks.services import clock_fire_due

        clock_fire_due()
    assert (
        not Clock.objects.filter(subject_type="tasks.breakdown", subject_id=breakdown.pk)
        .exclude(fired_at=None)
        .exists()
    )

    # A new kickoff is set (Thursday 10/8 09:00–11:00): the clocks start again from its end.
    kickoff(company, request, start="2026-10-08 09:00", end="2026-10-08 11:00", sent="2026-09-29 14:00")
    # 10/8 11:00 leaves 5.5 working hours that day (lunch 12:00–13:30): the notice (7.5 h) by Friday 10/9 11:00;
    # the 分工表 (22.5 h): 5.5 + Friday 7.5 + the 调休 Saturday 7.5 + 2 h on Monday → 10/12 11:00.
    assert due(breakdown) == (at("2026-10-09 11:00"), at("2026-10-12 11:00"))


def test_cancelling_one_of_two_kickoffs_counts_from_the_one_still_set(company):
    request = accepted_request(company)
    first = kickoff(company, request, start="2026-09-30 14:00", end="2026-09-30 16:00")
    second = kickoff(company, request, start="2026-10-09 16:00", end="2026-10-09 17:00", sent="2026-09-28 15:00")
    breakdown = Breakdown.objects.get(request=request)
    assert due(breakdown) == (at("2026-10-10 17:00"), at("2026-10-13 17:00"))  # the later notice: the second
    cancel(company, second, "2026-09-29 09:00")
    assert due(breakdown) == (at("2026-10-08 16:00"), at("2026-10-10 16:00"))  # back to the first
    assert not AuditEvent.objects.filter(action="breakdown.kickoff_cancelled").exists()
    assert first.state == "notified"


def test_a_kickoff_set_before_acceptance_starts_the_clocks_when_the_request_is_accepted(company):
    from xietong.requests.models import Request
    from xietong.requests.tests.test_participating_departments import new_request
    from xietong.tasks.tests.test_breakdown_rules import act

    request = new_request(company, when="2026-09-28 09:00")
    kickoff(company, request, start="2026-09-30 14:00", end="2026-09-30 16:00")
    assert not Breakdown.objects.filter(request=request).exists()  # nothing to break down yet
    act(company, Request.objects.get(pk=request.pk), "zhaolei", "accept", "2026-09-29 09:30")
    breakdown = Breakdown.objects.get(request=request)
    assert due(breakdown) == (at("2026-10-08 16:00"), at("2026-10-10 16:00"))
