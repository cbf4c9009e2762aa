"""What queues an item for re-indexing: a change to what it says, not a clock firing on it (reminders and
escalations change no indexed word, and they come by thousands)."""

from __future__ import annotations

import time_machine

from xietong.archive.models import DirtySubject
from xietong.archive.tests.support import comment, drain, request_in
from xietong.clocks.models import Clock
from xietong.clocks.services import clock_fire_due
from xietong.core.models import AuditEvent
from xietong.requests.tests.test_request_flow import at


def test_reminders_and_escalations_do_not_queue_the_item_a_comment_does(company):
    request = request_in(company, "smartwatch", "2026-05-18 09:00")
    drain("2026-05-18 09:01")
    with time_machine.travel(at("2026-05-20 18:00"), tick=False):  # 2 working days on: reminded, escalated
        while clock_fire_due():
            pass
    fired = AuditEvent.objects.filter(object_id=str(request.pk), action__startswith="clock.")
    assert {"clock.remind", "clock.escalate"} <= set(fired.values_list("action", flat=True))
    assert Clock.objects.filter(subject_id=request.pk, state="fired").exists()
    assert not DirtySubject.objects.filter(subject_id=request.pk).exists()
    comment(company, request, "lina", "已收到，评估中", "2026-05-20 18:05")
    assert DirtySubject.objects.filter(subject_id=request.pk).exists()
