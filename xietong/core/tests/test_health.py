"""GET /healthz tells whether the database answers and whether a worker is alive: a worker's heartbeat older
than XIETONG_WORKER_STALE_SECONDS (120 s) makes it stale and the site "degraded" (still 200: the web answers)."""

import datetime as dt
import json
import os
import socket

import pytest
import time_machine
from django.core.management import call_command
from django.core.management.base import CommandError

from xietong.core.heartbeat import heartbeat_beat, heartbeat_start, heartbeat_stop
from xietong.core.models import WorkerHeartbeat
from xietong.core.worker import Worker

T0 = dt.datetime(2026, 3, 2, 9, 0, tzinfo=dt.UTC)  # 17:00 in Shanghai


def health(client) -> dict:
    response = client.get("/healthz")
    assert response.status_code == 200 and response["Content-Type"] == "application/json"
    return response.json()


def test_no_worker_ever_started_is_reported_missing(client, db):
    assert health(client) == {
        "status": "degraded",
        "database": "ok",
        "worker": {"status": "missing", "stale_after_seconds": 120, "workers": []},
    }


def test_a_worker_is_stale_once_its_heartbeat_is_older_than_the_bound(client, db):
    with time_machine.travel(T0, tick=False) as traveller:
        beat = heartbeat_start(restarts=2, last_exit="SIGKILL")
        traveller.shift(dt.timedelta(seconds=120))
        worker = {
            "status": "ok",
            "started_at": "2026-03-02T17:00:00+08:00",
            "seconds_since_beat": 120,
            "restarts": 2,
            "last_exit": "SIGKILL",
        }
        assert health(client) == {
            "status": "ok",
            "database": "ok",
            "worker": {"status": "ok", "stale_after_seconds": 120, "workers": [worker]},
        }
        traveller.shift(dt.timedelta(seconds=1))
        stale = health(client)
        assert stale["status"] == "degraded" and stale["worker"]["status"] == "stale"
        assert stale["worker"]["workers"] == [{**worker, "status": "stale", "seconds_since_beat": 121}]
        # A beat brings it back.
        heartbeat_beat(beat)
        assert health(client)["status"] == "ok"
        heartbeat_stop(beat)
        assert health(client)["worker"]["status"] == "missing"


def test_the_public_page_names_no_host_or_process_but_the_command_does(client, db, capsys):
    with time_machine.travel(T0, tick=False):
        heartbeat_start()
        assert "host" not in json.dumps(health(client)) and "pid" not in json.dumps(health(client))
        call_command("worker_alive", "--this-host")
    printed = json.loads(capsys.readouterr().out)
    assert printed["workers"][0]["host"] == socket.gethostname() and printed["workers"][0]["pid"] == os.getpid()


def test_worker_alive_fails_when_no_worker_beats(db):
    with time_machine.travel(T0, tick=False) as traveller:
        heartbeat_start()
        traveller.shift(dt.timedelta(minutes=3))
        with pytest.raises(CommandError, match="没有存活的后台任务进程"):
            call_command("worker_alive")


def test_a_dead_workers_row_on_this_machine_gives_way_to_its_successor(db):
    """The supervisor restarted a worker killed with SIGKILL: its row goes, the new one says why it started."""
    with time_machine.travel(T0, tick=False):
        WorkerHeartbeat.objects.create(
            host=socket.gethostname(), pid=2**22 + 7, started_at=T0, beat_at=T0
        )  # no such process
        WorkerHeartbeat.objects.create(host="other-machine", pid=2**22 + 7, started_at=T0, beat_at=T0)
        heartbeat_start(restarts=1, last_exit="SIGKILL")
    rows = WorkerHeartbeat.objects.order_by("host").values_list("host", "pid", "restarts", "last_exit")
    assert list(rows) == sorted(
        [("other-machine", 2**22 + 7, 0, ""), (socket.gethostname(), os.getpid(), 1, "SIGKILL")]
    )


def test_a_worker_that_stops_cleanly_leaves_no_heartbeat(transactional_db):
    # transactional: the worker closes its connections between passes, as it does in production.
    Worker(once=True).run()
    assert not WorkerHeartbeat.objects.exists()
