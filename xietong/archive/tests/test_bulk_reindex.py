"""`xietong search reindex` rebuilds the index a chunk of items at a time: the same documents, word for
word, as indexing each item on its own — in a number of queries that does not grow with the items."""

from __future__ import annotations

import re

import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext

from xietong.archive.indexing import index_subject, reindex_all
from xietong.archive.models import SearchDocument
from xietong.archive.tests.support import comment, drain, request_in, upload
from xietong.requests.tests.test_request_flow import at

FIELDS = ("subject_type", "subject_id", "kind", "source_id", "title", "body", "tokens", "status", "digest")


def _index_rows() -> list[tuple]:
    return sorted(SearchDocument.objects.values_list(*FIELDS))


def _seed(company, n: int) -> list:
    requests = []
    for i in range(n):
        request = request_in(company, "smartwatch", "2026-05-18 09:00", title=f"续航优化需求第{i + 1}批")
        comment(company, request, "lina", f"请补充第{i + 1}批功耗测试数据", "2026-05-18 10:00")
        upload(company, request, "guoxin", "spec.txt", f"电池容量评估{i + 1}".encode(), "2026-05-18 11:00")
        requests.append(request)
    drain("2026-05-18 11:05")
    return requests


def test_a_bulk_reindex_writes_exactly_what_indexing_each_item_writes(company):
    requests = _seed(company, 6)
    one_by_one = _index_rows()
    assert len([r for r in one_by_one if r[0] == "requests.request"]) == 6 * 3  # item, comment, attachment
    assert any("电池容量" in r[6].split() for r in one_by_one)
    SearchDocument.objects.all().delete()
    with time_machine.travel(at("2026-05-18 11:10"), tick=False):
        assert reindex_all(chunk=4) >= 6
    assert _index_rows() == one_by_one
    # …and a later change re-indexes only what changed: the bulk rows carry the same digests.
    with time_machine.travel(at("2026-05-18 11:15"), tick=False):
        assert index_subject("requests.request", requests[0].pk) == 0


def test_the_queries_of_a_bulk_reindex_do_not_grow_with_the_items(company):
    _seed(company, 3)
    with time_machine.travel(at("2026-05-18 11:10"), tick=False), CaptureQueriesContext(connection) as few:
        reindex_all(chunk=500)
    _seed(company, 9)
    with time_machine.travel(at("2026-05-18 11:20"), tick=False), CaptureQueriesContext(connection) as many:
        reindex_all(chunk=500)
    assert len(many) == len(few)


def test_a_bulk_reindex_never_lists_every_item_in_one_statement(company):
    """PostgreSQL takes at most 65,535 parameters a statement: `xietong search reindex` failed on a company
    with more requests than that, listing every id to drop the documents of items gone."""
    _seed(company, 9)
    with time_machine.travel(at("2026-05-18 11:10"), tick=False), CaptureQueriesContext(connection) as queries:
        reindex_all(chunk=2)
    id_lists = [
        group
        for q in queries.captured_queries
        for group in re.findall(r" IN \(([^()]*)\)", q["sql"])
        if re.fullmatch(r"\d+(, \d+)*", group)
    ]
    assert id_lists and max(len(group.split(", ")) for group in id_lists) <= 2  # a chunk's ids, never all
