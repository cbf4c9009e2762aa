"""Planned dates have sane bounds (issue 23): a task ending 9999-12-31 was a 500, one from 0001-01-01 made the
breakdown page a 404 for everyone. They are refused at their field, with the window that is allowed."""

import time_machine

from xietong.requests.tests.test_request_flow import _published_task, at
from xietong.tasks.models import Task


def test_dates_outside_the_planning_window_are_refused_at_their_fields(company, client_for):
    request, _breakdown, _task = _published_task(company, publish=False)  # a draft: tasks are added to it
    guoxin = client_for("guoxin")
    form = {
        "title": "量产验证",
        "completion_criteria": "量产验证报告通过评审",
        "owner": company.person("zhaolei").pk,
        "priority": "medium",
        "start_date": "0001-01-01",
        "end_date": "9999-12-31",
    }
    with time_machine.travel(at("2026-03-02 11:00"), tick=False):
        page = guoxin.post(f"/tasks/breakdown/{request.pk}/", form)
        assert page.status_code == 200
        text = page.content.decode()
        assert "开始时间 0001-01-01 不在可安排的范围内（2024-03-02 至 2031-03-02）" in text
        assert "结束时间 9999-12-31 不在可安排的范围内（2024-03-02 至 2031-03-02）" in text
        assert Task.objects.count() == 1
        assert guoxin.get(f"/tasks/breakdown/{request.pk}/").status_code == 200
        form.update(start_date="2026-03-09", end_date="2031-03-02")  # the last day allowed
        assert guoxin.post(f"/tasks/breakdown/{request.pk}/", form).status_code == 302
    assert Task.objects.count() == 2
