"""HTTP under load: gunicorn with 2 workers on the seeded database (bench/scale_seed.py), a thread pool of
clients on 127.0.0.1, each scenario for a fixed time. Prints requests/s, p50, p99, errors, and the peak
memory of every web and worker process.

    python bench/http_bench.py --db sqlite|postgres [--requests 100000] [--seconds 20] [--concurrency 2,8]

Every scenario names the role whose people run it (名称·角色): 成员 — the receivers of submitted requests,
one per client; 总经理 and 综合管理部 — who see every request (全部需求 by newest, by expected date, by
priority; the general manager's workbench and search); 部门负责人 — a head's 本部门需求. Each person has
one session and one API token for the whole run.

Each concurrency is a separate run of every scenario: 2 clients keep each of the 2 workers busy with one
request at a time (latency is the page's own cost); 8 clients queue four requests per worker (latency
includes the wait for the three ahead).
"""

from __future__ import annotations

import argparse
import collections
import datetime as dt
import os
import random
import signal
import socket
import statistics
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import httpx

from bench.common import REPO, database_url, emit, fresh_database, migrate, setup_django


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _peak_rss_mb(pid: int) -> float:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    except OSError:
        return 0.0
    return 0.0


def _cpu_seconds(pid: int) -> float:
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def _database_pids() -> list[int]:
    """The local PostgreSQL server's processes (its backends do the SQL work), if they can be read."""
    pids = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                if (entry / "comm").read_text().strip() == "postgres":
                    pids.append(int(entry.name))
            except OSError:
                continue
    return pids


def cpu_by_role(web_pid: int, worker_pid: int, db: str) -> dict[str, dict[int, float]]:
    """CPU seconds used so far, per process, by role: the web processes, the worker, the database
    server and this client (pid 0)."""
    times = os.times()
    roles = {
        "web": {pid: _cpu_seconds(pid) for pid in _children(web_pid)},
        "worker": {worker_pid: _cpu_seconds(worker_pid)},
        "client": {0: times.user + times.system},
    }
    if db == "postgres":
        roles["database"] = {pid: _cpu_seconds(pid) for pid in _database_pids()}
    return roles


def cpu_used(before: dict[str, dict[int, float]], after: dict[str, dict[int, float]]) -> dict[str, float]:
    """Seconds per role between two readings; a process that started meanwhile counts whole (one that
    exited meanwhile is missed: database backends live as long as CONN_MAX_AGE, longer than a run)."""
    return {role: sum(seconds - before[role].get(pid, 0.0) for pid, seconds in after[role].items()) for role in after}


def wait_for_worker(limit: float = 300) -> float:
    """Wait until the worker has indexed every queued change and sent every due message, so a scenario
    is timed with the background work it causes itself, not the backlog of the one before. Seconds."""
    from django.db.models import Q

    from xietong.archive.models import DirtySubject
    from xietong.core import clock
    from xietong.notify.models import Delivery, DeliveryState

    started = time.perf_counter()
    while time.perf_counter() - started < limit:
        due = Delivery.objects.filter(
            Q(state=DeliveryState.PENDING) & Q(next_attempt_at__lte=clock.now()) & Q(attempts=0)
        )
        if not DirtySubject.objects.exists() and not due.exists():
            break
        time.sleep(0.5)
    return time.perf_counter() - started


def _children(pid: int) -> list[int]:
    try:
        return [int(p) for p in Path(f"/proc/{pid}/task/{pid}/children").read_text().split()]
    except OSError:
        return []


class Actor:
    """One signed-in person: a session cookie for pages and a token for the API."""

    def __init__(
        self, person, role: str, session_key: str, token: str, visible_ids: list[int], to_acknowledge: list[int]
    ):
        from xietong.org.models import Department, ProjectMembership

        self.person = person
        self.role = role
        # Requests are created in a project of the person's own, to another department.
        self.project_id = ProjectMembership.objects.filter(person=person).values_list("project_id", flat=True).first()
        others = Department.objects.exclude(pk=person.department_id).filter(head__isnull=False).order_by("pk")
        self.receiving_department_id = others[0].pk
        self.cookies = {"sessionid": session_key}
        self.headers = {"Authorization": f"Bearer {token}"}
        self.visible_ids = visible_ids
        self.to_acknowledge = to_acknowledge


# Who reads everything, or a department's: the role named in the table → the demo company's person.
ROLE_PEOPLE = {"总经理": "chenzhiqiang", "综合管理部": "liufang", "部门负责人": "lina"}
MEMBER = "成员"  # the receivers of submitted requests: the scenarios every person runs


class SignIns:
    """One session and one API token per person for the whole run. A person who is two actors (a receiver
    who is also a role's person) keeps the token made first: making a second "bench" token must not delete
    the first, whose actor would then get HTTP 401 on every API call."""

    def __init__(self) -> None:
        from django.conf import settings
        from django.contrib.auth import load_backend

        from xietong.core.models import ApiToken

        ApiToken.objects.filter(name="bench").delete()  # an earlier run's (--reuse)
        self.made: dict[int, tuple[str, str]] = {}
        # The backend a sign-in records must be one of the installed ones, or the session is anonymous and
        # every page answers 302 to the sign-in page: the first that can load a user, as force_login picks.
        self.backend = next(
            path for path in settings.AUTHENTICATION_BACKENDS if hasattr(load_backend(path), "get_user")
        )

    def __call__(self, person) -> tuple[str, str]:
        from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
        from django.contrib.sessions.backends.db import SessionStore
        from django.db import transaction

        from xietong.core.tokens import api_token_create

        if person.pk not in self.made:
            store = SessionStore()
            store[SESSION_KEY] = str(person.pk)
            store[BACKEND_SESSION_KEY] = self.backend
            store[HASH_SESSION_KEY] = person.get_session_auth_hash()
            store.create()
            with transaction.atomic():
                _t, secret = api_token_create(person=person, name="bench")
            self.made[person.pk] = (store.session_key, secret)
        return self.made[person.pk]


def prepare_actors(count: int, sign_in: SignIns) -> list[Actor]:
    from xietong.org.models import Person
    from xietong.requests.models import Request

    actors = []
    submitted = Request.objects.filter(state="submitted", receiver__isnull=False).order_by()
    receivers = submitted.values_list("receiver_id", flat=True).distinct()  # order_by(): distinct ids only
    people = list(
        Person.objects.filter(pk__in=list(receivers)[: count * 10], is_active=True, memberships__isnull=False)
        .distinct()
        .order_by("pk")[:count]
    )
    for person in people:
        session_key, secret = sign_in(person)
        visible = list(Request.objects.restrict(person).values_list("pk", flat=True)[:500])
        todo = list(Request.objects.filter(receiver=person, state="submitted").values_list("pk", flat=True))
        actors.append(Actor(person, MEMBER, session_key, secret, visible, todo))
    return actors


def prepare_role_actors(sign_in: SignIns) -> dict[str, Actor]:
    """The general manager and the coordinating office (both see every request) and a department head."""
    from xietong.org.models import Person
    from xietong.requests.models import Request

    actors = {}
    for role, username in ROLE_PEOPLE.items():
        person = Person.objects.get(username=username)
        session_key, secret = sign_in(person)
        visible = list(Request.objects.restrict(person).values_list("pk", flat=True)[:500])
        actors[role] = Actor(person, role, session_key, secret, visible, [])
    return actors


def top_up_acknowledgements(actors: list[Actor], per_actor: int) -> float:
    """Give every actor `per_actor` more submitted requests to acknowledge, created through the service
    (like a colleague's earlier request to them), so the acknowledge scenario never runs dry. Seconds."""
    from django.db import transaction

    from xietong.requests.models import Request
    from xietong.requests.services import request_create

    started = time.perf_counter()
    for actor in actors:
        template = (
            Request.objects.filter(receiver=actor.person, state="submitted")
            .select_related("requester", "project", "receiving_department")
            .order_by("pk")
            .first()
        )
        if template is None:
            continue
        for i in range(per_actor):
            with transaction.atomic():
                made = request_create(
                    actor=template.requester,
                    criteria=["响应≤1个工作日"],
                    submit=True,
                    title=f"待接收压测需求-{actor.person.pk}-{i}",
                    project=template.project,
                    requesting_department=template.requesting_department,
                    receiving_department=template.receiving_department,
                    receiver=actor.person,
                    background="压测",
                    goal="接收确认",
                    content="请接收",
                    expected_date=dt.date(2027, 12, 31),
                )
            actor.to_acknowledge.append(made.pk)
    return time.perf_counter() - started


def check_sign_ins(base: str, actors: list[Actor]) -> None:
    """Every actor's session serves a page and its token the API, before anything is timed: a page that
    answers 302 (to the sign-in page) or an API that answers 401 would be timed as if it were served."""
    for actor in actors:
        with httpx.Client(base_url=base, cookies=actor.cookies, timeout=30) as client:
            page = client.get("/")
        api = httpx.get(f"{base}/api/requests/", headers=actor.headers, timeout=30)  # the token alone
        if page.status_code != 200 or api.status_code != 200:
            raise SystemExit(
                f"{actor.role} {actor.person.username}: 页面 HTTP {page.status_code}、API HTTP {api.status_code}"
                "（会话或令牌无效，压测结果不可信）"
            )


def run_scenario(
    base: str,
    actors: list[Actor],
    seconds: float,
    concurrency: int,
    call: Callable[[httpx.Client, Actor, random.Random], httpx.Response | None],
) -> dict[str, float]:
    latencies: list[float] = []
    errors = 0
    kinds: collections.Counter[str] = collections.Counter()  # what the errors were, printed below the table
    lock = threading.Lock()
    deadline = time.perf_counter() + seconds

    def loop(index: int) -> None:
        nonlocal errors
        rng = random.Random(index)
        actor = actors[index % len(actors)]
        with httpx.Client(base_url=base, cookies=actor.cookies, timeout=30) as client:
            while time.perf_counter() < deadline:
                started = time.perf_counter()
                kind = ""
                try:
                    response = call(client, actor, rng)
                    if response is None:
                        return
                    # A redirect is an error too: a page that sends its client to sign in was not served.
                    if response.status_code >= 300:
                        kind = f"HTTP {response.status_code}: {response.text[:200]}"
                except httpx.HTTPError as error:
                    kind = type(error).__name__
                elapsed = time.perf_counter() - started
                with lock:
                    latencies.append(elapsed)
                    if kind:
                        errors += 1
                        kinds[kind] += 1

    threads = [threading.Thread(target=loop, args=(i,)) for i in range(concurrency)]
    started = time.perf_counter()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    total = time.perf_counter() - started
    latencies.sort()
    for kind, count in kinds.most_common(5):
        print(f"  错误 ×{count}: {kind}", file=sys.stderr)
    if not latencies:
        return {"rps": 0, "p50": 0, "p99": 0, "errors": errors, "n": 0}
    return {
        "rps": len(latencies) / total,
        "p50": statistics.median(latencies) * 1000,
        "p99": latencies[min(len(latencies) - 1, int(len(latencies) * 0.99))] * 1000,
        "errors": errors,
        "n": len(latencies),
    }


Scenario = tuple[str, Callable[[httpx.Client, Actor, random.Random], httpx.Response | None]]


def scenarios(project_id: int, department_id: int) -> dict[str, Scenario]:
    """Name → (the role whose people run it, the call). The name says the role: 名称·角色."""

    def workbench(c, a, rng):
        return c.get("/")

    def request_list(c, a, rng):
        return c.get(f"/requests/?scope=all&priority=high&state=open&department={department_id}")

    def all_requests(sort: str):
        def call(c, a, rng):
            return c.get(f"/requests/?scope=all&sort={sort}")

        return call

    def own_department(c, a, rng):
        return c.get("/requests/?scope=department")

    def detail(c, a, rng):
        return c.get(f"/requests/{rng.choice(a.visible_ids)}/")

    def create(c, a, rng):
        return c.post(
            "/api/requests/",
            headers=a.headers,
            json={
                "title": f"压测需求-{rng.randrange(10**9)}",
                "project_id": a.project_id,
                "receiving_department_id": a.receiving_department_id,
                "background": "性能测试",
                "goal": "验证吞吐",
                "content": "创建并提交",
                "expected_date": "2027-12-31",
                "priority": "medium",
                "criteria": ["响应≤2小时"],
                "submit": True,
            },
        )

    def acknowledge(c, a, rng):
        if not a.to_acknowledge:
            return None  # this actor has nothing left to acknowledge: its client stops
        return c.post(f"/api/requests/{a.to_acknowledge.pop()}/transitions/acknowledge", headers=a.headers, json={})

    def search(c, a, rng):
        return c.get("/search/", params={"q": rng.choice(["需求", "会议", "评审", "续航优化"])})

    table: dict[str, Scenario] = {
        f"我的工作台·{MEMBER}": (MEMBER, workbench),
        f"需求列表（含筛选）·{MEMBER}": (MEMBER, request_list),
        f"需求详情·{MEMBER}": (MEMBER, detail),
        f"创建需求（API）·{MEMBER}": (MEMBER, create),
        f"接收确认（API）·{MEMBER}": (MEMBER, acknowledge),
        f"搜索·{MEMBER}": (MEMBER, search),
    }
    # The views of those who see everything (issue 18: "the bench must include the sees-all views"): 全部需求
    # in each order the page offers, for the general manager and the coordinating office.
    for role in ("总经理", "综合管理部"):
        for label, sort in (("最新", "-created"), ("期望完成时间", "expected"), ("优先级", "priority")):
            table[f"全部需求（按{label}）·{role}"] = (role, all_requests(sort))
    table["我的工作台·总经理"] = ("总经理", workbench)
    table["搜索·总经理"] = ("总经理", search)
    table["本部门需求·部门负责人"] = ("部门负责人", own_department)
    return table


def chosen_scenario(name: str, chosen: set[str]) -> bool:
    """--only takes full names (名称·角色) or names without the role (every role's)."""
    return not chosen or name in chosen or name.split("·")[0] in chosen


def seeded(requests: int) -> bool:
    """Whether the benchmark database already holds at least `requests` requests (then it is reused)."""
    from django.db import DatabaseError, connections

    try:
        from xietong.requests.models import Request

        return Request.objects.count() >= requests
    except DatabaseError:
        return False
    finally:
        connections.close_all()


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--db", choices=["sqlite", "postgres"], required=True)
    parser.add_argument("--requests", type=int, default=100_000)
    parser.add_argument("--seconds", type=float, default=20)
    parser.add_argument("--concurrency", default="2,8", help="comma-separated client counts, one run each")
    parser.add_argument(
        "--reuse", action="store_true", help="keep the database of an earlier run if it holds --requests requests"
    )
    parser.add_argument(
        "--only",
        default="",
        help="comma-separated scenario names, with their role (e.g. 搜索·总经理) or without (every role's)",
    )
    args = parser.parse_args()
    setup_django(args.db)
    reuse = args.reuse and seeded(args.requests)
    if reuse:
        migrate()  # a later migration applies to the kept rows
    else:
        fresh_database(args.db)
        migrate()
        from bench.scale_seed import index_seeded, seed

        timings = seed(args.requests)
        emit(
            "规模数据",
            f"写入 {args.requests:,} 个需求（含任务、评论、时钟、审计链）",
            timings["requests"],
            "秒",
            "分钟级",
            args.db,
        )
        index_seeded(args.db)  # search (as members and as the general manager) then searches the seeded items
    levels = [int(c) for c in args.concurrency.split(",")]
    sign_in = SignIns()
    actors = prepare_actors(max(levels), sign_in)
    role_actors = prepare_role_actors(sign_in)
    from xietong.org.models import ProjectMembership

    membership = ProjectMembership.objects.filter(person=actors[0].person).select_related("project").first()
    project_id = membership.project_id
    department_id = actors[1].person.department_id

    chosen = {n.strip() for n in args.only.split(",") if n.strip()}
    if chosen_scenario(f"接收确认（API）·{MEMBER}", chosen):
        top_up_acknowledgements(actors, per_actor=max(50, int(args.seconds * 10 * len(levels))))

    port = _free_port()
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "bench.settings",
        "DATABASE_URL": database_url(args.db),
        "PYTHONPATH": str(REPO),
        "XIETONG_DATA_DIR": str(REPO / "var" / "bench"),
        "XIETONG_LOG_LEVEL": "WARNING",
        "ALLOWED_HOSTS": "127.0.0.1,localhost",
    }
    web = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "gunicorn",
            "xietong.wsgi",
            "--workers",
            "2",
            "--bind",
            f"127.0.0.1:{port}",
            "--log-level",
            "warning",
        ],
        cwd=REPO,
        env=env,
    )
    worker = subprocess.Popen([sys.executable, "-m", "django", "worker", "--interval", "0.5"], cwd=REPO, env=env)
    base = f"http://127.0.0.1:{port}"
    try:
        for _ in range(120):
            try:
                if httpx.get(f"{base}/healthz", timeout=2).status_code == 200:
                    break
            except httpx.HTTPError:
                time.sleep(0.5)
        check_sign_ins(base, [*actors, *role_actors.values()])
        for level in levels:
            for name, (role, call) in scenarios(project_id, department_id).items():
                if not chosen_scenario(name, chosen):
                    continue
                who = actors if role == MEMBER else [role_actors[role]]  # every client signed in as the role
                run_scenario(base, who, 2, level, call)  # warm up
                wait_for_worker()
                cpu_before = cpu_by_role(web.pid, worker.pid, args.db)
                result = run_scenario(base, who, args.seconds, level, call)
                cpu_after = cpu_by_role(web.pid, worker.pid, args.db)
                cpu = cpu_used(cpu_before, cpu_after)
                goal_p99 = "p99 ≤ 100 ms" if "API" not in name else ""
                label = f"{name}（并发 {level}）"
                goal_rps = "≥ 200" if name.startswith("创建") else ""
                emit("HTTP", f"{label} 吞吐", result["rps"], "次/秒", goal_rps, args.db)
                emit("HTTP", f"{label} p50", result["p50"], "毫秒", "", args.db)
                emit("HTTP", f"{label} p99", result["p99"], "毫秒", goal_p99, args.db)
                emit("HTTP", f"{label} 错误", result["errors"], "次", "0", args.db)
                # Where the machine's CPU went, per request: the pages themselves, the worker (indexing
                # what was written, sending messages), the database server and this client.
                for role, seconds in cpu.items():
                    per_request = seconds / result["n"] * 1000 if result["n"] else 0.0
                    emit("CPU", f"{label} {role} CPU/次", per_request, "毫秒", "", args.db)
        pids = _children(web.pid)
        for i, pid in enumerate(pids):
            emit("内存", f"web 进程 {i + 1} 峰值 RSS", _peak_rss_mb(pid), "MB", "≤ 200", args.db)
        emit("内存", "worker 进程峰值 RSS", _peak_rss_mb(worker.pid), "MB", "≤ 200", args.db)
    finally:
        web.send_signal(signal.SIGTERM)
        worker.send_signal(signal.SIGTERM)
        web.wait(timeout=30)
        worker.wait(timeout=30)


if __name__ == "__main__":
    main()
