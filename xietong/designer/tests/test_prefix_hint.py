"""The hint under 编号前缀 follows the definition's prefix (issue 21: it always read 「事项编号如 BX-2026-0001」,
whatever the prefix): a process numbered QJ reads 事项编号如 QJ-2026-0001, a new definition without one says what to enter, and
editor.js rewrites it from the data attributes as the prefix is typed."""

from __future__ import annotations

import html
import re

import pytest
import time_machine
from django.utils import translation

from xietong.designer.tests.support import expense, publish
from xietong.designer.tests.test_definition_prefix import finance  # noqa: F401  (a fixture)
from xietong.designer.tests.test_editor import EXPENSE
from xietong.requests.tests.test_request_flow import at

pytestmark = pytest.mark.django_db
ENTER = "填写 1–6 个大写字母，作为事项编号的开头，如 QJ 编为 QJ-2026-0001"


def hint(page: str) -> tuple[str, dict[str, str]]:
    found = re.search(r'<p class="help" id="d-prefix-hint"([^>]*)>([^<]*)</p>', page)
    assert found is not None
    return found.group(2), {k: html.unescape(v) for k, v in re.findall(r'data-(\w+)="([^"]*)"', found.group(1))}


def test_the_hint_shows_the_definition_s_own_prefix(company, client_for):
    version = publish(company, {**expense(), "prefix": "QJ"})
    with time_machine.travel(at("2026-10-12 10:00"), tick=False):
        page = client_for("admin").get(f"/designer/{version.definition.pk}/").content.decode()
    assert hint(page) == ("事项编号如 QJ-2026-0001", {"example": "事项编号如 {prefix}-2026-0001", "enter": ENTER})
    assert 'id="d-prefix" name="prefix" value="QJ"' in page and 'aria-describedby="d-prefix-hint"' in page


def test_a_new_definition_without_a_prefix_is_told_what_to_enter(client_for):
    with time_machine.travel(at("2026-10-12 10:00"), tick=False):
        page = client_for("admin").get("/designer/new/").content.decode()
    assert hint(page)[0] == ENTER


def test_a_refused_prefix_is_told_what_to_enter_and_a_new_year_numbers_with_it(company, client_for, finance):  # noqa: F811
    version = publish(company, {**expense(), "prefix": "HYSQ"})
    with time_machine.travel(at("2027-01-04 10:00"), tick=False):
        refused = client_for("admin").post("/designer/new/", {**EXPENSE, "prefix": "B1", "action": "publish"})
        page = client_for("admin").get(f"/designer/{version.definition.pk}/").content.decode()
    assert refused.status_code == 400
    assert hint(refused.content.decode())[0] == ENTER.replace("2026", "2027")
    assert hint(page)[0] == "事项编号如 HYSQ-2027-0001"


def test_the_hint_reads_in_english(company, client_for):
    version = publish(company, {**expense(), "prefix": "QJ"})
    client = client_for("admin")
    client.cookies["django_language"] = "en"
    with time_machine.travel(at("2026-10-12 10:00"), tick=False), translation.override("en"):
        page = client.get(f"/designer/{version.definition.pk}/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert hint(page)[0] == "Items are numbered like QJ-2026-0001"
