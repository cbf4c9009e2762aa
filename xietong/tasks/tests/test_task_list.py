"""任务 (/tasks/): the tasks a person carries across every breakdown, and only the ones they may see."""

import datetime as dt

import time_machine
from django.db import transaction

from xietong.core.templatetags.xietong import short_day
from xietong.requests.tests.test_request_flow import _published_task, at
from xietong.tasks.services import task_create


def rows(client, url: str) -> str:
    response = client.get(url)
    assert response.status_code == 200
    return response.content.decode()


def test_the_task_list_shows_what_a_person_carries_overdue_marked_and_nothing_to_outsiders(company, client_for):
    _request, _breakdown, task = _published_task(company)  # 硬件方案评审, 赵磊 owns it, 孙宇 coordinates, ends 03-06
    label = f"{task.number}</a>"
    with time_machine.travel(at("2026-03-05 10:00"), tick=False):
        page = rows(client_for("zhaolei"), "/tasks/")
        assert label in page and "2026-03-03 ~ 2026-03-06" in page and "badge late" not in page
        assert label not in rows(client_for("zhaolei"), "/tasks/?overdue=1")
    with time_machine.travel(at("2026-03-09 10:00"), tick=False):
        page = rows(client_for("zhaolei"), "/tasks/?overdue=1")
        assert label in page and '<span class="badge late">超期</span>' in page
        assert label in rows(client_for("sunyu"), "/tasks/")  # the coordinator carries it too
        assert label not in rows(client_for("sunyu"), "/tasks/?state=done")
        assert label not in rows(client_for("wangqiang"), "/tasks/")  # sees the project, carries nothing
        assert label in rows(client_for("guoxin"), "/tasks/?scope=all")  # the requester sees the breakdown
        outsider = rows(client_for("fengjing"), "/tasks/?scope=all&state=")
        assert label not in outsider and "没有符合条件的任务。" in outsider
        # A filter value the page does not know falls back to the default view, not an error.
        assert label in rows(client_for("zhaolei"), "/tasks/?scope=zzz&state=bogus&page=abc")


def test_a_day_in_another_year_is_written_with_its_year():
    with time_machine.travel(at("2026-12-03 10:00"), tick=False):
        assert short_day(dt.date(2026, 12, 20)) == "12-20"
        assert short_day(dt.date(2027, 3, 1)) == "2027-03-01"
        assert short_day(None) == ""


def test_the_task_list_pages_by_25_and_keeps_its_filters_from_page_to_page(company, client_for):
    _request, breakdown, first = _published_task(company, publish=False)  # a draft: tasks are added to it
    with time_machine.travel(at("2026-03-02 12:00"), tick=False), transaction.atomic():
        for i in range(25):
            task_create(
                completion_criteria="交付物经负责人确认",
                actor=company.person("guoxin"),
                breakdown=breakdown,
                title=f"子任务{i:02d}",
                owner=company.person("zhaolei"),
                start_date=dt.date(2026, 3, 9),
                end_date=dt.date(2026, 3, 10) + dt.timedelta(days=i),
                priority="low",
            )
    zhaolei = client_for("zhaolei")
    with time_machine.travel(at("2026-03-05 10:00"), tick=False):
        page = rows(zhaolei, "/tasks/?scope=all&state=")
        assert "第 1 / 2 页" in page and 'href="?scope=all&amp;state=&page=2"' in page
        assert first.title in page and "子任务23" in page and "子任务24" not in page  # by end date
        second = rows(zhaolei, "/tasks/?scope=all&state=&page=2")
        assert "第 2 / 2 页" in second and "子任务24" in second and first.title not in second
