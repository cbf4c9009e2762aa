"""List pages issue the same number of queries whatever the number of rows (no N+1)."""

import datetime as dt

import pytest
import time_machine
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext

from xietong.items.services import comment_add
from xietong.notify.services import notify
from xietong.requests.tests.test_request_flow import _published_task, at, new_request
from xietong.tasks.services import task_create


def queries(client, url: str) -> int:
    with CaptureQueriesContext(connection) as captured:
        response = client.get(url)
    assert response.status_code == 200, url
    return len(captured.captured_queries)


def more_requests(company, n: int, start: int):
    for i in range(n):
        new_request(company, title=f"智能手表项目-需求{start + i:02d}", when="2026-03-02 09:00")


LISTS = [
    "/requests/?scope=all",
    "/requests/?scope=todo",
    "/requests/?scope=all&overdue=1",
    "/requests/?scope=all&priority=high&state=open&department=1",
    "/api/requests/",
    "/tasks/?scope=all",
    "/",
]


# Every role whose lists differ: sees everything (general manager), department head, coordinator, member.
@pytest.mark.parametrize("username", ["chenzhiqiang", "lina", "liufang", "wangqiang"])
@pytest.mark.parametrize("url", LISTS)
def test_request_lists(company, client_for, url, username):
    more_requests(company, 2, 0)
    c = client_for(username)
    few = queries(c, url)
    more_requests(company, 10, 2)
    assert queries(c, url) == few


@pytest.mark.parametrize("username", ["chenzhiqiang", "lina", "liufang", "guoxin"])
def test_request_page_is_the_same_queries_with_more_comments(company, client_for, username):
    """A request's page and its API read as many rows as they must, with a fixed number of queries."""
    item = new_request(company, when="2026-03-02 09:00")
    c = client_for(username)

    def comment(n, start):
        with time_machine.travel(at("2026-03-02 10:00"), tick=False), transaction.atomic():
            for i in range(n):
                comment_add(actor=company.person("guoxin"), subject=item, body=f"@李娜 第{start + i}条补充说明")

    comment(1, 0)
    urls = (f"/requests/{item.pk}/", f"/api/requests/{item.pk}")
    counts = {url: queries(c, url) for url in urls}
    comment(8, 1)
    assert {url: queries(c, url) for url in urls} == counts


def test_inbox_and_org_pages(company, client_for):
    lina = company.person("lina")
    c = client_for("lina")

    def send(n):
        with transaction.atomic():
            for i in range(n):
                notify(recipients=[lina], kind="reminder", title=f"提醒 {i}")

    send(2)
    counts = {url: queries(c, url) for url in ("/inbox/", "/org/", "/org/projects/", "/api/inbox/messages")}
    send(15)
    assert {url: queries(c, url) for url in counts} == counts


def test_breakdown_and_tracking_pages(company, client_for):
    request, breakdown, first = _published_task(company, publish=False)  # a draft: tasks are added to it
    c = client_for("guoxin")

    def add(n, start):
        with time_machine.travel(at("2026-03-02 12:00"), tick=False), transaction.atomic():
            for i in range(n):
                task_create(
                    completion_criteria="交付物经负责人确认",
                    actor=company.person("guoxin"),
                    breakdown=breakdown,
                    title=f"子任务{start + i}",
                    owner=company.person("wangqiang"),
                    helpers=[company.person("heli")],
                    start_date=dt.date(2026, 3, 9),
                    end_date=dt.date(2026, 3, 10),
                    priority="low",
                    predecessors=[first],
                )

    add(2, 0)
    urls = (
        f"/tasks/breakdown/{request.pk}/",
        f"/progress/projects/{request.project_id}/",
        "/api/tasks/",
        "/tasks/?scope=all&state=",
    )
    counts = {url: queries(c, url) for url in urls}
    add(8, 2)
    assert {url: queries(c, url) for url in urls} == counts


def test_creating_and_submitting_a_request_through_the_api(company, client_for):
    """One create with its criterion, receiving department, submission, audit events, clock and message: 47
    queries on SQLite and 48 on PostgreSQL before its policy was read once per request and a new request's
    departments were no longer read."""
    c = client_for("guoxin")

    def create(n: int) -> int:
        with time_machine.travel(at("2026-03-02 09:00"), tick=False), CaptureQueriesContext(connection) as captured:
            response = c.post(
                "/api/requests/",
                content_type="application/json",
                data={
                    "title": f"智能手表项目-接口需求{n}",
                    "project_id": company.project("smartwatch").pk,
                    "receiving_department_id": company.department("rd-hardware").pk,
                    "background": "接口创建",
                    "goal": "验证查询数",
                    "content": "创建并提交",
                    "expected_date": "2026-12-31",
                    "criteria": ["响应≤2小时"],
                    "submit": True,
                },
            )
        assert response.status_code == 201, response.content
        return len(captured.captured_queries)

    create(0)
    assert create(1) <= (45 if connection.vendor == "sqlite" else 46)
