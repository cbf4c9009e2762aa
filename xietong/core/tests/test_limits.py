"""Sane limits on every text and date, enforced by the model layer (issue 23, 'No bounds'): free-text fields
accepted 5 MB through the API, a task from 0001-01-01 made its breakdown page a 404 for everyone and one to
2999-12-31 a 10.5 MB page, a line break in a meeting's title broke its invitation. One mechanism
(xietong.core.limits, limits configured in settings) refuses such a value at its field, in Chinese, whatever
path wrote it: 422 JSON naming the field from the API, the error at the field with the input kept on a page."""

import datetime as dt

import pytest
import time_machine
from django.apps import apps
from django.db import models, transaction
from django.utils import translation

from xietong.core import limits
from xietong.meetings.models import Meeting
from xietong.meetings.tests.helpers import meeting_type, room
from xietong.problems.models import Problem
from xietong.requests.tests.test_request_flow import _published_task, at
from xietong.tasks.models import Task

FIVE_MB = "x" * (5 * 1024 * 1024 - 2000)  # just under the request body limit


def _project_fields():
    for model in apps.get_models():
        if limits.is_project_model(model):
            yield from ((model, field) for field in model._meta.concrete_fields)


def test_every_text_and_date_of_every_model_is_bounded():
    unbounded = []
    for model, field in _project_fields():
        key = limits.field_key(field)
        if isinstance(field, models.CharField | models.TextField) and key not in limits.SYSTEM_WRITTEN:
            bound = limits.text_bound(field)
            if bound is None or bound > limits.text_limits()["long"]:
                unbounded.append(key)
                continue
            too_long = model()
            setattr(too_long, field.attname, "字" * (bound + 1))
            if field.name not in limits.bounds_errors(too_long):
                unbounded.append(key)
        if isinstance(field, models.DateField):
            far = model()
            value = dt.date(9999, 12, 31)
            if isinstance(field, models.DateTimeField):
                value = dt.datetime(9999, 12, 31, tzinfo=dt.UTC)
            setattr(far, field.attname, value)
            if field.name not in limits.bounds_errors(far):
                unbounded.append(key)
    assert unbounded == []
    stale = [key for key in limits.SYSTEM_WRITTEN if not _exists(key)]
    assert stale == []


def _exists(key):
    app_label, model_name, field_name = key.split(".")
    try:
        apps.get_model(app_label, model_name)._meta.get_field(field_name)
    except LookupError:
        return False
    return True


def test_the_kinds_and_the_window_come_from_one_setting(settings):
    field = Problem._meta.get_field("background")
    assert limits.text_bound(field) == 50000
    settings.XIETONG_TEXT_LIMITS = {"subject": 200, "short": 2000, "long": 300}
    assert limits.text_bound(field) == 300
    assert limits.text_bound(Meeting._meta.get_field("cancel_reason")) == 2000  # a reason is short text
    assert limits.text_bound(Meeting._meta.get_field("title")) == 120  # its own column's width
    settings.XIETONG_DATE_WINDOW_YEARS = 1
    with time_machine.travel(at("2026-03-02 11:00"), tick=False), translation.override("zh-hans"):
        message = limits.value_error(Task._meta.get_field("end_date"), dt.date(2027, 3, 3))
    assert message == "「结束时间」2027-03-03 超出允许范围：须在 2025-03-02 至 2027-03-02 之间（今天前后 1 年内）"


def test_a_task_saved_by_any_path_refuses_a_date_out_of_the_window(company):
    _request, _breakdown, task = _published_task(company)
    with time_machine.travel(at("2026-03-02 11:00"), tick=False):
        for day in (dt.date(1, 1, 1), dt.date(2999, 12, 31), dt.date(9999, 12, 31)):
            task.end_date = day
            with pytest.raises(limits.OutOfBounds) as refused, transaction.atomic():
                task.save()
            assert refused.value.fields == {
                "end_date": f"「结束时间」{day.isoformat()} 超出允许范围：须在 2006-03-02 至 2046-03-02 之间（今天前后 20 年内）"
            }
    task.refresh_from_db()
    assert task.end_date.year == 2026


def _problem_payload(company, **changes):
    return {
        "title": "客服工单系统高峰期响应缓慢",
        "project_id": company.project("service-response").pk,
        "background": "咨询量翻倍",
        "current_state": "打开工单 12 秒",
        "impact": "客服部",
        "urgency": "high",
        "expected_date": "2026-03-20",
        **changes,
    }


def test_the_api_answers_422_naming_the_field_for_5_mb_of_text(company, client_for):
    client = client_for("caojing")
    with time_machine.travel(at("2026-03-02 11:00"), tick=False):
        response = client.post(
            "/api/problems/", _problem_payload(company, background=FIVE_MB), content_type="application/json"
        )
    assert response.status_code == 422
    assert response.status_code == 422 and list(response.json()["fields"]) == ["background"]
    assert not Problem.objects.exists()
    # Whatever path writes it, the model refuses it, even one no form or schema guards.
    _request, _breakdown, task = _published_task(company)
    task.content = FIVE_MB
    with pytest.raises(limits.OutOfBounds) as refused, transaction.atomic():
        task.save()
    assert refused.value.fields == {"content": f"「具体内容」最多 50000 个字，现有 {len(FIVE_MB)} 个字"}
    assert refused.value.status == 422


def test_the_api_refuses_a_date_out_of_the_window_and_control_characters(company, client_for):
    client = client_for("caojing")
    with time_machine.travel(at("2026-03-02 11:00"), tick=False):
        far = client.post(
            "/api/problems/", _problem_payload(company, expected_date="2999-12-31"), content_type="application/json"
        )
        nul = client.post(
            "/api/problems/", _problem_payload(company, impact="客服部\x00"), content_type="application/json"
        )
    assert far.status_code == 422 and list(far.json()["fields"]) == ["expected_date"]
    assert far.json()["fields"]["expected_date"] == (
        "「期望解决时间」2999-12-31 超出允许范围：须在 2006-03-02 至 2046-03-02 之间（今天前后 20 年内）"
    )
    assert nul.status_code == 422
    assert nul.json()["fields"] == {"impact": "「影响范围」含有不可见的控制字符，请删除后重试"}
    assert not Problem.objects.exists()


def test_the_api_refuses_a_line_break_in_a_meeting_title(company, client_for):
    payload = {
        "title": "智能手表项目-评审会\r\n第二行",
        "project_id": company.project("smartwatch").pk,
        "meeting_type_id": meeting_type().pk,
        "start_at": "2026-03-10T10:00:00+08:00",
        "end_at": "2026-03-10T11:30:00+08:00",
        "room_id": room().pk,
        "participant_ids": [company.person("lina").pk],
        "goal": "确定方案",
        "agenda": ["方案介绍"],
    }
    with time_machine.travel(at("2026-03-03 10:00"), tick=False):
        response = client_for("guoxin").post("/api/meetings/", payload, content_type="application/json")
    assert response.status_code == 422
    assert response.json()["fields"] == {"title": "「主题」只能写一行，不能换行"}
    assert not Meeting.objects.exists()


def test_a_page_shows_the_limit_at_its_field_and_keeps_what_was_typed(company, client_for):
    text = "双十一预热期间客服咨询量翻倍。"
    data = {
        "title": "客服工单系统高峰期响应缓慢",
        "project": company.project("service-response").pk,
        "urgency": "high",
        "expected_date": "2999-12-31",
        "background": text,
        "current_state": "高峰期打开工单平均需 12 秒",
        "impact": "客服部全员",
    }
    with time_machine.travel(at("2026-03-02 11:00"), tick=False):
        page = client_for("caojing").post("/problems/new/", data)
    assert page.status_code == 200
    form = page.context["form"]
    assert form.errors["expected_date"] == [
        "「期望解决时间」2999-12-31 超出允许范围：须在 2006-03-02 至 2046-03-02 之间（今天前后 20 年内）"
    ]
    assert form["background"].value() == text and form["impact"].value() == "客服部全员"
    assert "2046-03-02" in page.content.decode()
    assert not Problem.objects.exists()


def test_a_save_checks_the_limits_configured_now_not_those_of_its_first_save(settings):
    """The bounds of a model are worked out once per configuration (core.limits._bounds_of), not once for all."""
    problem = Problem(title="客服工单系统高峰期响应缓慢", background="慢" * 400)
    assert limits.bounds_errors(problem) == {}
    settings.XIETONG_TEXT_LIMITS = {"subject": 200, "short": 2000, "long": 300}
    assert set(limits.bounds_errors(problem)) == {"background"}
    assert limits.bounds_errors(problem)["background"] == limits.value_error(
        Problem._meta.get_field("background"), problem.background
    )
    settings.XIETONG_TEXT_LIMITS = {"subject": 200, "short": 2000, "long": 50000}
    assert limits.bounds_errors(problem) == {}
