"""Seed a large company quickly with bulk inserts: 1,000 people, N requests (default 100,000) with
criteria, a task each, a comment each, their clocks and a hash-chained audit trail.

    python bench/scale_seed.py --db sqlite|postgres [--requests 100000]
Prints JSON lines with the timings; bench/http_bench.py uses the seeded database.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import random
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.common import emit, fresh_database, migrate, setup_django

SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏魏吕丁任沈姚卢"
GIVEN = "伟芳娜秀英敏静丽强磊军洋勇艳杰娟涛明超秀兰霞平刚桂英华建国志强海燕红梅鹏飞慧玲晓东文博雪峰宇航佳琪"
TOPICS = [
    "续航优化方案评审",
    "售后工单自动分类",
    "登录页改版",
    "供应商准入流程",
    "物料短缺应对",
    "年度预算编制",
    "客户投诉响应提速",
    "新品发布会筹备",
    "数据看板搭建",
    "生产排程优化",
    "质量追溯系统",
    "招聘需求对接",
]
PHRASES = [
    "需要市场部确认用户调研数据",
    "请生产部评估量产可行性",
    "跨部门响应时间≤2小时",
    "工单分类准确率达95%以上",
    "会议纪要在会后1个工作日内分发",
    "关键信息请直接写明",
    "预留1-2天缓冲期",
    "涉及研发、市场、运营多部门联动",
]


def _name(rng: random.Random) -> str:
    return rng.choice(SURNAMES) + rng.choice(GIVEN) + (rng.choice(GIVEN) if rng.random() < 0.6 else "")


def seed(total_requests: int, people_count: int = 1000) -> dict[str, float]:
    from django.contrib.auth.hashers import make_password
    from django.db import connection, transaction
    from django.utils import timezone

    from xietong.clocks.models import Clock
    from xietong.core.audit import GENESIS_HASH, event_hash
    from xietong.core.models import AuditChainHead, AuditEvent
    from xietong.items.models import Comment, NumberSequence
    from xietong.org.demo import seed_demo_org
    from xietong.org.models import Department, Person, Project, ProjectMembership
    from xietong.requests.models import AcceptanceCriterion, Request
    from xietong.tasks.models import Breakdown, Task
    from xietong.workcal.selectors import default_calendar

    rng = random.Random(2026)
    timings: dict[str, float] = {}
    started = time.perf_counter()
    seed_demo_org()
    departments = list(Department.objects.exclude(code="company"))
    password = make_password("xietong2026")
    people = [
        Person(
            username=f"user{i:04d}",
            name=_name(rng),
            department=rng.choice(departments),
            title="工程师",
            email=f"user{i:04d}@xingchen.example.com",
            password=password,
        )
        for i in range(people_count - Person.objects.count())
    ]
    Person.objects.bulk_create(people, batch_size=1000)
    everyone = list(Person.objects.filter(is_active=True).select_related("department"))
    projects = []
    for i in range(50):
        lead = rng.choice(everyone)
        projects.append(
            Project(code=f"p{i:02d}", name=f"{rng.choice(TOPICS)}项目{i:02d}", department=lead.department, lead=lead)
        )
    Project.objects.bulk_create(projects, ignore_conflicts=True)
    projects = list(Project.objects.all())
    memberships = []
    for project in projects:
        for person in rng.sample(everyone, 40):
            memberships.append(ProjectMembership(project=project, person=person))
    ProjectMembership.objects.bulk_create(memberships, ignore_conflicts=True, batch_size=2000)
    members: dict[int, list[Person]] = {}
    for m in ProjectMembership.objects.select_related("person__department"):
        members.setdefault(m.project_id, []).append(m.person)
    timings["org"] = time.perf_counter() - started

    calendar = default_calendar()
    now = timezone.now()
    batch = 5000
    started = time.perf_counter()
    head_seq, prev = 0, GENESIS_HASH
    year = timezone.localtime(now).year
    for start in range(0, total_requests, batch):
        size = min(batch, total_requests - start)
        with transaction.atomic():
            requests = []
            for i in range(start, start + size):
                project = rng.choice(projects)
                requester, receiver = rng.sample(members[project.pk], 2)
                topic = rng.choice(TOPICS)
                created = now - dt.timedelta(minutes=rng.randrange(10, 60 * 24 * 180))
                requests.append(
                    Request(
                        number=f"XQ-{year}-{i + 1:06d}",
                        title=f"{project.name[:8]}-{topic}",
                        project=project,
                        created_by=requester,
                        requesting_department=requester.department,
                        requester=requester,
                        receiving_department=receiver.department,
                        receiver=receiver,
                        background="；".join(rng.sample(PHRASES, 2)),
                        goal=rng.choice(PHRASES),
                        content="；".join(rng.sample(PHRASES, 3)),
                        expected_date=(created + dt.timedelta(days=30)).date(),
                        priority=rng.choice(["high", "medium", "low"]),
                        state=rng.choice(
                            ["submitted", "acknowledged", "accepted", "in_progress", "completed", "closed"]
                        ),
                        submitted_at=created,
                        created_at=created,
                        updated_at=created,
                    )
                )
            Request.objects.bulk_create(requests, batch_size=1000)
            AcceptanceCriterion.objects.bulk_create(
                [AcceptanceCriterion(request=r, position=1, text=rng.choice(PHRASES)) for r in requests],
                batch_size=2000,
            )
            breakdowns = Breakdown.objects.bulk_create(
                [Breakdown(request=r, state="published") for r in requests], batch_size=2000
            )
            Task.objects.bulk_create(
                [
                    Task(
                        breakdown=b,
                        request=r,
                        project=r.project,
                        created_by=r.requester,
                        position=1,
                        number=f"{r.number}-T01",
                        title=f"{r.title[:20]}-执行",
                        owner=r.receiver,
                        department=r.receiving_department,
                        start_date=r.created_at.date(),
                        end_date=r.expected_date,
                        state="in_progress",
                        priority=r.priority,
                    )
                    for b, r in zip(breakdowns, requests, strict=True)
                ],
                batch_size=2000,
            )
            Comment.objects.bulk_create(
                [
                    Comment(
                        subject_type="requests.request",
                        subject_id=r.pk,
                        author=r.receiver,
                        body=f"@{r.requester.name} {rng.choice(PHRASES)}",
                        created_at=r.created_at,
                    )
                    for r in requests
                ],
                batch_size=2000,
            )
            Clock.objects.bulk_create(
                [
                    Clock(
                        subject_type="requests.request",
                        subject_id=r.pk,
                        limit="respond",
                        kind="respond",
                        state="armed" if r.state == "submitted" else "cancelled",
                        mode="working",
                        calendar=calendar,
                        owner=r.receiver,
                        department=r.receiving_department,
                        anchor_at=r.created_at,
                        offset_us=0,
                        due_at=r.created_at + dt.timedelta(hours=rng.choice([2, 26, 200])),
                        limit_due_at=r.created_at + dt.timedelta(hours=26),
                        created_at=r.created_at,
                        closed_at=None if r.state == "submitted" else r.created_at + dt.timedelta(hours=1),
                        met_at=None if r.state == "submitted" else r.created_at + dt.timedelta(hours=1),
                    )
                    for r in requests
                ],
                batch_size=2000,
            )
            events = []
            for r in requests:
                for action, after in (
                    ("request.create", {"title": r.title}),
                    ("request.submit", {"state": "submitted"}),
                ):
                    head_seq += 1
                    event = AuditEvent(
                        seq=head_seq,
                        at=r.created_at,
                        actor=r.requester,
                        actor_label=r.requester.name,
                        action=action,
                        object_type="requests.request",
                        object_id=str(r.pk),
                        object_label=str(r),
                        before=None,
                        after=after,
                        ip=None,
                        prev_hash=prev,
                    )
                    event.hash = event_hash(event)
                    prev = event.hash
                    events.append(event)
            AuditEvent.objects.bulk_create(events, batch_size=2000)
    AuditChainHead.objects.update_or_create(pk=1, defaults={"seq": head_seq, "last_hash": prev})
    NumberSequence.objects.update_or_create(prefix="XQ", year=year, defaults={"last": total_requests})
    timings["requests"] = time.perf_counter() - started
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("VACUUM ANALYZE") if connection.connection.autocommit else cursor.execute("ANALYZE")
    else:
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")
    return timings


def index_seeded(db: str) -> None:
    """The index holds the seeded data, as it would after an upgrade's `xietong search reindex` (so that the
    HTTP bench's search searches 100,000 requests, not an empty index); the rebuild's rate is a figure."""
    from xietong.archive.indexing import reindex_all
    from xietong.archive.models import SearchDocument

    started = time.perf_counter()
    items = reindex_all()
    seconds = time.perf_counter() - started
    documents = SearchDocument.objects.count()
    emit(
        "规模数据",
        f"重建检索索引（{items:,} 个事项，{documents:,} 篇）",
        documents / seconds,
        "篇/秒",
        "≥ 5,000",
        db,
    )


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--db", choices=["sqlite", "postgres"], required=True)
    parser.add_argument("--requests", type=int, default=100_000)
    parser.add_argument("--people", type=int, default=1000)
    args = parser.parse_args()
    fresh_database(args.db)
    setup_django(args.db)
    migrate()
    timings = seed(args.requests, args.people)
    emit("规模数据", f"写入组织（{args.people:,} 人、50 个项目）", timings["org"], "秒", "", args.db)
    emit(
        "规模数据",
        f"写入 {args.requests:,} 个需求（含任务、评论、时钟、审计链）",
        timings["requests"],
        "秒",
        "分钟级",
        args.db,
    )
    index_seeded(args.db)
    print(json.dumps({"seeded": args.requests}), flush=True)


if __name__ == "__main__":
    main()
