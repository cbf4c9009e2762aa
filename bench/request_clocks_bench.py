"""Real request clocks firing, with everything they cause (issue 18): the seeded company's 响应 clocks of
submitted requests fall due, and `xietong worker` processes fire them — the escalation to the receiving
department head, the notification, its outbox rows and the audit event of each — with 1 and then 4 workers.

    python bench/request_clocks_bench.py --db sqlite|postgres [--requests 24000] [--due 2000]

The seeder (bench/scale_seed.py) writes requests with their clocks; here every armed 响应 clock is moved a
year ahead, then `--due` of them are set one second in the past for each run. Firings/s counts the firings
after the first batch's instant up to the last one (a batch's clocks share the instant they fired, as they
commit together; process start-up not counted); the outbox is drained afterwards by one worker
and reported as deliveries of what the firings caused (those held for the morning are made due first, so the
figure does not depend on the hour the bench runs).
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import subprocess
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.common import REPO, database_url, emit, fresh_database, migrate, setup_django


def _workers(n: int, db: str, only: str) -> list[subprocess.Popen]:
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "bench.settings",
        "DATABASE_URL": database_url(db),
        "XIETONG_LOG_LEVEL": "WARNING",
        "PYTHONPATH": str(REPO),
    }
    command = [sys.executable, "-m", "django", "worker", "--only", only, "--interval", "0.1", "--batch-size", "200"]
    return [subprocess.Popen(command, cwd=REPO, env=env) for _ in range(n)]


def _stop(workers: list[subprocess.Popen]) -> None:
    for w in workers:
        w.terminate()
    for w in workers:
        w.wait(timeout=120)


def fire(n: int, db: str, ids: list[int]) -> dict[str, float]:
    from django.db.models import Max, Min

    from xietong.clocks.models import Clock, Escalation
    from xietong.notify.models import Delivery, Notification

    notifications, deliveries, escalations = (
        Notification.objects.count(),
        Delivery.objects.count(),
        Escalation.objects.count(),
    )
    now = dt.datetime.now(dt.UTC)
    Clock.objects.filter(pk__in=ids).update(due_at=now - dt.timedelta(seconds=1))
    workers = _workers(n, db, "clocks")
    try:
        while Clock.objects.filter(pk__in=ids, state="armed").exists():
            time.sleep(0.2)
    finally:
        _stop(workers)
    span = Clock.objects.filter(pk__in=ids).aggregate(first=Min("fired_at"), last=Max("fired_at"))
    seconds = max((span["last"] - span["first"]).total_seconds(), 0.001)
    # A batch's clocks share one instant (they commit together): count those fired after the first batch.
    after_first = Clock.objects.filter(pk__in=ids, fired_at__gt=span["first"]).count()
    return {
        "rate": after_first / seconds,
        "notifications": Notification.objects.count() - notifications,
        "deliveries": Delivery.objects.count() - deliveries,
        "escalations": Escalation.objects.count() - escalations,
    }


def drain_outbox(db: str) -> float:
    from xietong.notify.models import Delivery

    started = time.perf_counter()
    workers = _workers(1, db, "outbox")
    try:
        while Delivery.objects.filter(state="pending", next_attempt_at__lte=dt.datetime.now(dt.UTC)).exists():
            time.sleep(0.2)
    finally:
        _stop(workers)
    return time.perf_counter() - started


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--db", choices=["sqlite", "postgres"], required=True)
    parser.add_argument("--requests", type=int, default=24000)
    parser.add_argument("--due", type=int, default=2000)
    args = parser.parse_args()
    fresh_database(args.db)
    setup_django(args.db)
    migrate()
    from bench.scale_seed import seed
    from xietong.clocks.models import Clock

    seed(args.requests, 300)
    armed = Clock.objects.filter(subject_type="requests.request", state="armed", kind="respond")
    armed.update(due_at=dt.datetime.now(dt.UTC) + dt.timedelta(days=365))
    ids = list(armed.order_by("pk").values_list("pk", flat=True))
    if len(ids) < 2 * args.due:
        raise SystemExit(f"only {len(ids)} armed request clocks; seed more requests")
    for workers, chosen in ((1, ids[: args.due]), (4, ids[args.due : 2 * args.due])):
        result = fire(workers, args.db, chosen)
        emit(
            "请求时钟",
            f"真实需求响应时钟触发 {args.due:,} 个（{workers} 个 worker；升级 {result['escalations']:,}、"
            f"通知 {result['notifications']:,}、投递 {result['deliveries']:,}）",
            result["rate"],
            "个/秒",
            "≥1,000（1 个）/ ≥2,000（4 个）",
            args.db,
        )
    from xietong.notify.models import Delivery

    # Messages held by quiet hours or working hours wait for the morning: run outside working hours, the bench
    # timed nothing ("0 条送出"). The morning comes now — what waits is due at once, the same sends.
    held = Delivery.objects.filter(state="pending", next_attempt_at__gt=dt.datetime.now(dt.UTC))
    held.update(next_attempt_at=dt.datetime.now(dt.UTC) - dt.timedelta(seconds=1))
    pending = list(Delivery.objects.filter(state="pending").values_list("pk", flat=True))
    seconds = drain_outbox(args.db)
    sent = Delivery.objects.filter(pk__in=pending, state="sent").count()  # not merely put off again
    emit(
        "请求时钟",
        f"这些触发产生的投递 {len(pending):,} 条，送出 {sent:,} 条（1 个 worker）",
        sent / seconds,
        "条/秒",
        "",
        args.db,
    )


if __name__ == "__main__":
    main()
