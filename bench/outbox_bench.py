"""Outbox deliveries per second: webhook messages to a real HTTP receiver on 127.0.0.1, delivered by 1 and
then 4 `xietong worker --only outbox` processes. Checks that each message arrived exactly once.

    python bench/outbox_bench.py --db sqlite|postgres [--messages 5000]
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.common import REPO, database_url, emit, fresh_database, migrate, setup_django


def seed_messages(count: int, channel) -> None:
    from xietong.notify.models import Delivery, Notification

    notifications = Notification.objects.bulk_create(
        [Notification(kind="info", urgency="urgent", title=f"基准消息 {i:06d}") for i in range(count)],
        batch_size=2000,
    )
    Delivery.objects.bulk_create(
        [
            Delivery(
                notification=n, channel_kind="webhook", channel=channel, idempotency_key=f"n{n.pk}:channel:{channel.pk}"
            )
            for n in notifications
        ],
        batch_size=2000,
    )


def deliver_with_processes(n: int, db: str) -> float:
    """Seconds from the first delivery attempt to the last (process start-up not counted)."""
    from django.db.models import Max, Min

    from xietong.notify.models import Delivery, DeliveryAttempt

    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "bench.settings",
        "DATABASE_URL": database_url(db),
        "XIETONG_LOG_LEVEL": "WARNING",
        "PYTHONPATH": str(REPO),
    }
    command = [sys.executable, "-m", "django", "worker", "--only", "outbox", "--interval", "0.1"]
    workers = [subprocess.Popen([*command, "--batch-size", "100"], cwd=REPO, env=env) for _ in range(n)]
    try:
        while Delivery.objects.exclude(state="sent").exists():
            time.sleep(0.2)
    finally:
        for w in workers:
            w.terminate()
        for w in workers:
            w.wait(timeout=60)
    span = DeliveryAttempt.objects.aggregate(first=Min("at"), last=Max("at"))
    return (span["last"] - span["first"]).total_seconds()


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--db", choices=["sqlite", "postgres"], required=True)
    parser.add_argument("--messages", type=int, default=5000)
    args = parser.parse_args()
    fresh_database(args.db)
    setup_django(args.db)
    migrate()
    from django.db import transaction

    from tests.receiver import Receiver
    from xietong.notify.models import Channel, Delivery, DeliveryAttempt
    from xietong.notify.services import channel_save
    from xietong.org.demo import seed_demo_org
    from xietong.org.models import Person

    seed_demo_org()
    with Receiver(keep_alive=True) as receiver:  # HTTP/1.1 keep-alive, as a production receiver answers
        with transaction.atomic():
            channel = channel_save(
                actor=Person.objects.get(username="admin"),
                channel=Channel(
                    kind="webhook", name="基准", url=f"{receiver.base_url}/hook", rate_per_minute=0, quiet_hours=False
                ),
                secret="bench",
            )
        for workers in (1, 4):
            DeliveryAttempt.objects.all().delete()
            Delivery.objects.all().delete()
            receiver.requests.clear()
            seed_messages(args.messages, channel)
            seconds = deliver_with_processes(workers, args.db)
            confirmed = Counter(DeliveryAttempt.objects.filter(ok=True).values_list("delivery_id", flat=True))
            assert len(confirmed) == args.messages and set(confirmed.values()) == {1}, "each confirmed once"
            received = Counter(r.headers["X-Xietong-Delivery"] for r in receiver.requests)
            assert len(received) == args.messages and set(received.values()) == {1}, "each message exactly once"
            emit(
                "通知投递",
                f"webhook 投递 {args.messages:,} 条（{workers} 个 worker 进程）",
                args.messages / seconds,
                "条/秒",
                "",
                args.db,
            )


if __name__ == "__main__":
    main()
