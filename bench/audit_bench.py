"""The audit chain at scale: write N events unsealed with one SQL statement, seal them with the sequencer,
verify the whole chain:
    .venv/bin/python bench/audit_bench.py --db postgres|sqlite [--events 1000000]

Figures: seconds to write, events sealed per second (audit_seal, as the worker runs it), seconds for
`audit_verify` over the whole chain (goal: under a minute for 1,000,000).
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.common import emit, fresh_database, migrate, setup_django, timed

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


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--db", choices=["sqlite", "postgres"], required=True)
    parser.add_argument("--events", type=int, default=1_000_000)
    args = parser.parse_args()
    # A fresh database is a fresh installation: its own anchor file.
    os.environ["XIETONG_AUDIT_ANCHOR_FILE"] = str(Path(tempfile.mkdtemp(prefix="xietong-anchor-")) / "anchor.json")
    fresh_database(args.db, "audit")
    setup_django(args.db, "audit")
    migrate()
    from django.db import connection, transaction

    from xietong.core.audit import audit_seal, audit_verify

    with timed() as t, transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(INSERT_PG if connection.vendor == "postgresql" else INSERT_SQLITE, [args.events, args.events])
    emit("审计链", f"写入 {args.events:,} 条未封存事件（一条 SQL）", t["seconds"], "秒", "", args.db)
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE core_auditevent")
    with timed() as t:
        sealed = audit_seal()
    assert sealed == args.events, sealed
    emit("审计链", "封存（audit_seal，批量 5,000）", sealed / t["seconds"], "条/秒", "", args.db)
    with timed() as t:
        report = audit_verify()
    assert report.ok and report.checked == args.events, report
    emit("审计链", f"audit verify 校验 {args.events:,} 条", t["seconds"], "秒", "< 60 秒", args.db)


if __name__ == "__main__":
    main()
