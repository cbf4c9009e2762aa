"""离职交接 for problems: when the owner of a dispatched problem leaves, the problem, its running clocks and
the steps it waits for pass to the successor in one transaction."""

import time_machine
from django.db import transaction

from xietong.clocks.models import Clock
from xietong.core.models import AuditEvent
from xietong.items.handover import open_items_owned_by, person_hand_over
from xietong.problems.models import Problem
from xietong.problems.tests.test_problem_flow import at, dispatch, file_problem


def leave(company, who: str, successor: str, when: str):
    with time_machine.travel(at(when), tick=False), transaction.atomic():
        return person_hand_over(
            actor=company.person("admin"), person=company.person(who), successor=company.person(successor)
        )


def armed_owners(model: str, pk: int) -> set[tuple[str, str, str]]:
    armed = Clock.objects.filter(subject_type=model, subject_id=pk, state="armed")
    return {(c.limit, c.kind, c.owner.username) for c in armed}


def test_the_owner_of_a_dispatched_problem_leaves_and_the_successor_reports_progress(company):
    problem = dispatch(company, file_problem(company))  # 李娜 owns it: progress due 10/10 10:00, done by 10/23
    handed = leave(company, "lina", "zhaolei", "2026-10-09 09:00")

    assert handed.items["problems.problem"] == 1
    problem = Problem.objects.get(pk=problem.pk)
    assert (problem.owner.username, problem.state) == ("zhaolei", "dispatched")
    assert open_items_owned_by(company.person("lina")) == []
    assert {owner for _limit, _kind, owner in armed_owners("problems.problem", problem.pk)} == {"zhaolei"}
    assert Clock.objects.get(subject_id=problem.pk, kind="update_due", state="armed").due_at == at("2026-10-10 10:00")
    event = AuditEvent.objects.get(action="problem.hand_over", object_id=str(problem.pk))
    assert (event.after["from_name"], event.after["to_name"]) == ("李娜", "赵磊")
