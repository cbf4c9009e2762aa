"""Fixtures shared by every test: the demo company, signed-in clients, database facts."""

from __future__ import annotations

import copy
import os
from pathlib import Path

import pytest
from django.db import connection

# Playwright's sync API runs an event loop in the test thread; Django's ORM would otherwise refuse to run.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

# Local DingTalk / WeCom / Feishu servers (tests/platforms): fixtures dingtalk, wecom, feishu; Debian's slapd
# (tests/ldap_server.py): fixture slapd.
pytest_plugins = ["tests.platforms.fixtures", "tests.ldap_server"]


def pytest_sessionstart(session):
    """Compile the translation catalogues (.mo are build outputs, not committed)."""
    from pathlib import Path

    import polib

    for po_path in (Path(__file__).parent / "xietong" / "locale").glob("*/LC_MESSAGES/*.po"):
        mo_path = po_path.with_suffix(".mo")
        if not mo_path.exists() or mo_path.stat().st_mtime < po_path.stat().st_mtime:
            partial = mo_path.with_suffix(f".{os.getpid()}.tmp")
            polib.pofile(str(po_path)).save_as_mofile(str(partial))
            os.replace(partial, mo_path)  # atomic: parallel test workers never read half a file


class Company:
    """The demo company 星辰智能科技, people looked up by username (see xietong/org/demo.py)."""

    def __init__(self) -> None:
        from xietong.clocks.defaults import ensure_default_policies
        from xietong.org.demo import seed_demo_org

        # A transactional test flushes every table when it ends, data-migration rows included: put the
        # default clock policies back so that no test depends on the order tests run in.
        ensure_default_policies()
        seed_demo_org()

    def person(self, username: str):
        from xietong.org.models import Person

        return Person.objects.select_related("department").get(username=username)

    def department(self, code: str):
        from xietong.org.models import Department

        return Department.objects.get(code=code)

    def project(self, code: str):
        from xietong.org.models import Project

        return Project.objects.get(code=code)


@pytest.fixture
def company(db) -> Company:
    return Company()


class DemoSnapshot:
    """What `seed_demo()` left: every model table's rows, the audit anchor file, and what it returned."""

    def __init__(self, rows: dict[str, tuple[list[str], list[tuple]]], anchor: str | None, counts: dict) -> None:
        self.rows = rows
        self.anchor = anchor
        self.counts = counts


# This worker's seeded demo companies, by (instant, what the database held before seeding).
_demo_snapshots: dict[tuple, DemoSnapshot] = {}
_sequences: dict[str, list[dict]] = {}


def _model_tables() -> dict[str, list[str]]:
    """Every table Django manages → its columns (m2m tables included; generated columns and the SQLite FTS
    index, which its triggers keep in step with archive_searchdocument, are not written directly)."""
    from django.apps import apps

    tables: dict[str, list[str]] = {}
    for model in apps.get_models(include_auto_created=True):
        meta = model._meta
        if meta.proxy or not meta.managed or meta.swapped or meta.db_table in tables:
            continue
        tables[meta.db_table] = [f.column for f in meta.local_concrete_fields if not getattr(f, "generated", False)]
    return dict(sorted(tables.items()))


def _column(name: str) -> str:
    # On SQLite a bare column would pass through the connection's type converters (text → datetime, decimal …);
    # IFNULL(column, NULL) is an expression, so the stored value comes back exactly as stored.
    quoted = connection.ops.quote_name(name)
    return f"IFNULL({quoted}, NULL)" if connection.vendor == "sqlite" else quoted


def _demo_key() -> tuple:
    import time_machine
    from django.utils import timezone

    if time_machine.escape_hatch.is_travelling():
        when: object = timezone.now()  # the frozen instant the test seeds at
    else:
        when = ("now", timezone.localdate())  # seeded at the real time: valid for the day it was seeded
    counts = []
    with connection.cursor() as cursor:
        for table in _model_tables():
            cursor.execute(f"SELECT COUNT(*) FROM {connection.ops.quote_name(table)}")
            counts.append(cursor.fetchone()[0])
    return (connection.vendor, when, tuple(counts))


def _demo_capture(counts: dict) -> DemoSnapshot:
    from xietong.core.audit_chain import anchor_path

    rows = {}
    with connection.cursor() as cursor:
        for table, columns in _model_tables().items():
            cursor.execute(f"SELECT {', '.join(map(_column, columns))} FROM {connection.ops.quote_name(table)}")
            rows[table] = (columns, [tuple(row) for row in cursor.fetchall()])
    anchor = anchor_path().read_text() if anchor_path().exists() else None
    return DemoSnapshot(rows, anchor, counts)


def _demo_restore(snapshot: DemoSnapshot) -> None:
    """Put the snapshot's rows in place of what the tables hold, in one transaction (deferred foreign keys)."""
    from django.contrib.contenttypes.models import ContentType
    from django.db import transaction

    from xietong.core.audit_chain import anchor_path

    quote = connection.ops.quote_name
    with transaction.atomic(), connection.cursor() as cursor:
        for table, (columns, rows) in snapshot.rows.items():
            cursor.execute(f"DELETE FROM {quote(table)}")
            if rows:
                marks = ", ".join(["%s"] * len(columns))
                cursor.executemany(
                    f"INSERT INTO {quote(table)} ({', '.join(map(quote, columns))}) VALUES ({marks})",
                    rows,
                )
        if connection.vendor == "postgresql":
            # The rows keep their ids: move each sequence past them, never back (a sequence is not rolled back
            # with the test's transaction, so setting it lower could hand out an id that is in use later).
            for table in snapshot.rows:
                if table not in _sequences:
                    _sequences[table] = connection.introspection.get_sequences(cursor, table)
                for sequence in _sequences[table]:
                    column = quote(sequence["column"])
                    cursor.execute(
                        f"SELECT setval(%s, m) FROM (SELECT MAX({column}) AS m FROM {quote(table)}) t, "
                        f"{quote(sequence['name'])} s WHERE m IS NOT NULL AND m > s.last_value",
                        [sequence["name"]],
                    )
    # Content type ids come back with the rows; a transactional test's flush had made new ones.
    ContentType.objects.clear_cache()
    path = anchor_path()
    if snapshot.anchor is None:
        path.unlink(missing_ok=True)
    else:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(snapshot.anchor)


@pytest.fixture
def seeded_demo():
    """seeded_demo() does what seed_demo() does, and returns what it returns; the first call in this worker for an
    instant (time_machine's frozen one, or today) and a starting database seeds for real, later ones put the same
    rows back in a fraction of the time. Call it before the test writes anything of its own."""

    def seed() -> dict:
        from xietong.core.demo import seed_demo

        key = _demo_key()
        snapshot = _demo_snapshots.get(key)
        if snapshot is None:
            counts = seed_demo()
            _demo_snapshots[key] = _demo_capture(copy.deepcopy(counts))
            return counts
        _demo_restore(snapshot)
        return copy.deepcopy(snapshot.counts)

    return seed


@pytest.fixture
def client_for(client, company):
    """client_for("lina") → a test client signed in as 李娜."""
    from django.test import Client

    def make(username: str) -> Client:
        c = Client()
        c.force_login(company.person(username))
        return c

    return make


def is_postgres() -> bool:
    return connection.vendor == "postgresql"


def _start_early(item) -> tuple[int, int, int]:
    """The longest tests first, the short ones last: with -n 2 each worker then ends on short tests, instead of one
    worker idle for minutes while the other runs a long test collected last (./run.sh in a fresh clone took 77–129 s
    and was collected last of all).

    pytest-django has ordered the tests as Django does — those in a rolled-back transaction, then those that flush
    the database (transactional_db, live_server), then those that use no database — because a flush removes what the
    data migrations wrote. That order is kept; within it the slow ones (./run.sh, then `slow`, then the browser's)
    go first, and the slow tests that use no database at all, which can run at any point, go before everything."""
    from pytest_django.plugin import validate_django_db

    marker = item.get_closest_marker("django_db")
    transactional = "transactional_db" in item.fixturenames or "live_server" in item.fixturenames
    if marker:
        transaction, reset_sequences, *_rest = validate_django_db(marker)
        transactional = transactional or transaction or reset_sequences
    group = 1 if transactional else 0 if marker or "db" in item.fixturenames else 2
    rank = next((n for n, name in enumerate(("fresh_clone", "slow", "browser")) if item.get_closest_marker(name)), 3)
    return (0 if group == 2 and rank < 2 else 1, group, rank)


def pytest_collection_modifyitems(config, items):
    items.sort(key=_start_early)  # stable: same order on every worker, as xdist requires
    if os.environ.get("DATABASE_URL", "").startswith(("postgres", "postgresql")):
        return
    skip = pytest.mark.skip(reason="needs PostgreSQL (row locks and several connections); runs in the PostgreSQL pass")
    for item in items:
        if "postgres_only" in item.keywords:
            item.add_marker(skip)


# --- Browser tests: Playwright driving Debian's Chromium ------------------------------------------
ARTIFACTS = Path(__file__).parent / "test-artifacts"
CHROMIUM = os.environ.get("XIETONG_CHROMIUM", "/usr/bin/chromium")


@pytest.fixture(scope="session")
def browser():
    from playwright.sync_api import sync_playwright

    if not Path(CHROMIUM).exists():
        pytest.fail(f"{CHROMIUM} is missing: ./test.sh installs Debian's chromium package")
    with sync_playwright() as p:
        instance = p.chromium.launch(
            executable_path=CHROMIUM,
            headless=True,
            args=[
                "--no-sandbox",
                "--disable-gpu",
                "--disable-quic",
                "--no-first-run",
                "--disable-background-networking",
                "--disable-component-update",
                "--disable-sync",
            ],
        )
        yield instance
        instance.close()


@pytest.fixture
def live_company(transactional_db, live_server) -> Company:
    return Company()


@pytest.fixture
def page_for(browser, live_server, live_company):
    """page_for("lina") → a Playwright page signed in as 李娜 through the real login form."""
    contexts = []

    def make(username: str, password: str = "xietong2026", locale: str = "zh-CN"):
        context = browser.new_context(locale=locale, viewport={"width": 1280, "height": 860})
        contexts.append(context)
        page = context.new_page()
        page.set_default_timeout(30000)  # generous: CI machines are shared and slow at times
        page.goto(f"{live_server.url}/accounts/login/")
        page.fill("input[name=username]", username)
        page.fill("input[name=password]", password)
        page.click("#login-submit")
        page.wait_for_url(f"{live_server.url}/")
        return page

    yield make
    for context in contexts:
        context.close()


def screenshot(page, name: str) -> Path:
    ARTIFACTS.mkdir(exist_ok=True)
    path = ARTIFACTS / f"{name}.png"
    page.screenshot(path=str(path), full_page=True)
    return path


@pytest.fixture
def receiver():
    """A real HTTP server on 127.0.0.1 that records what robots and webhooks are sent."""
    from tests.receiver import Receiver

    with Receiver() as running:
        yield running


@pytest.fixture(autouse=True)
def _fresh_calendar_engines():
    """Compiled calendars are cached per (calendar id, version). Tests roll the database back, so the
    same id and version can mean different overrides in two tests: start each test with no cache."""
    from xietong.workcal.selectors import _engines

    _engines.clear()
    yield
    _engines.clear()


@pytest.fixture(autouse=True)
def _own_audit_anchor(monkeypatch):
    """The audit anchor lives outside the database, so it outlives a test's rolled-back or flushed data:
    each test (and every worker process it starts) anchors in a file of its own."""
    import uuid

    from django.conf import settings
    from django.test import override_settings

    path = Path(settings.DATA_DIR) / "anchors" / f"{uuid.uuid4().hex}.json"
    monkeypatch.setenv("XIETONG_AUDIT_ANCHOR_FILE", str(path))
    with override_settings(XIETONG_AUDIT_ANCHOR_FILE=path):
        yield path


@pytest.fixture(autouse=True)
def _chinese_first():
    """Every test starts in the product's language: a test that reads pages in English (the test client's
    LocaleMiddleware activates it in this thread) must not leave English on for the next test."""
    from django.conf import settings
    from django.utils import translation

    translation.activate(settings.LANGUAGE_CODE)
    yield
    translation.activate(settings.LANGUAGE_CODE)
