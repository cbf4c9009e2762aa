"""The hint under 编号前缀 follows the prefix as it is typed (issue 21: it always read 「事项编号如 BX-2026-0001」):
a new definition says what to enter, HYSQ gives 事项编号如 HYSQ-<year>-0001, a prefix cleared or not capital
letters says again what to enter."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

pytestmark = pytest.mark.browser


def test_the_prefix_hint_follows_the_prefix_as_it_is_typed(page_for, live_server, live_company):
    admin = page_for("admin")
    admin.goto(f"{live_server.url}/designer/new/")
    hint = admin.locator("#d-prefix-hint")
    expect(hint).to_have_text(re.compile(r"^填写 1–6 个大写字母，作为事项编号的开头，如 QJ 编为 QJ-\d{4}-0001$"))
    admin.fill("#d-prefix", "HYSQ")
    expect(hint).to_have_text(re.compile(r"^事项编号如 HYSQ-\d{4}-0001$"))
    admin.fill("#d-prefix", "QJ")
    expect(hint).to_have_text(re.compile(r"^事项编号如 QJ-\d{4}-0001$"))
    admin.fill("#d-prefix", "")
    expect(hint).to_have_text(re.compile(r"^填写 1–6 个大写字母"))
