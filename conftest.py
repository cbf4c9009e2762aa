"""Fixtures shared by every test: the demo company, signed-in clients, database facts."""

from __future__ import annotations

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


def pytest_collection_modifyitems(config, items):
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
