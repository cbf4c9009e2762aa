"""GET /api/requests/{id}/clocks: an item's time limits as its page shows them, through the API of every
declared process — including the mark on a due time counted before next year's holidays are published."""

import datetime as dt

import time_machine
from django.db import transaction

from xietong.core.tokens import api_token_create
from xietong.requests.tests.test_request_flow import at, new_request
from xietong.workcal.services import notice_import
from xietong.workcal.tests.support import notice


def api_get(client, company, username, path):
    with transaction.atomic():
        _token, secret = api_token_create(person=company.person(username), name="脚本")
    return client.get(path, headers={"Authorization": f"Bearer {secret}"})


def clocks(client, company, request):
    response = api_get(client, company, "lina", f"/api/requests/{request.pk}/clocks")
    assert response.status_code == 200
    return response.json()


def test_a_due_time_running_into_an_unpublished_year_says_so_in_the_api_until_the_notice_is_imported(
    company, client, django_capture_on_commit_callbacks
):
    # 2 working hours from 17:00 on Thursday 12/31: one hour that day, the other on the next working day.
    request = new_request(company, when="2026-12-31 17:00", expected_date=dt.date(2027, 1, 29))
    with time_machine.travel(at("2026-12-31 17:30"), tick=False):
        (respond,) = clocks(client, company, request)
    assert respond["limit"] == "respond" and respond["label"] == "响应"
    assert respond["due_at"] == "2027-01-01T02:00:00Z"  # 10:00 in Beijing on Friday 1 January counted as a working day
    assert respond["provisional"] is True
    assert respond["provisional_note"] == "按每周工作日推算，待节假日公布"
    assert respond["counted_in"] == "按“标准工作日历”计时"
    assert respond["status"] == "剩余 1 个工作小时 30 分钟"
    # The clause the limit comes from (a high-priority request: 2 working hours, as 000 writes it).
    assert (respond["source"], respond["clause"], respond["clause_text"]) == (
        "企业沟通与协作流程规范",
        "二（一）",
        "需在收到需求后2个工作小时内响应",
    )
    assert respond["basis"].startswith(
        "依据：《企业沟通与协作流程规范》二（一）「需在收到需求后2个工作小时内响应」；另见："
    )

    with time_machine.travel(at("2026-12-31 17:40"), tick=False), django_capture_on_commit_callbacks(execute=True):
        notice_import(text=notice("2027-invented"), actor=company.person("admin"))
    with time_machine.travel(at("2026-12-31 17:45"), tick=False):
        (respond,) = clocks(client, company, request)
    assert respond["due_at"] == "2027-01-04T02:00:00Z"  # 10:00 on Monday: 元旦 1–3 January off
    assert (respond["provisional"], respond["provisional_note"]) == (False, "")


def test_someone_outside_the_request_gets_404_for_its_clocks(company, client):
    request = new_request(company, when="2026-12-31 17:00", expected_date=dt.date(2027, 1, 29))
    assert api_get(client, company, "fengjing", f"/api/requests/{request.pk}/clocks").status_code == 404
