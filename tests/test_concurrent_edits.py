"""Fifty people save the same task at the same moment: exactly one wins, forty-nine get a clear conflict,
nothing is lost or half-written. Real threads, real connections, PostgreSQL row locks."""

import threading

import pytest
from django.db import close_old_connections, connection, transaction

from xietong.core.errors import Conflict
from xietong.core.models import AuditEvent
from xietong.requests.tests.test_request_flow import _published_task
from xietong.tasks.models import Task
from xietong.tasks.services import task_update

pytestmark = [pytest.mark.postgres_only, pytest.mark.django_db(transaction=True)]


def test_fifty_simultaneous_edits_one_wins_per_version(company):
    _request, _breakdown, task = _published_task(company)
    editors = [company.person("guoxin"), company.person("lina")]
    start = threading.Barrier(50)
    outcomes: list[tuple[int, str]] = []
    lock = threading.Lock()

    def edit(i: int, version: int) -> None:
        try:
            start.wait()
            with transaction.atomic():
                task_update(
                    actor=editors[i % 2],
                    task=Task.objects.get(pk=task.pk),
                    expected_version=version,
                    resources=f"样机 {i + 1} 台",  # the dates of a published task change only by a 需求变更
                )
            result = "ok"
        except Conflict:
            result = "conflict"
        finally:
            close_old_connections()
            connection.close()
        with lock:
            outcomes.append((i, result))

    for round_number in range(2):  # a second round starts from the winner's version
        version = Task.objects.get(pk=task.pk).version
        threads = [threading.Thread(target=edit, args=(i + 100 * round_number, version)) for i in range(50)]
        for t in threads:
            t.start()
        for t in threads:
            t.join(timeout=120)
        round_outcomes = [r for i, r in outcomes if i // 100 == round_number]
        assert round_outcomes.count("ok") == 1 and round_outcomes.count("conflict") == 49
        winner = next(i for i, r in outcomes if r == "ok" and i // 100 == round_number)
        task.refresh_from_db()
        assert task.version == version + 1
        assert task.resources == f"样机 {winner + 1} 台"
    assert AuditEvent.objects.filter(action="task.update", object_id=str(task.pk)).count() == 2
