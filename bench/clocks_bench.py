"""Clocks at scale: seed 1,000,000 armed clocks, time an empty sweep (none due) and a whole idle worker pass
(every registered sweep, nothing due anywhere), then fire 10,000 due clocks with one worker and with four
worker processes. Run once per database:
    python bench/clocks_bench.py --db sqlite|postgres [--clocks 1000000] [--due 10000] [--empty-only] [--reuse]

--empty-only stops after the idle figures (nothing fired, so the database can be --reused); --reuse keeps
a database an earlier run seeded if it holds --clocks armed clocks and none due.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import random
import statistics
import subprocess
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.common import REPO, database_url, emit, fresh_database, migrate, setup_django, timed


def seed_armed(total: int) -> float:
    from django.utils import timezone

    from xietong.clocks.models import Clock

    now = timezone.now()
    rng = random.Random(3)
    batch = 10_000
    with timed() as t:
        for start in range(0, total, batch):
            Clock.objects.bulk_create(
                [
                    Clock(
                        subject_type="probe.probe",
                        subject_id=start + i,
                        limit="respond",
                        kind="respond",
                        mode="working",
                        anchor_at=now,
                        offset_us=0,
                        due_at=now + dt.timedelta(minutes=rng.randrange(60, 365 * 24 * 60)),
                        limit_due_at=now,
                        created_at=now,
                    )
                    for i in range(min(batch, total - start))
                ],
                batch_size=batch,
            )
    return t["seconds"]


def seed_due(count: int, ladder, owner) -> None:
    from django.utils import timezone

    from xietong.clocks.models import Clock
    from xietong.clocks.tests.probe.models import Probe

    past = timezone.now() - dt.timedelta(minutes=1)
    probes = Probe.objects.bulk_create(
        [Probe(name=f"需求 {i:05d}", owner=owner, department=owner.department) for i in range(count)], batch_size=5000
    )
    Clock.objects.bulk_create(
        [
            Clock(
                subject_type="probe.probe",
                subject_id=p.pk,
                limit="respond",
                kind="escalate",
                level=1,
                mode="wall",
                ladder=ladder,
                owner=owner,
                department=owner.department,
                anchor_at=past,
                offset_us=0,
                due_at=past,
                limit_due_at=past,
                created_at=past,
            )
            for p in probes
        ],
        batch_size=5000,
    )


def idle_samples(run, times: int = 30) -> list[float]:
    """Milliseconds per call of `run`, after one call that is not timed (a first pass may do its one-off work,
    e.g. the quarterly review of the quarter that just ended)."""
    run()
    samples = []
    for _ in range(times):
        with timed() as t:
            run()
        samples.append(t["seconds"] * 1000)
    return samples


def reusable(clocks: int) -> bool:
    from django.db import DatabaseError, connections

    try:
        return armed_due() == 0 and armed(clocks)
    except DatabaseError:
        return False
    finally:
        connections.close_all()


def armed(clocks: int) -> bool:
    from xietong.clocks.models import Clock

    return Clock.objects.filter(state="armed").count() >= clocks


def armed_due() -> int:
    from django.utils import timezone

    from xietong.clocks.models import Clock

    return Clock.objects.filter(state="armed", due_at__lte=timezone.now()).count()


def fire_with_processes(n: int, db: str) -> float:
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "bench.settings",
        "DATABASE_URL": database_url(db),
        "XIETONG_LOG_LEVEL": "WARNING",
        "PYTHONPATH": str(REPO),
    }
    with timed() as t:
        workers = [
            subprocess.Popen(
                [
                    sys.executable,
                    "-m",
                    "django",
                    "worker",
                    "--only",
                    "clocks",
                    "--interval",
                    "0.1",
                    "--batch-size",
                    "200",
                ],
                cwd=REPO,
                env=env,
            )
            for _ in range(n)
        ]
        try:
            while armed_due():
                time.sleep(0.2)
        finally:
            for w in workers:
                w.terminate()
            for w in workers:
                w.wait(timeout=60)
    return t["seconds"]


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--db", choices=["sqlite", "postgres"], required=True)
    parser.add_argument("--clocks", type=int, default=1_000_000)
    parser.add_argument("--due", type=int, default=10_000)
    parser.add_argument("--empty-only", action="store_true", help="only the idle figures: fire nothing")
    parser.add_argument("--reuse", action="store_true", help="keep an earlier run's armed clocks")
    args = parser.parse_args()
    setup_django(args.db)
    reuse = args.reuse and reusable(args.clocks)
    if not reuse:
        fresh_database(args.db)
    migrate()
    from django.db import connection

    from xietong.clocks.models import EscalationLadder, EscalationStep
    from xietong.clocks.services import clock_fire_due
    from xietong.core.worker import run_sweeps_once, sweeps
    from xietong.org.demo import seed_demo_org
    from xietong.org.models import Person

    if not reuse:
        seed_demo_org()
    owner = Person.objects.get(username="wangqiang")
    ladder, _ = EscalationLadder.objects.get_or_create(code="bench-one", defaults={"name": "单级"})
    EscalationStep.objects.get_or_create(ladder=ladder, level=1, defaults={"target": "department_head", "after": "0m"})

    if not reuse:
        seconds = seed_armed(args.clocks)
        emit("时钟", f"写入 {args.clocks:,} 个计时中的时钟", seconds, "秒", "分钟级", args.db)
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE clocks_clock" if connection.vendor == "postgresql" else "ANALYZE")

    def empty_sweep() -> None:
        assert clock_fire_due() == 0

    samples = idle_samples(empty_sweep)
    among = f"{args.clocks:,} 个未到期"
    emit("时钟", f"空扫描（{among}）中位数", statistics.median(samples), "毫秒", "≤ 2 毫秒", args.db)
    emit("时钟", f"空扫描（{among}）最大值", max(samples), "毫秒", "", args.db)
    # An idle worker pass: every sweep the worker runs, in its order, with nothing due anywhere.
    for sweep in sweeps():
        samples = idle_samples(lambda sweep=sweep: sweep.run(200))
        emit("空闲扫描", f"{sweep.name}（{among}）中位数", statistics.median(samples), "毫秒", "", args.db)
    samples = idle_samples(run_sweeps_once)
    emit("空闲扫描", f"worker 空闲一轮，全部扫描（{among}）中位数", statistics.median(samples), "毫秒", "", args.db)
    emit("空闲扫描", f"worker 空闲一轮，全部扫描（{among}）最大值", max(samples), "毫秒", "", args.db)
    if args.empty_only:
        return

    seed_due(args.due, ladder, owner)
    with timed() as t:
        fired = 0
        while True:
            n = clock_fire_due(500)
            fired += n
            if n == 0:
                break
    assert fired == args.due, fired
    emit("时钟", f"触发 {args.due:,} 个到期时钟（1 个进程）", args.due / t["seconds"], "个/秒", "", args.db)

    seed_due(args.due, ladder, owner)
    seconds = fire_with_processes(4, args.db)
    emit("时钟", f"触发 {args.due:,} 个到期时钟（4 个 worker 进程）", args.due / seconds, "个/秒", "", args.db)
    from xietong.clocks.models import Escalation

    assert Escalation.objects.count() == 2 * args.due, "each due clock escalates exactly once"


if __name__ == "__main__":
    main()
