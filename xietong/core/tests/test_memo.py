"""The per-request memo: a fact is read once per request, and a change within the request is seen."""

from __future__ import annotations

from django.db import connection
from django.test.utils import CaptureQueriesContext

from xietong.core.memo import memo_scope
from xietong.org.roles import manager_chain
from xietong.org.tree import DepartmentTree


def _tree_queries(captured) -> int:
    return sum(1 for q in captured.captured_queries if 'FROM "org_department"' in q["sql"])


def test_the_department_tree_is_read_once_within_a_request(company):
    with memo_scope(), CaptureQueriesContext(connection) as captured:
        for _ in range(5):
            DepartmentTree.load()
    assert _tree_queries(captured) == 1


def test_outside_a_request_every_read_is_fresh(company):
    with CaptureQueriesContext(connection) as captured:
        DepartmentTree.load()
        DepartmentTree.load()
    assert _tree_queries(captured) == 2


def test_a_new_department_head_is_seen_by_the_same_request(company):
    software = company.department("rd-software")
    new_head = company.person("liuyang")
    with memo_scope():
        before = manager_chain(company.person("wangqiang"), department=software)
        software.head = new_head
        software.save()
        after = manager_chain(company.person("wangqiang"), department=software)
    assert before[0].person != new_head
    assert after[0].person == new_head
    assert str(after[0].person) == "刘洋"


def test_a_page_reads_the_department_tree_at_most_once(client_for, company):
    client = client_for("wangqiang")
    with CaptureQueriesContext(connection) as captured:
        assert client.get("/").status_code == 200
    assert _tree_queries(captured) <= 1
