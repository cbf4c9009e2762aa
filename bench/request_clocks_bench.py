"""Real request clocks firing, with everything they cause (issue 18): the seeded company's 响应 clocks of
submitted requests fall due, and `xietong worker` processes fire them — the escalation to the receiving
department head, the notification, its outbox rows and the audit event of each — with 1 and then 4 workers.

    python bench/request_clocks_bench.py --db sqlite|postgres [--requests 24000] [--due 2000]

The seeder (bench/scale_seed.py) writes requests with their clocks; here every armed 响应 clock is moved a
year ahead, then `--due` of them are set one second in the past for each run. Firings/s counts the firings
after the first batch's instant up to the last one (a batch's clocks share the instant they fired, as they
commit together; process start-up not counted); the outbox is drained afterwards by one worker
and reported as deliveries of what the firings caused (those held for the morning are made due first, so the
figure does not depend on the hour the bench runs): the mail over SMTP to a real server on 127.0.0.1
(aiosmtpd, counted on arrival), the robots' messages over HTTP to a webhook receiver.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import socket
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.common import REPO, database_url, emit, fresh_database, migrate, setup_django

KIND_NAMES = {"email": "邮件（SMTP）", "webhook": "群机器人（HTTP）"}


class Mailbox:
    """aiosmtpd handler: counts the messages that arrived."""

    def __init__(self) -> None:
        self.count = 0

    async def handle_DATA(self, server, session, envelope):
        self.count += 1
        return "250 OK"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


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
    """Seconds from the worker's first send to its last (process start-up not counted)."""
    from django.db.models import Max, Min

    from xietong.notify.models import Delivery, DeliveryAttempt

    DeliveryAttempt.objects.all().delete()
    workers = _workers(1, db, "outbox")
    try:
        while Delivery.objects.filter(state="pending", next_attempt_at__lte=dt.datetime.now(dt.UTC)).exists():
            time.sleep(0.2)
    finally:
        _stop(workers)
    span = DeliveryAttempt.objects.aggregate(first=Min("at"), last=Max("at"))
    return max((span["last"] - span["first"]).total_seconds(), 0.001)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--db", choices=["sqlite", "postgres"], required=True)
    parser.add_argument("--requests", type=int, default=24000)
    parser.add_argument("--due", type=int, default=2000)
    args = parser.parse_args()
    fresh_database(args.db)
    setup_django(args.db)
    migrate()
    from aiosmtpd.controller import Controller
    from django.db import transaction

    from bench.scale_seed import seed
    from tests.receiver import Receiver
    from xietong.clocks.models import Clock
    from xietong.notify.models import Channel
    from xietong.notify.services import channel_save
    from xietong.org.models import Person

    seed(args.requests, 300)
    receiver = Receiver(keep_alive=True).__enter__()  # the company's group robot (a signed webhook)
    with transaction.atomic():
        channel_save(
            actor=Person.objects.get(username="admin"),
            channel=Channel(kind="webhook", name="全公司群机器人", url=f"{receiver.base_url}/hook", rate_per_minute=0),
            secret="bench",
        )
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
    pending = Delivery.objects.filter(state="pending")
    kinds = Counter(pending.values_list("channel_kind", flat=True))
    pending_ids = list(pending.values_list("pk", flat=True))
    mail = Mailbox()
    controller = Controller(mail, hostname="127.0.0.1", port=_free_port())
    controller.start()
    os.environ.update(EMAIL_HOST="127.0.0.1", EMAIL_PORT=str(controller.port))  # the worker's settings read them
    try:
        seconds = drain_outbox(args.db)
    finally:
        controller.stop()
    sent = Delivery.objects.filter(pk__in=pending_ids, state="sent")  # not merely put off again
    sent_kinds = Counter(sent.values_list("channel_kind", flat=True))
    assert mail.count == sent_kinds["email"], f"{mail.count} mails arrived for {sent_kinds['email']} sent"
    assert len(receiver.requests) == sent_kinds["webhook"], "each robot message arrived once"
    receiver.__exit__(None, None, None)
    made = "、".join(f"{KIND_NAMES.get(k, k)} {n:,}" for k, n in sorted(kinds.items()))
    emit(
        "请求时钟",
        f"这些触发产生的投递 {len(pending_ids):,} 条（{made}），送出 {sum(sent_kinds.values()):,} 条（1 个 worker）",
        sum(sent_kinds.values()) / seconds,
        "条/秒",
        "",
        args.db,
    )


if __name__ == "__main__":
    main()
