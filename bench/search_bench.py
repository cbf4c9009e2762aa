"""Chinese search at scale: seed N documents of Chinese text, build the full-text index, then time
2- and 4-character queries through the same search service the page uses (permission filter, count,
first page ranked by relevance then recency, snippets). Run once per database:
    python bench/search_bench.py --db sqlite|postgres [--docs 1000000] [--queries 200] [--reuse]
`--reuse` keeps a database an earlier run seeded with the same --docs and only times the queries.

Text: words drawn from jieba's own dictionary by their corpus frequency (so common words are common,
as in real text), 40–160 words a document, with the index words each word yields under cut_for_search.
The jieba cut of whole documents is timed separately on a sample (it is the indexer's cost per write).
"""

from __future__ import annotations

import argparse
import bisect
import itertools
import math
import random
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.common import emit, fresh_database, migrate, setup_django, timed

VOCABULARY = 40_000
DATASET = "search"  # its own database, so the HTTP benchmark's does not replace it (--reuse)


def vocabulary():
    """The most frequent Chinese words of jieba's dictionary: (word, cumulative weight)."""
    import jieba

    path = Path(jieba.__file__).parent / "dict.txt"
    rows = []
    for line in path.read_text(encoding="utf-8").splitlines():
        word, freq, *_ = line.split(" ")
        if 1 <= len(word) <= 4 and all("\u4e00" <= ch <= "\u9fff" for ch in word):
            rows.append((int(freq), word))
    rows.sort(reverse=True)
    rows = rows[:VOCABULARY]
    words = [w for _, w in rows]
    cumulative = list(itertools.accumulate(f for f, _ in rows))
    return words, cumulative


def seed(total: int, words, cumulative, project_ids: list[int]) -> float:
    """Bulk insert `total` documents; returns seconds (without the full-text index, built afterwards)."""
    from django.utils import timezone

    from xietong.archive.models import SearchDocument
    from xietong.archive.tokens import period_token, reach_words
    from xietong.archive.tokens import words as index_words

    rng = random.Random(7)
    top = cumulative[-1]
    cut = {}
    now = timezone.now()
    batch = 5_000
    with timed() as t:
        for start in range(0, total, batch):
            rows = []
            for i in range(start, min(total, start + batch)):
                occurred = now - timezone.timedelta(minutes=total - 1 - i)  # oldest first, as they happen
                picked = [words[bisect.bisect(cumulative, rng.random() * top)] for _ in range(rng.randint(40, 160))]
                body = "".join(picked)
                tokens = []
                for w in picked:
                    if w not in cut:
                        cut[w] = index_words(w)
                    tokens.extend(cut[w])
                rows.append(
                    SearchDocument(
                        subject_type="requests.request",
                        subject_id=i + 1,
                        kind="item",
                        source_id=0,
                        type_label="需求协作",
                        number=f"XQ-2026-{i:07d}",
                        title=body[:30],
                        body=body,
                        tokens=" ".join(
                            [
                                *tokens,
                                period_token(occurred),
                                *reach_words(
                                    subject_type="requests.request",
                                    project_id=project_ids[i % len(project_ids)],
                                    created_by_id=None,
                                    participants=[i % 997 + 1000],
                                    departments=[i % 13 + 1],
                                ),
                            ]
                        ),
                        status="open",
                        occurred_at=occurred,
                        project_id=project_ids[i % len(project_ids)],
                        created_by_id=None,
                        departments=f"|{i % 13 + 1}|",
                        participants=f"|{i % 997 + 1000}|",
                    )
                )
            SearchDocument.objects.bulk_create(rows, batch_size=batch)
    return t["seconds"]


def drop_index(vendor: str) -> None:
    from django.db import connection

    with connection.cursor() as cursor:
        if vendor == "sqlite":
            for name in ("archive_search_ai", "archive_search_ad", "archive_search_au"):
                cursor.execute(f"DROP TRIGGER IF EXISTS {name}")
        else:
            cursor.execute("DROP INDEX IF EXISTS archive_search_tsv_gin")


def build_index(vendor: str) -> float:
    """SQLite: rebuild the FTS5 index from the content table and restore the triggers; PostgreSQL:
    CREATE INDEX … USING gin (tsv) (the tsv column itself is generated as rows are written)."""
    from importlib import import_module

    from django.db import connection

    migration = import_module("xietong.archive.migrations.0002_fulltext_index")
    with timed() as t, connection.cursor() as cursor:
        if vendor == "sqlite":
            cursor.execute("INSERT INTO archive_search_fts(archive_search_fts) VALUES ('rebuild')")
        else:
            cursor.execute("SET maintenance_work_mem = '512MB'")
            cursor.execute(migration.POSTGRES_CREATE[1])
    with connection.cursor() as cursor:
        if vendor == "sqlite":
            for statement in migration.SQLITE_CREATE[1:]:
                cursor.execute(statement)
            cursor.execute("ANALYZE")
        else:
            cursor.execute("ANALYZE archive_searchdocument")
    return t["seconds"]


def seeded(db: str, docs: int) -> bool:
    """Whether the benchmark database already holds exactly `docs` documents (then it is reused)."""
    setup_django(db, DATASET)
    from django.db import DatabaseError, connections

    from xietong.archive.models import SearchDocument

    try:
        return SearchDocument.objects.count() == docs
    except DatabaseError:
        return False
    finally:
        connections.close_all()


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[max(0, math.ceil(share * len(ordered)) - 1)]


def time_queries(user, queries: list[str]) -> tuple[list[float], int]:
    from xietong.archive.search import search

    samples, found = [], 0
    for q in queries:
        start = time.perf_counter()
        page = search(user, q)
        samples.append((time.perf_counter() - start) * 1000)
        found += page.total
    return samples, found


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--db", choices=["sqlite", "postgres"], required=True)
    parser.add_argument("--docs", type=int, default=1_000_000)
    parser.add_argument("--queries", type=int, default=200)
    parser.add_argument("--reuse", action="store_true", help="time queries on an earlier run's documents")
    args = parser.parse_args()
    words, cumulative = vocabulary()
    if args.reuse and seeded(args.db, args.docs):
        migrate()  # a later migration (a new index, say) applies to the kept documents
    else:
        fresh_database(args.db, DATASET)
        setup_django(args.db, DATASET)
        migrate()
        from django.db import connection

        from xietong.org.demo import seed_demo_org
        from xietong.org.models import Project

        seed_demo_org()
        projects = list(Project.objects.values_list("pk", flat=True))
        vendor = connection.vendor
        drop_index(vendor)
        emit("检索", f"写入 {args.docs:,} 篇文档", seed(args.docs, words, cumulative, projects), "秒", "", args.db)
        emit("检索", f"建立全文索引（{args.docs:,} 篇）", build_index(vendor), "秒", "", args.db)
    if args.queries == 0:
        return
    if args.db == "postgres":
        from django.db import connection

        with connection.cursor() as cursor:  # the figures depend on it: say what the server had
            cursor.execute("SELECT setting::bigint * 8 / 1024 FROM pg_settings WHERE name = 'shared_buffers'")
            emit("检索", "PostgreSQL shared_buffers", cursor.fetchone()[0], "MB", "", args.db)
    from xietong.archive.tokens import index_tokens
    from xietong.org.models import Person, ProjectMembership

    rng = random.Random(11)
    sample = [
        "".join(words[bisect.bisect(cumulative, rng.random() * cumulative[-1])] for _ in range(100)) for _ in range(500)
    ]
    with timed() as t:
        for text in sample:
            index_tokens(text)
    emit("检索", "jieba 分词（每篇约 100 词）", len(sample) / t["seconds"], "篇/秒", "", args.db)

    gm = Person.objects.get(username="chenzhiqiang")  # sees everything
    member = Person.objects.get(username="liuyang")  # one project of three
    assert ProjectMembership.objects.filter(person=member).count() == 1
    two = [w for w in words[:5000] if len(w) == 2]
    four = [w for w in words if len(w) == 4][:3000]
    qrng = random.Random(5)
    for label, pool in (("2 字", two), ("4 字", four)):
        queries = [qrng.choice(pool) for _ in range(args.queries)]
        time_queries(gm, queries[:10])  # warm the caches
        for who, user in (("总经理", gm), ("项目成员", member)):
            samples, found = time_queries(user, queries)
            emit("检索", f"{label}查询 p50（{who}，{args.docs:,} 篇）", statistics.median(samples), "毫秒", "", args.db)
            goal = "≤ 50 毫秒" if args.db == "postgres" else ""
            emit(
                "检索", f"{label}查询 p95（{who}，{args.docs:,} 篇）", percentile(samples, 0.95), "毫秒", goal, args.db
            )
            emit("检索", f"{label}查询平均命中（{who}）", found / len(queries), "篇", "", args.db)


if __name__ == "__main__":
    main()
