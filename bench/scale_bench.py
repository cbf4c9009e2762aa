"""Do writes scale with processes? PostgreSQL behind a latency proxy (a database on its own host), the
same measurements on a git ref (before) and on this tree (after), one table (both trees measured side by side, so that both see the same load):
    .venv/bin/python bench/scale_bench.py --before main [--delay-ms 0.5] [--seconds 8] [--levels 1,2,4,8]

- probe: T threads, each running transactions that record one audit event and stay open 20 ms more
  (standing in for the rest of a create, or round trips to a remote database): transactions/s.
- creates: P processes creating and submitting requests through the service (request_create): per second.
- acknowledgements: P processes acknowledging submitted requests (run_step "acknowledge"): per second.
- clock firings: P `xietong worker --only clocks` processes firing due escalation clocks (each notifies
  a department head): firings/s from the instant they fall due until none is left.
A sequencer worker (`worker --only audit-seal`) runs throughout, so sealing the trail is paid for.
Figures depend on this machine (2 cores, shared): compare columns, not machines.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import socket
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

HERE = Path(__file__).resolve()
REPO = HERE.parent.parent
PG = os.environ.get("XIETONG_BENCH_PG", "postgres://postgres@127.0.0.1:5432/xietong_bench")
HOLD = 0.020


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _child_env(tree: Path, url: str) -> dict[str, str]:
    return {
        **os.environ,
        "PYTHONPATH": str(tree),
        "DJANGO_SETTINGS_MODULE": "bench.settings",
        "DATABASE_URL": url,
        "XIETONG_DATA_DIR": str(tree / "var" / "bench-scale"),
        "XIETONG_LOG_LEVEL": "WARNING",
        "XIETONG_PG_PREPARED": "1",
    }


def _setup(url: str) -> None:
    os.environ["DATABASE_URL"] = url
    os.environ["DJANGO_SETTINGS_MODULE"] = "bench.settings"
    import django

    django.setup()


# --- Roles run in child processes (this file, with the tree under test first on sys.path) ----------
def role_probe(url: str, threads: int, seconds: float) -> dict:
    _setup(url)
    from django.db import connection, transaction

    from xietong.core.audit import audit_record

    counts = [0] * threads
    start_at = time.monotonic() + 0.5

    def run(n: int) -> None:
        connection.ensure_connection()
        while time.monotonic() < start_at:
            time.sleep(0.001)
        deadline = start_at + seconds
        while time.monotonic() < deadline:
            with transaction.atomic():
                audit_record(actor=None, action="bench.probe", object_type="bench.probe", object_id=n)
                time.sleep(HOLD)  # the rest of the transaction's work (not a clock: wall time on purpose)
            counts[n] += 1
        connection.close()

    workers = [threading.Thread(target=run, args=(n,)) for n in range(threads)]
    for w in workers:
        w.start()
    for w in workers:
        w.join()
    return {"count": sum(counts), "seconds": seconds}


def _template():
    from xietong.org.models import Department, Person, Project

    return {
        "actor": Person.objects.get(username="guoxin"),
        "receiver": Person.objects.get(username="zhaolei"),
        "project": Project.objects.get(code="smartwatch"),
        "receiving_department": Department.objects.get(code="rd-hardware"),
    }


def _create_one(t: dict, n: int) -> None:
    from xietong.requests.services import request_create

    request_create(
        actor=t["actor"],
        criteria=["响应≤1个工作日"],
        submit=True,
        title=f"扩展性压测需求-{os.getpid()}-{n}",
        project=t["project"],
        receiving_department=t["receiving_department"],
        receiver=t["receiver"],
        background="压测",
        goal="接收确认",
        content="请接收",
        expected_date=dt.date(2027, 12, 31),
    )


def _ready_then_wait() -> float:
    """Tell the driver this process is warmed up; it answers with the instant all start together."""
    print("ready", flush=True)
    start_at = float(sys.stdin.readline())
    while time.time() < start_at:
        time.sleep(0.001)
    return start_at


def role_create(url: str, seconds: float, pool: int) -> dict:
    _setup(url)
    t = _template()
    _create_one(t, -1)  # warms up (imports, caches, calendars); not counted
    deadline = _ready_then_wait() + seconds
    count = 0
    while time.time() < deadline:
        _create_one(t, count)
        count += 1
    return {"count": count, "seconds": seconds}


def role_acknowledge(url: str, seconds: float, pool: int) -> dict:
    _setup(url)
    from django.db import transaction

    from xietong.items.runner import run_step
    from xietong.requests.models import Request

    t = _template()
    receiver = t["receiver"]
    for n in range(pool):  # requests of its own to acknowledge, made before the clock starts
        _create_one(t, 10_000 + n)
    deadline = _ready_then_wait() + seconds
    count, dry = 0, False
    while time.time() < deadline:
        with transaction.atomic():
            request = (
                Request.objects.select_for_update(skip_locked=True)
                .filter(state="submitted", receiver=receiver)
                .order_by("pk")
                .first()
            )
            if request is None:
                dry = True
                break
            run_step(actor=receiver, item=request, step="acknowledge")
        count += 1
    return {"count": count, "seconds": seconds, "dry": dry}


# --- The driver ------------------------------------------------------------------------------------
class Run:
    """One tree measured: its own database, proxy and sequencer worker."""

    def __init__(self, name: str, tree: Path, delay_ms: float, seconds: float, levels: list[int], firings: int):
        self.tree, self.seconds, self.levels, self.firings = tree, seconds, levels, firings
        self.pool = max(20, int(seconds * 25))  # requests each acknowledging process makes for itself first
        self.db_name = "xietong_bench_scale_" + name.split(":")[0]
        self.direct = PG.rsplit("/", 1)[0] + "/" + self.db_name
        port = _free_port()
        self.proxy = subprocess.Popen(
            [
                sys.executable,
                str(HERE.parent / "latency_proxy.py"),
                "--listen",
                f"127.0.0.1:{port}",
                "--target",
                "127.0.0.1:" + (PG.rsplit(":", 1)[1].split("/")[0]),
                "--delay-ms",
                str(delay_ms),
            ],
            stdout=subprocess.DEVNULL,
        )
        user_host = PG.split("//", 1)[1].split("@", 1)[0]
        self.url = f"postgres://{user_host}@127.0.0.1:{port}/{self.db_name}"
        self.env = _child_env(tree, self.url)
        self.rows: dict[str, float] = {}
        self.notes: list[str] = []

    def child(self, *args: str) -> subprocess.Popen:
        return subprocess.Popen(
            [sys.executable, str(HERE), *args],
            cwd=self.tree,
            env=self.env,
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
        )

    def together(self, children: list[subprocess.Popen]) -> list[dict]:
        """Wait until every child is warmed up, then start them all at the same instant."""
        for c in children:
            assert c.stdout is not None and c.stdout.readline().strip() == "ready"
        start_at = time.time() + 0.5
        for c in children:
            assert c.stdin is not None
            c.stdin.write(f"{start_at}\n")
            c.stdin.flush()
        return self.gather(children)

    def manage(self, *args: str, url: str | None = None) -> None:
        env = {**self.env, "DATABASE_URL": url or self.url}
        subprocess.run([sys.executable, "-m", "django", *args], cwd=self.tree, env=env, check=True)

    def worker(self, only: str) -> subprocess.Popen:
        return subprocess.Popen(
            [sys.executable, "-m", "django", "worker", "--only", only, "--interval", "0.1"],
            cwd=self.tree,
            env=self.env,
        )

    def prepare(self) -> None:
        import psycopg

        with psycopg.connect(PG.rsplit("/", 1)[0] + "/postgres", autocommit=True) as conn:
            conn.execute(f"DROP DATABASE IF EXISTS {self.db_name} WITH (FORCE)")
            conn.execute(f"CREATE DATABASE {self.db_name}")
        self.manage("migrate", "-v0", url=self.direct)
        script = "from xietong.org.demo import seed_demo_org; seed_demo_org()"
        self.manage("shell", "-c", script, url=self.direct)

    def gather(self, children: list[subprocess.Popen]) -> list[dict]:
        out = []
        for c in children:
            stdout, _ = c.communicate(timeout=600)
            assert c.returncode == 0, f"child failed: {stdout[-2000:]}"
            out.append(json.loads(stdout.strip().splitlines()[-1]))
        return out

    def measure(self) -> dict[str, float]:
        self.prepare()
        sealer = self.worker("audit-seal")
        try:
            for t in self.levels:
                [r] = self.gather(
                    [self.child("--role", "probe", "--url", self.url, "--n", str(t), "--s", str(self.seconds))]
                )
                self.rows[f"probe|{t}"] = r["count"] / r["seconds"]
            for role in ("create", "acknowledge"):
                for p in self.levels:
                    args = ["--role", role, "--url", self.url, "--s", str(self.seconds), "--pool", str(self.pool)]
                    runs = self.together([self.child(*args) for _ in range(p)])
                    self.rows[f"{role}|{p}"] = sum(r["count"] for r in runs) / self.seconds
                    if any(r.get("dry") for r in runs):
                        self.notes.append(f"{role} ×{p}: ran out of submitted requests before the end")
        finally:
            sealer.terminate()
            sealer.wait(60)
        for p in self.levels:
            self.rows[f"fire|{p}"] = self.fire(p)
        return self.rows

    def fire(self, processes: int) -> float:
        """Due escalation clocks on probe items; P workers already running when they fall due."""
        workers = [self.worker("clocks") for _ in range(processes)]
        import psycopg

        pids = [w.pid for w in workers]
        with psycopg.connect(self.direct, autocommit=True) as conn:
            while (
                conn.execute("SELECT count(*) FROM core_workerheartbeat WHERE pid = ANY(%s)", [pids]).fetchone()[0]
                < processes
            ):
                time.sleep(0.1)
        lead = 2.0
        script = f"""
import datetime as dt
from django.utils import timezone
from xietong.clocks.models import Clock, EscalationLadder, EscalationStep
from xietong.clocks.tests.probe.models import Probe
from xietong.org.models import Person
owner = Person.objects.get(username="wangqiang")
ladder, _ = EscalationLadder.objects.get_or_create(code="bench-scale", defaults={{"name": "单级"}})
EscalationStep.objects.get_or_create(ladder=ladder, level=1, defaults={{"target": "department_head", "after": "0m"}})
due = timezone.now() + dt.timedelta(seconds={lead})
probes = Probe.objects.bulk_create([Probe(name=f"压测 {{i}}", owner=owner, department=owner.department)
                                    for i in range({self.firings})], batch_size=5000)
Clock.objects.bulk_create([Clock(subject_type="probe.probe", subject_id=p.pk, limit="respond", kind="escalate",
    level=1, mode="wall", ladder=ladder, owner=owner, department=owner.department, anchor_at=due, offset_us=0,
    due_at=due, limit_due_at=due, created_at=due) for p in probes], batch_size=5000)
print(due.timestamp())
"""
        seeded = subprocess.run(
            [sys.executable, "-m", "django", "shell", "-c", script],
            cwd=self.tree,
            env={**self.env, "DATABASE_URL": self.direct},
            capture_output=True,
            text=True,
            check=True,
        )
        due_at = float(seeded.stdout.strip().splitlines()[-1])
        try:
            with psycopg.connect(self.direct, autocommit=True) as conn:
                while True:
                    left = conn.execute(
                        "SELECT count(*) FROM clocks_clock WHERE state = 'armed' AND subject_type = 'probe.probe'"
                    ).fetchone()[0]
                    if left == 0:
                        break
                    time.sleep(0.05)
            finished = time.time()
        finally:
            for w in workers:
                w.terminate()
            for w in workers:
                w.wait(60)
        if finished <= due_at:
            self.notes.append(f"fire ×{processes}: done before the clocks fell due (workers started late?)")
        return self.firings / max(finished - due_at, 1e-3)

    def close(self) -> None:
        self.proxy.terminate()
        self.proxy.wait(10)


def before_tree(ref: str) -> Path:
    target = Path(tempfile.mkdtemp(prefix="xietong-before-")) / "tree"
    subprocess.run(["git", "worktree", "add", "--detach", str(target), ref], cwd=REPO, check=True, capture_output=True)
    return target


def table(results: dict[str, dict[str, float]], levels: list[int], args) -> str:
    names = {
        "probe": "审计探针：每事务 1 条审计 + 持有 20 ms（线程）",
        "create": "创建并提交需求（进程）",
        "acknowledge": "接收确认（进程）",
        "fire": f"触发 {args.firings:,} 个升级时钟（worker 进程）",
    }
    cols = list(results)
    lines = [f"PostgreSQL via latency proxy +{args.delay_ms} ms each way; {args.seconds:g} s per point; per second"]
    header = f"| {'measurement':<48} | {'N':>2} | " + " | ".join(f"{c:>10}" for c in cols)
    if len(cols) == 2:
        header += " | after/before"
    lines.append(header + " |")
    for key, label in names.items():
        base = None
        for n in levels:
            values = [results[c].get(f"{key}|{n}", float("nan")) for c in cols]
            row = f"| {label:<48} | {n:>2} | " + " | ".join(f"{v:>10.1f}" for v in values)
            if len(cols) == 2:
                row += f" | {values[1] / values[0]:>11.2f}×" if values[0] else " |           —"
            lines.append(row + " |")
            base = base or values[-1]
        scale = results[cols[-1]].get(f"{key}|{levels[-1]}", 0) / (results[cols[-1]].get(f"{key}|{levels[0]}") or 1)
        lines.append(f"|   {cols[-1]}: {levels[-1]} vs {levels[0]} = {scale:.2f}×")
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--role", choices=["probe", "create", "acknowledge"])
    parser.add_argument("--url")
    parser.add_argument("--n", type=int, default=1)
    parser.add_argument("--s", type=float, default=8)
    parser.add_argument("--pool", type=int, default=0)
    parser.add_argument("--before", help="git ref to measure first (e.g. main); without it only this tree")
    parser.add_argument("--delay-ms", type=float, default=0.5)
    parser.add_argument("--seconds", type=float, default=8)
    parser.add_argument("--levels", default="1,2,4,8")
    parser.add_argument("--firings", type=int, default=3000)
    args = parser.parse_args()
    if args.role == "probe":
        print(json.dumps(role_probe(args.url, args.n, args.s)))
        return
    if args.role == "create":
        print(json.dumps(role_create(args.url, args.s, args.pool)))
        return
    if args.role == "acknowledge":
        print(json.dumps(role_acknowledge(args.url, args.s, args.pool)))
        return
    levels = [int(x) for x in args.levels.split(",")]
    trees = {}
    if args.before:
        trees[f"before:{args.before}"] = before_tree(args.before)
    trees["after"] = REPO
    results: dict[str, dict[str, float]] = {}
    notes: list[str] = []

    def measure(name: str, tree: Path) -> None:
        print(f"== measuring {name} ({tree})", file=sys.stderr, flush=True)
        run = Run(name, tree, args.delay_ms, args.seconds, levels, args.firings)
        try:
            results[name] = run.measure()
            notes.extend(f"{name}: {n}" for n in run.notes)
        finally:
            run.close()
        print(json.dumps({name: results[name]}), file=sys.stderr, flush=True)

    # Side by side: both trees see the same load from the rest of the machine (each its own database).
    runs = [threading.Thread(target=measure, args=item) for item in trees.items()]
    for t in runs:
        t.start()
    for t in runs:
        t.join()
    results = {name: results[name] for name in trees if name in results}
    if args.before:
        subprocess.run(["git", "worktree", "remove", "--force", str(trees[f"before:{args.before}"])], cwd=REPO)
    print(table(results, levels, args))
    for note in notes:
        print("note:", note)


if __name__ == "__main__":
    main()
