"""Shared by the benchmarks: a fresh database per run, timing, and one result line per figure."""

from __future__ import annotations

import json
import os
import sys
import time
from contextlib import contextmanager
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
PG_URL = os.environ.get("XIETONG_BENCH_PG", "postgres://postgres@127.0.0.1:5432/xietong_bench")


def database_url(db: str, dataset: str = "") -> str:
    """The benchmark database; a `dataset` ("search") gets its own, so each can be kept for --reuse."""
    suffix = f"_{dataset}" if dataset else ""
    if db == "sqlite":
        path = REPO / "var" / "bench" / f"bench{suffix}.sqlite3"
        path.parent.mkdir(parents=True, exist_ok=True)
        return f"sqlite:///{path}"
    return PG_URL + suffix


def fresh_database(db: str, dataset: str = "") -> None:
    """Drop and recreate the benchmark database (empty; migrate() fills in the tables)."""
    url = database_url(db, dataset)
    if db == "sqlite":
        path = Path(url.removeprefix("sqlite:///"))
        for suffix in ("", "-wal", "-shm"):
            Path(str(path) + suffix).unlink(missing_ok=True)
    else:
        import psycopg

        name = url.rsplit("/", 1)[1]
        with psycopg.connect(url.rsplit("/", 1)[0] + "/postgres", autocommit=True) as conn:
            conn.execute(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")
            conn.execute(f"CREATE DATABASE {name}")


def setup_django(db: str, dataset: str = "") -> None:
    os.environ["DATABASE_URL"] = database_url(db, dataset)
    os.environ["DJANGO_SETTINGS_MODULE"] = "bench.settings"
    os.environ.setdefault("XIETONG_DATA_DIR", str(REPO / "var" / "bench"))
    sys.path.insert(0, str(REPO))
    import django

    django.setup()


def migrate() -> None:
    from django.core.management import call_command

    call_command("migrate", verbosity=0)


@contextmanager
def timed():
    box = {}
    start = time.perf_counter()
    yield box
    box["seconds"] = time.perf_counter() - start


def emit(group: str, name: str, value: float, unit: str, goal: str = "", db: str = "") -> None:
    """One figure, as a JSON line on stdout; bench/run.py collects them into the table."""
    print(
        json.dumps(
            {"group": group, "name": name, "value": value, "unit": unit, "goal": goal, "db": db}, ensure_ascii=False
        ),
        flush=True,
    )
