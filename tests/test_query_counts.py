"""List pages issue the same number of queries whatever the number of rows (no N+1)."""

import datetime as dt

import pytest
import time_machine
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext

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


@pytest.mark.parametrize(
    "url", ["/requests/?scope=all", "/requests/?scope=todo", "/requests/?scope=all&overdue=1", "/api/requests/", "/"]
)
def test_request_lists(company, client_for, url):
    more_requests(company, 2, 0)
    c = client_for("lina")
    few = queries(c, url)
    more_requests(company, 10, 2)
    assert queries(c, url) == few


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
    request, breakdown, first = _published_task(company)
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
