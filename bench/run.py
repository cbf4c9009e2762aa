"""Run every benchmark and print one table:
    .venv/bin/python bench/run.py [--quick] [--only workcal,clocks,requestclocks,outbox,search,http,cpu,designer,audit] [--dbs sqlite,postgres] [--reuse]

--quick uses smaller sizes (100,000 clocks, 2,000 due; 500 webhook messages; 20,000 search documents;
5,000 requests and 5 s per HTTP scenario; 20 designed items; 100,000 audit events) to check that everything
runs.
Figures come from this machine; goals are the issues' targets. Not part of ./test.sh or CI.

Each benchmark's rows are also appended to var/bench/run.jsonl as it finishes (with its command, seconds and
the load average it started under), so a long run that fails or is stopped keeps what it measured; a
benchmark that fails is named in the table and the others still run (exit status 1 at the end).
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
LOG = REPO / "var" / "bench" / "run.jsonl"
failed: list[str] = []


def run(cmd: list[str]) -> list[dict]:
    print("$ " + " ".join(cmd), file=sys.stderr, flush=True)
    load, started = os.getloadavg()[0], time.monotonic()
    out = subprocess.run([sys.executable, *cmd], cwd=REPO, capture_output=True, text=True)
    seconds = time.monotonic() - started
    if out.returncode != 0:
        print(out.stdout[-2000:], out.stderr[-4000:], file=sys.stderr)
        failed.append(" ".join(cmd))
        rows = [
            {"group": "失败", "name": " ".join(cmd), "value": out.returncode, "unit": "退出码", "goal": "", "db": ""}
        ]
    else:
        rows = [json.loads(line) for line in out.stdout.splitlines() if line.startswith("{")]
    LOG.parent.mkdir(parents=True, exist_ok=True)
    with LOG.open("a", encoding="utf-8") as log:
        for row in rows:
            log.write(
                json.dumps({**row, "command": cmd, "seconds": round(seconds, 1), "load": load}, ensure_ascii=False)
            )
            log.write("\n")
    print(f"  {seconds:.0f} s, load {load:.2f} at start", file=sys.stderr, flush=True)
    return rows


def width(text: str) -> int:
    return sum(2 if ord(ch) > 0x2E7F else 1 for ch in text)


def pad(text: str, size: int) -> str:
    return text + " " * max(0, size - width(text))


def fmt(value: float) -> str:
    if value >= 100:
        return f"{value:,.0f}"
    if value >= 1:
        return f"{value:,.1f}"
    return f"{value:.3f}"


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--quick", action="store_true")
    parser.add_argument("--only", default="workcal,clocks,requestclocks,outbox,search,http,cpu,designer,audit")
    parser.add_argument("--dbs", default="sqlite,postgres")
    parser.add_argument(
        "--reuse", action="store_true", help="search, http, cpu and audit: keep databases an earlier run seeded"
    )
    args = parser.parse_args()
    reuse = ["--reuse"] if args.reuse else []
    only = set(args.only.split(","))
    rows: list[dict] = []
    if "workcal" in only:
        rows += run(["bench/workcal_bench.py", *(["--quick"] if args.quick else [])])
    if "clocks" in only:
        sizes = ["--clocks", "100000", "--due", "2000"] if args.quick else []
        for db in args.dbs.split(","):
            rows += run(["bench/clocks_bench.py", "--db", db, *sizes])
    if "requestclocks" in only:
        sizes = ["--requests", "3000", "--due", "200"] if args.quick else []
        for db in args.dbs.split(","):
            rows += run(["bench/request_clocks_bench.py", "--db", db, *sizes])
    if "outbox" in only:
        sizes = ["--messages", "500"] if args.quick else []
        for db in args.dbs.split(","):
            rows += run(["bench/outbox_bench.py", "--db", db, *sizes])
    if "search" in only:
        sizes = ["--docs", "20000", "--queries", "50"] if args.quick else []
        for db in args.dbs.split(","):
            rows += run(["bench/search_bench.py", "--db", db, *sizes, *reuse])
    if "http" in only:
        sizes = ["--requests", "5000", "--seconds", "5"] if args.quick else []
        for db in args.dbs.split(","):
            rows += run(["bench/http_bench.py", "--db", db, *sizes, *reuse])
    if "cpu" in only:
        sizes = ["--requests", "5000", "--repeat", "5"] if args.quick else []
        for db in args.dbs.split(","):
            rows += run(["bench/cpu_bench.py", "--db", db, *sizes, *reuse])
    if "designer" in only:
        sizes = ["--items", "20"] if args.quick else []
        for db in args.dbs.split(","):
            rows += run(["bench/designer_bench.py", "--db", db, *sizes])
    if "audit" in only:
        sizes = ["--events", "100000"] if args.quick else []
        for db in args.dbs.split(","):
            rows += run(["bench/audit_bench.py", "--db", db, *sizes, *reuse])
    headers = ["组", "项目", "数据库", "结果", "单位", "目标"]
    table = [[r["group"], r["name"], r["db"] or "—", fmt(r["value"]), r["unit"], r["goal"] or "—"] for r in rows]
    widths = [max(width(h), *(width(row[i]) for row in table)) for i, h in enumerate(headers)]
    line = "+".join("-" * (w + 2) for w in widths)
    print("+" + line + "+")
    print("| " + " | ".join(pad(h, w) for h, w in zip(headers, widths, strict=True)) + " |")
    print("+" + line + "+")
    for row in table:
        print("| " + " | ".join(pad(c, w) for c, w in zip(row, widths, strict=True)) + " |")
    print("+" + line + "+")
    if failed:
        raise SystemExit("benchmarks failed: " + "; ".join(failed))


if __name__ == "__main__":
    main()
