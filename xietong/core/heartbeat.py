"""Is a worker alive? Each `xietong worker` process keeps a heartbeat row fresh while its loop turns;
GET /healthz and `xietong worker_alive` read them. A row older than XIETONG_WORKER_STALE_SECONDS is a worker
that died (kill -9, a crashed machine) or hangs."""

from __future__ import annotations

import datetime as dt
import os
import socket

from django.conf import settings
from django.db import transaction

from xietong.core import clock
from xietong.core.models import WorkerHeartbeat


def stale_after() -> dt.timedelta:
    return dt.timedelta(seconds=settings.XIETONG_WORKER_STALE_SECONDS)


def _alive_here(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


@transaction.atomic
def heartbeat_start(*, restarts: int = 0, last_exit: str = "") -> WorkerHeartbeat:
    """This process's row. Rows of this machine's dead workers go (their story is in `restarts` and
    `last_exit`, which the supervisor hands on), and so does any row silent for a day."""
    host, pid, now = socket.gethostname(), os.getpid(), clock.now()
    dead_here = [
        row.pk
        for row in WorkerHeartbeat.objects.filter(host=host)
        if row.pid == pid or not _alive_here(row.pid)  # the same pid: an earlier life of this container
    ]
    WorkerHeartbeat.objects.filter(pk__in=dead_here).delete()
    WorkerHeartbeat.objects.filter(beat_at__lt=now - dt.timedelta(days=1)).delete()
    return WorkerHeartbeat.objects.create(
        host=host, pid=pid, started_at=now, beat_at=now, restarts=restarts, last_exit=last_exit[:80]
    )


def heartbeat_beat(beat: WorkerHeartbeat) -> None:
    beat.beat_at = clock.now()
    if not WorkerHeartbeat.objects.filter(pk=beat.pk).update(beat_at=beat.beat_at):
        # Removed by another worker's clean-up after a long pause: stand up again.
        WorkerHeartbeat.objects.create(
            host=beat.host,
            pid=beat.pid,
            started_at=beat.started_at,
            beat_at=beat.beat_at,
            restarts=beat.restarts,
            last_exit=beat.last_exit,
        )


def heartbeat_stop(beat: WorkerHeartbeat) -> None:
    WorkerHeartbeat.objects.filter(pk=beat.pk).delete()


def worker_liveness(*, details: bool = False) -> dict:
    """{"status": "ok" | "stale" | "missing", "stale_after_seconds", "workers": [...]}: ok when at least one
    worker beat within the bound. `details` adds host and pid (for operators, not for the public /healthz)."""
    now, bound = clock.now(), stale_after()
    workers = []
    for row in WorkerHeartbeat.objects.order_by("started_at", "pk"):
        silent = now - row.beat_at
        entry = {
            "status": "ok" if silent <= bound else "stale",
            "started_at": clock.local(row.started_at).isoformat(),
            "seconds_since_beat": max(0, int(silent.total_seconds())),
            "restarts": row.restarts,
            "last_exit": row.last_exit,
        }
        if details:
            entry.update(host=row.host, pid=row.pid)
        workers.append(entry)
    alive = any(w["status"] == "ok" for w in workers)
    status = "ok" if alive else ("stale" if workers else "missing")
    return {"status": status, "stale_after_seconds": int(bound.total_seconds()), "workers": workers}
