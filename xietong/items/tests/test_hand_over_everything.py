"""离职交接 over the whole demo company: when 陈静 (后端工程师: a request she asked for, a task she owns, an
improvement action after the emergency) leaves, every open item of every declared process that names her as
one who must act, and every clock she owns, passes to 杨帆 in one transaction — nothing is left owned by
someone who cannot sign in."""

import time_machine
from django.db.models import Q

from xietong.clocks.models import Clock
from xietong.items.handover import open_items_owned_by, person_hand_over, still_answers_for
from xietong.items.process import processes
from xietong.org.models import Person
from xietong.requests.tests.test_request_flow import at


def named(person):
    """(process, number of items in a state someone still acts in) that name `person` as an owner."""
    found = {}
    for process in processes():
        if not process.owners:
            continue
        who = Q()
        for name in process.owners:
            who |= Q(**{name: person})
        count = process.model._base_manager.filter(who, state__in=process.open_states).count()
        if count:
            found[process.key] = count
    return found


def test_everything_successor_answers_for_passes_to_her_successor_and_nothing_stays_with_her(db, seeded_demo):
    seeded_demo()
    leaver, successor = Person.objects.get(username="chenjing"), Person.objects.get(username="yangfan")
    admin = Person.objects.get(username="admin")
    before = named(leaver)
    assert before == {"request": 1, "task": 1, "improvement": 1}
    assert len(open_items_owned_by(leaver)) == 3
    clocks_before = Clock.objects.filter(owner=leaver, closed_at__isnull=True).count()
    assert clocks_before > 0 and still_answers_for(leaver) is not None
    successor_before = named(successor)

    with time_machine.travel(at("2026-12-03 10:00"), tick=False):
        report = person_hand_over(actor=admin, person=leaver, successor=successor)

    leaver.refresh_from_db()
    assert not leaver.is_active
    assert named(leaver) == {} and open_items_owned_by(leaver) == []
    assert not Clock.objects.filter(owner=leaver, closed_at__isnull=True).exists()
    assert still_answers_for(leaver) is None
    assert report.items == {"requests.request": 1, "tasks.task": 1, "incidents.improvementaction": 1}
    after = named(successor)
    assert all(after.get(key, 0) >= successor_before.get(key, 0) + count for key, count in before.items())
