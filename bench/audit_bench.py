"""The audit chain at scale: write N events unsealed with one SQL statement, seal them with the sequencer,
verify the whole chain:
    .venv/bin/python bench/audit_bench.py --db postgres|sqlite [--events 1000000] [--reuse]

Figures: seconds to write, events sealed per second (audit_seal, as the worker runs it), and `xietong audit
verify` over the whole chain as an administrator runs it — the command in a process of its own (start-up,
settings, every check it makes, the anchor file, its parallel ranges on PostgreSQL), timed from start to
exit (goal: under a minute for 1,000,000); with the CPU seconds of the command's processes (not the database
server's) and the machine's load average when it started, since the machine may be shared.
`--reuse` keeps a chain an earlier run wrote and sealed with the same --events (and its anchor file) and only
times the command again.
"""

from __future__ import annotations

import argparse
import os
import resource
import subprocess
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.common import REPO, database_url, emit, fresh_database, migrate, setup_django, timed

DATASET = "audit"

INSERT_PG = """
INSERT INTO core_auditevent (at, actor_id, actor_label, action, object_type, object_id, object_label,
                             before, after, ip, prev_hash, hash)
SELECT now() - make_interval(secs => %s - g), NULL, '系统', 'bench.event', 'requests.request', mod(g, 100000)::text,
       'XQ-2026-' || lpad(mod(g, 100000)::text, 6, '0') || ' 压测需求',
       jsonb_build_object('state', 'submitted'), jsonb_build_object('state', 'accepted', 'n', g),
       '127.0.0.1', '', ''
FROM generate_series(1, %s) AS g
"""

INSERT_SQLITE = """
WITH RECURSIVE g(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM g WHERE n < ?)
INSERT INTO core_auditevent (at, actor_id, actor_label, action, object_type, object_id, object_label,
                             before, after, ip, prev_hash, hash)
SELECT strftime('%Y-%m-%d %H:%M:%f', 'now', '-' || (? - n) || ' seconds'), NULL, '系统', 'bench.event',
       'requests.request', CAST(n % 100000 AS TEXT), 'XQ-2026-' || (n % 100000) || ' 压测需求',
       '{"state": "submitted"}', json_object('state', 'accepted', 'n', n), '127.0.0.1', '', ''
FROM g
"""


def anchor_file(db: str) -> Path:
    """The anchor of the benchmark's chain: one per database, kept beside it (a fresh database, a fresh
    installation: the file goes with it)."""
    name = database_url(db, DATASET).rsplit("/", 1)[1]
    return REPO / "var" / "bench" / f"{name}.audit-anchor.json"


def seeded(db: str, events: int) -> bool:
    """Whether the benchmark database already holds a chain of exactly `events` sealed events, all of
    them, and its anchor file (then it is reused)."""
    if not anchor_file(db).exists():
        return False
    setup_django(db, DATASET)
    from django.db import DatabaseError, connections

    from xietong.core.models import AuditChainHead, AuditEvent

    try:
        head = AuditChainHead.objects.filter(pk=1).values_list("seq", flat=True).first()
        return head == events and not AuditEvent.objects.filter(seq__isnull=True).exists()
    except DatabaseError:
        return False
    finally:
        connections.close_all()


def write_and_seal(db: str, events: int) -> None:
    from django.db import connection, transaction

    from xietong.core.audit import audit_seal

    with timed() as t, transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(INSERT_PG if connection.vendor == "postgresql" else INSERT_SQLITE, [events, events])
    emit("审计链", f"写入 {events:,} 条未封存事件（一条 SQL）", t["seconds"], "秒", "", db)
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE core_auditevent")
    with timed() as t:
        sealed = audit_seal()
    assert sealed == events, sealed
    emit("审计链", "封存（audit_seal，批量 5,000）", sealed / t["seconds"], "条/秒", "", db)


def verify_command(db: str, events: int) -> None:
    """`xietong audit verify` as an administrator runs it: the installed command, in a process of its own,
    on this tree's code (PYTHONPATH) and the benchmark's database, settings and anchor (the environment)."""
    from django.db import connections

    connections.close_all()  # this process holds nothing open while the command runs
    script = Path(sys.executable).with_name("xietong")
    command = [str(script)] if script.exists() else [sys.executable, "-m", "xietong.cli"]
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(filter(None, [str(REPO), os.environ.get("PYTHONPATH")]))}
    load = os.getloadavg()[0]
    cpu_before = resource.getrusage(resource.RUSAGE_CHILDREN)
    with timed() as t:
        out = subprocess.run([*command, "audit", "verify"], env=env, capture_output=True, text=True)
    cpu_after = resource.getrusage(resource.RUSAGE_CHILDREN)
    if (
        out.returncode != 0
        or f"审计链完整：共 {events} 条事件" not in out.stdout
        or f"记录至 #{events}" not in out.stdout
    ):
        raise SystemExit(f"xietong audit verify: exit {out.returncode}\n{out.stdout}{out.stderr[-4000:]}")
    cpu = (cpu_after.ru_utime - cpu_before.ru_utime) + (cpu_after.ru_stime - cpu_before.ru_stime)
    emit("审计链", f"xietong audit verify 校验 {events:,} 条（命令，启动到退出）", t["seconds"], "秒", "< 60 秒", db)
    emit("审计链", "其中命令各进程的 CPU（不含数据库服务器）", cpu, "秒", "", db)
    emit("审计链", "校验开始时的机器负载（1 分钟平均）", load, f"（{os.cpu_count()} 核）", "", db)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--db", choices=["sqlite", "postgres"], required=True)
    parser.add_argument("--events", type=int, default=1_000_000)
    parser.add_argument("--reuse", action="store_true", help="time the command again on an earlier run's chain")
    args = parser.parse_args()
    anchor = anchor_file(args.db)
    os.environ["XIETONG_AUDIT_ANCHOR_FILE"] = str(anchor)
    if args.reuse and seeded(args.db, args.events):
        migrate()
    else:
        fresh_database(args.db, DATASET)
        anchor.unlink(missing_ok=True)
        setup_django(args.db, DATASET)
        migrate()
        write_and_seal(args.db, args.events)
    verify_command(args.db, args.events)


if __name__ == "__main__":
    main()
