"""After 接收确认 the receiving side evaluates within 2 working days of receiving the request (可行性, 资源:
人力/时间/权限, 初步时间节点); the answers make the 需求确认函; an evaluation left open reminds and escalates."""

import pytest
import time_machine
from django.db import transaction

from xietong.clocks.models import Clock
from xietong.clocks.services import clock_fire_due
from xietong.core.errors import ApplicationError
from xietong.items.runner import run_step
from xietong.notify.models import InboxMessage
from xietong.requests.models import Request
from xietong.requests.tests.test_participating_departments import at, new_request

ANSWERS = {
    "feasibility": "adjust",
    "resource_people": "硬件研发部2人、生产部工程师1人",
    "resource_time": "需3周，与Q4量产排期冲突1周",
    "resource_access": "需开通市场部调研数据读取权限",
    "schedule": "方案初稿：第10个工作日；联合评审：第12个工作日；验收：第15个工作日",
}


def act(company, request, username, step, when, **kwargs):
    with time_machine.travel(at(when), tick=False), transaction.atomic():
        return run_step(actor=company.person(username), item=Request.objects.get(pk=request.pk), step=step, **kwargs)


def evaluate_clocks(request):
    return {
        c.kind: c.due_at
        for c in Clock.objects.filter(subject_type="requests.request", subject_id=request.pk, limit="evaluate")
    }


def test_evaluation_is_due_two_working_days_after_receipt_across_national_day(company):
    request = new_request(company, departments="")
    act(company, request, "zhaolei", "acknowledge", "2026-10-08 09:30")
    # Received Wednesday 9/30 17:30, 国庆 10/1–10/7: due Friday 10/9 17:30; reminded 4 working hours before
    # (the lunch break does not count); escalated 1 working day after the deadline, on the 调休 Saturday.
    assert evaluate_clocks(request) == {
        "evaluate": at("2026-10-09 17:30"),
        "remind": at("2026-10-09 12:00"),
        "escalate": at("2026-10-10 17:30"),
    }


def test_an_evaluation_left_open_reminds_then_escalates_instead_of_waiting_forever(company):
    request = new_request(company, departments="")
    act(company, request, "zhaolei", "acknowledge", "2026-10-08 09:30")
    with time_machine.travel(at("2026-10-09 11:59"), tick=False):
        assert clock_fire_due() == 0
    with time_machine.travel(at("2026-10-09 12:00"), tick=False):
        assert clock_fire_due() == 1
    with time_machine.travel(at("2026-10-10 17:30"), tick=False):
        clock_fire_due()
    fired = Clock.objects.filter(subject_id=request.pk, limit="evaluate", state="fired")
    assert sorted(fired.values_list("kind", flat=True)) == ["escalate", "evaluate", "remind"]


def test_the_answers_are_all_required_and_make_the_confirmation_letter(company, client_for):
    request = new_request(company, departments="")
    act(company, request, "zhaolei", "acknowledge", "2026-10-08 09:30")
    with pytest.raises(ApplicationError) as refused:
        act(company, request, "zhaolei", "evaluate", "2026-10-08 15:00", inputs={**ANSWERS, "resource_access": " "})
    assert refused.value.fields == {"resource_access": "请填写资源：权限"}
    act(company, request, "zhaolei", "evaluate", "2026-10-08 15:00", inputs=ANSWERS)
    clock = Clock.objects.get(subject_id=request.pk, limit="evaluate", kind="evaluate")
    assert (clock.state, clock.met_at) == ("cancelled", at("2026-10-08 15:00"))
    assert InboxMessage.objects.filter(recipient__username="guoxin").latest("pk").notification.body == (
        "赵磊 已完成内部评估（可行性：调整后可行），需求确认函已生成。"
    )
    page = client_for("guoxin").get(f"/requests/{request.pk}/confirmation/").content.decode()
    for text in ("需求确认函", "调整后可行", "需开通市场部调研数据读取权限", "第15个工作日", "硬件研发部"):
        assert text in page


def test_the_letter_form_keeps_what_was_typed_and_shows_the_error_at_its_field(company, client_for):
    request = new_request(company, departments="")
    act(company, request, "zhaolei", "acknowledge", "2026-10-08 09:30")
    with time_machine.travel(at("2026-10-08 15:00"), tick=False):
        response = client_for("zhaolei").post(f"/requests/{request.pk}/confirmation/", {**ANSWERS, "schedule": ""})
    assert response.status_code == 200
    form = response.context["form"]
    assert form.errors == {"schedule": ["这个字段是必填项。"]}
    assert form["resource_time"].value() == "需3周，与Q4量产排期冲突1周"
    assert Request.objects.get(pk=request.pk).evaluated_at is None
    assert client_for("yuhai").get(f"/requests/{request.pk}/confirmation/").status_code == 404
