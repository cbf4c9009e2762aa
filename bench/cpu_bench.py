"""Web CPU per page and per create, in process (issue 18, cheaper requests): the seeded company of
bench/scale_seed.py (100,000 requests), each page requested through Django's test client by each role,
timed by `time.process_time()` (CPU of this process, not wall-clock: the machine is shared). On SQLite
that includes the database engine, which runs inside the web process; on PostgreSQL it does not (the
server's CPU is the database's, not the web's). Also prints the SQL queries each page issues.

    python bench/cpu_bench.py --db sqlite|postgres [--requests 100000] [--repeat 20] [--reuse] [--profile NAME] [--only NAME]

--reuse keeps a database an earlier run seeded (var/bench/bench_cpu.sqlite3, xietong_bench_cpu);
--profile prints cProfile's top functions for the pages whose name contains NAME (stderr).
"""

from __future__ import annotations

import argparse
import cProfile
import io
import pstats
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.common import emit, fresh_database, migrate, setup_django

DATASET = "cpu"
TITLE = "CPU 压测需求-"
# Who reads: sees everything (general manager), a department head, the coordinating office, a member
# with many requests of their own, the administrator.
ROLES = ("总经理", "部门负责人", "协调人", "成员", "管理员")


def seeded(requests: int) -> bool:
    from django.db import DatabaseError, connections

    try:
        from xietong.requests.models import Request

        return Request.objects.count() >= requests
    except DatabaseError:
        return False
    finally:
        connections.close_all()


def people() -> dict[str, object]:
    from django.db.models import Count

    from xietong.org.models import Person
    from xietong.requests.models import Request

    busiest = (
        Request.objects.filter(receiver__username__startswith="user")
        .values("receiver_id")
        .annotate(n=Count("pk"))
        .order_by("-n", "receiver_id")[:1]
    )
    member_id = busiest[0]["receiver_id"]
    return {
        "总经理": Person.objects.get(username="chenzhiqiang"),
        "部门负责人": Person.objects.get(username="lina"),
        "协调人": Person.objects.get(username="liufang"),
        "成员": Person.objects.get(pk=member_id),
        "管理员": Person.objects.get(username="admin"),
    }


def pages_for(person) -> dict[str, str]:
    from xietong.requests.models import Request

    # The newest seeded request the person sees (not one this bench created: the same page every run).
    seeded = Request.objects.restrict(person).exclude(title__startswith=TITLE)
    visible = seeded.order_by("-created_at", "-pk").values_list("pk", flat=True)[:1]
    department = person.department_id
    pages = {
        "工作台": "/",
        "需求列表（全部）": "/requests/?scope=all",
        "需求列表（筛选）": f"/requests/?scope=all&priority=high&state=open&department={department}",
        "需求列表（待办）": "/requests/?scope=todo",
        "需求列表 API": "/api/requests/",
        "任务列表": "/tasks/?scope=all",
    }
    if visible:
        pages["需求详情"] = f"/requests/{visible[0]}/"
        pages["需求详情 API"] = f"/api/requests/{visible[0]}"
    return pages


def measure(call, repeat: int) -> tuple[float, int]:
    """Median CPU ms of `repeat` calls (after two warm-ups), and the queries of one call."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    for _ in range(2):
        call()
    with CaptureQueriesContext(connection) as captured:
        call()
    queries = len(captured.captured_queries)  # read now: the next request clears the log
    samples = []
    for _ in range(repeat):
        started = time.process_time()
        call()
        samples.append((time.process_time() - started) * 1000)
    return statistics.median(samples), queries


def profile(call, title: str) -> None:
    profiler = cProfile.Profile()
    profiler.enable()
    for _ in range(10):
        call()
    profiler.disable()
    out = io.StringIO()
    stats = pstats.Stats(profiler, stream=out)
    stats.sort_stats("cumulative").print_stats(
        r"xietong|template/(base|loader_tags|defaulttags)|query\.py|compiler", 60
    )
    stats.sort_stats("tottime").print_stats(25)
    print(f"===== {title}\n{out.getvalue()}", file=sys.stderr)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--db", choices=["sqlite", "postgres"], required=True)
    parser.add_argument("--requests", type=int, default=100_000)
    parser.add_argument("--repeat", type=int, default=20)
    parser.add_argument("--reuse", action="store_true")
    parser.add_argument("--profile", default="", help="profile the pages whose name contains this")
    parser.add_argument("--only", default="", help="time only the pages whose name contains this")
    args = parser.parse_args()
    setup_django(args.db, DATASET)
    if args.reuse and seeded(args.requests):
        migrate()
    else:
        fresh_database(args.db, DATASET)
        migrate()
        from bench.scale_seed import seed

        seed(args.requests)

    from django.db import connection, transaction
    from django.test import Client

    from xietong.core.models import ApiToken
    from xietong.core.tokens import api_token_create
    from xietong.org.models import Department, ProjectMembership

    def check(response, url: str) -> None:
        if response.status_code >= 400:
            raise SystemExit(f"{url}: HTTP {response.status_code} {response.content[:300]!r}")

    for role, person in people().items():
        client = Client(HTTP_HOST="localhost")
        client.force_login(person)
        for name, url in pages_for(person).items():
            if args.only and args.only not in name:
                continue

            def get(url=url, client=client):
                response = client.get(url)
                check(response, url)

            ms, queries = measure(get, args.repeat)
            emit("CPU", f"{name} {role} web CPU/次", ms, "毫秒", "≤ 10", args.db)
            emit("CPU", f"{name} {role} SQL", queries, "条", "", args.db)
            if args.profile and args.profile in name:
                profile(get, f"{name} {role} {url}")

    # Creating a request through the API, as a member of a project, to another department.
    membership = ProjectMembership.objects.filter(person__username__startswith="user").order_by("pk").first()
    person = membership.person
    receiving = Department.objects.exclude(pk=person.department_id).filter(head__isnull=False).order_by("pk")[0]
    with transaction.atomic():
        ApiToken.objects.filter(person=person, name="cpu-bench").delete()
        _token, secret = api_token_create(person=person, name="cpu-bench")
    client = Client(HTTP_HOST="localhost", headers={"Authorization": f"Bearer {secret}"})
    counter = iter(range(10**9))

    def create() -> None:
        response = client.post(
            "/api/requests/",
            content_type="application/json",
            data={
                "title": f"{TITLE}{next(counter)}",
                "project_id": membership.project_id,
                "receiving_department_id": receiving.pk,
                "background": "性能测试",
                "goal": "验证 CPU",
                "content": "创建并提交",
                "expected_date": "2027-12-31",
                "priority": "medium",
                "criteria": ["响应≤2小时"],
                "submit": True,
            },
        )
        check(response, "/api/requests/")

    if args.only and args.only not in "创建需求（API）":
        return
    ms, queries = measure(create, args.repeat)
    emit("CPU", "创建需求（API） web CPU/次", ms, "毫秒", "≤ 5", args.db)
    emit("CPU", "创建需求（API） SQL", queries, "条", "", args.db)
    if args.profile and args.profile in "创建需求（API）":
        profile(create, "创建需求（API）")
    connection.close()


if __name__ == "__main__":
    main()
