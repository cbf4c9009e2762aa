"""A request names every department that takes part (参与部门及职责: 部门/对接人：职责); each department's head
has 2 working days from receipt to confirm (签字) on the platform, a clock of their own; work cannot start and
the breakdown cannot be published before every head has signed; a department names its own 协作负责人."""

import datetime as dt
import re
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.apps import apps
from django.db import transaction

from xietong.clocks.models import Clock
from xietong.core.errors import ApplicationError, Forbidden, NotFound
from xietong.core.models import AuditEvent
from xietong.items.runner import run_step
from xietong.notify.models import InboxMessage
from xietong.requests.models import Participation, Request
from xietong.requests.participants import participants_parse
from xietong.requests.services import request_create, request_update

SH = ZoneInfo("Asia/Shanghai")
DEPARTMENTS = "市场部/罗倩：提供3月-4月用户调研原始数据\n生产部：评估量产可行性，派1名工程师参与评审会议"


def at(text: str) -> dt.datetime:
    return dt.datetime.fromisoformat(text).replace(tzinfo=SH)


def new_request(company, *, when="2026-09-30 17:30", departments=DEPARTMENTS, submit=True):
    taking, problem = participants_parse(departments)
    assert problem == ""
    with time_machine.travel(at(when), tick=False), transaction.atomic():
        return request_create(
            actor=company.person("guoxin"),
            criteria=["待机续航≥5天"],
            submit=submit,
            participants=taking,
            title="智能手表项目-硬件方案评审",
            project=company.project("smartwatch"),
            receiving_department=company.department("rd-hardware"),
            receiver=None,
            background="保证硬件方案满足成本控制与用户体验目标",
            goal="确认用户调研数据，评估量产可行性",
            content="1. 市场部提供调研数据；2. 生产部评估量产可行性",
            expected_date=dt.date(2026, 11, 30),
            priority="medium",
        )


def act(company, item, username, step, when, **kwargs):
    with time_machine.travel(at(when), tick=False), transaction.atomic():
        return run_step(actor=company.person(username), item=item, step=step, **kwargs)


def sign_clocks(request):
    rows = Participation.objects.filter(request=request)
    return {
        c.owner.username: c.due_at
        for c in Clock.objects.filter(
            subject_type="requests.participation", subject_id__in=rows.values("pk"), kind="sign", state="armed"
        )
    }


def test_each_participating_head_has_two_working_days_over_national_day_to_sign(company):
    request = new_request(company)
    rows = list(request.participations.order_by("position"))
    assert [(p.department.name, getattr(p.contact, "name", None), p.duties, p.state) for p in rows] == [
        ("硬件研发部", None, "", "awaiting"),
        ("市场部", "罗倩", "提供3月-4月用户调研原始数据", "awaiting"),
        ("生产部", None, "评估量产可行性，派1名工程师参与评审会议", "awaiting"),
    ]
    # Received Wednesday 9/30 17:30; 国庆 10/1–10/7; 2 working days end Friday 10/9 17:30.
    assert sign_clocks(request) == {"gaofeng": at("2026-10-09 17:30"), "xieqiang": at("2026-10-09 17:30")}
    assert InboxMessage.objects.get(recipient__username="xieqiang").notification.title == (
        "【待签字】XQ-2026-0001 智能手表项目-硬件方案评审"
    )
    body = InboxMessage.objects.get(recipient__username="gaofeng").notification.body
    assert body == (
        "市场部 是本需求的参与部门，职责：提供3月-4月用户调研原始数据。请在 10月9日 17:30 前（2 个工作日内）"
        "完成内部评估并在平台确认签字。"
    )


def test_received_on_friday_before_the_tiaoxiu_saturday_the_saturday_counts(company):
    request = new_request(company, when="2026-10-09 10:00")
    # Saturday 10/10 is a working day (调休): Friday 10:00 + 2 working days = Monday 10/12 10:00.
    assert sign_clocks(request) == {"gaofeng": at("2026-10-12 10:00"), "xieqiang": at("2026-10-12 10:00")}


def test_only_the_departments_head_signs_and_the_signature_is_on_the_requests_history(company):
    request = new_request(company)
    production = request.participations.get(department__code="production")
    with pytest.raises(NotFound):  # not taking part: the request is out of his sight
        act(company, production, "yuhai", "confirm", "2026-10-08 09:30")
    with pytest.raises(Forbidden, match="只有生产部负责人可以为本部门签字"):  # 市场部's contact sees it
        act(company, production, "luoqian", "confirm", "2026-10-08 09:30")
    act(company, production, "xieqiang", "confirm", "2026-10-08 09:30")
    production.refresh_from_db()
    assert (production.state, production.confirmed_by.username, production.confirmed_at) == (
        "confirmed",
        "xieqiang",
        at("2026-10-08 09:30"),
    )
    clock = Clock.objects.get(subject_type="requests.participation", subject_id=production.pk, kind="sign")
    assert (clock.state, clock.met_at) == ("cancelled", at("2026-10-08 09:30"))  # met on time, stops
    event = AuditEvent.objects.filter(object_type="requests.request", object_id=str(request.pk)).latest("id")
    assert event.action == "participation.confirm"
    assert event.after["department"] == "生产部"


def test_work_cannot_start_until_every_participating_head_has_signed(company):
    request = new_request(company)
    act(company, request, "zhaolei", "accept", "2026-10-08 10:00")
    act(company, Request.objects.get(pk=request.pk), "guoxin", "sign", "2026-10-08 10:05")
    act(company, Request.objects.get(pk=request.pk), "zhaolei", "sign", "2026-10-08 10:10")
    # The receiving side's signature is its department's.
    assert request.participations.get(department__code="rd-hardware").state == "confirmed"
    act(company, request.participations.get(department__code="marketing"), "gaofeng", "confirm", "2026-10-08 11:00")
    with pytest.raises(ApplicationError) as refused:
        act(company, Request.objects.get(pk=request.pk), "guoxin", "start", "2026-10-08 11:30")
    assert refused.value.message == "以下参与部门负责人尚未签字：生产部（谢强）"
    act(company, request.participations.get(department__code="production"), "xieqiang", "confirm", "2026-10-08 14:00")
    act(company, Request.objects.get(pk=request.pk), "guoxin", "start", "2026-10-08 14:30")
    assert Request.objects.get(pk=request.pk).state == "in_progress"


def test_a_department_names_its_own_coordinator_audited_and_they_see_the_request(company):
    request = new_request(company)
    production = request.participations.get(department__code="production")
    with pytest.raises(ApplicationError) as refused:
        act(
            company,
            production,
            "xieqiang",
            "name_coordinator",
            "2026-10-08 09:00",
            inputs={"coordinator": company.person("luoqian")},
        )
    assert refused.value.fields == {"coordinator": "罗倩 不属于“生产部”"}
    assert not Request.objects.restrict(company.person("yuhai")).filter(pk=request.pk).exists()
    act(
        company,
        production,
        "xieqiang",
        "name_coordinator",
        "2026-10-08 09:00",
        inputs={"coordinator": company.person("yuhai")},
    )
    production.refresh_from_db()
    assert production.coordinator.username == "yuhai"
    event = AuditEvent.objects.filter(action="participation.name_coordinator").get()
    assert (event.before, event.after["coordinator"]) == ({"participation": "awaiting", "coordinator": ""}, "于海")
    assert Request.objects.restrict(company.person("yuhai")).filter(pk=request.pk).exists()
    assert InboxMessage.objects.get(recipient__username="yuhai").notification.title == (
        "【协作负责人】XQ-2026-0001 智能手表项目-硬件方案评审"
    )


def test_withdrawing_the_request_withdraws_the_departments_and_stops_their_clocks(company):
    request = new_request(company)
    act(company, request, "guoxin", "withdraw", "2026-10-08 09:00", reason="项目暂停")
    assert set(request.participations.values_list("state", flat=True)) == {"withdrawn"}
    assert not Clock.objects.filter(subject_type="requests.participation", state="armed").exists()


def test_editing_a_sent_back_request_adds_and_withdraws_departments(company):
    request = new_request(company)
    act(company, request, "zhaolei", "request_changes", "2026-10-08 10:00", reason="请补充销售部的渠道数据")
    taking, _ = participants_parse("市场部/罗倩：提供用户调研数据\n销售部：提供渠道数据")
    request = Request.objects.get(pk=request.pk)
    with time_machine.travel(at("2026-10-08 11:00"), tick=False), transaction.atomic():
        request_update(
            actor=company.person("guoxin"),
            request=request,
            expected_version=request.version,
            criteria=["待机续航≥5天"],
            participants=taking,
        )
    states = dict(request.participations.values_list("department__name", "state"))
    assert states == {"硬件研发部": "awaiting", "市场部": "awaiting", "生产部": "withdrawn", "销售部": "draft"}
    act(company, Request.objects.get(pk=request.pk), "guoxin", "submit", "2026-10-08 11:05")
    assert sign_clocks(request) == {
        "gaofeng": at("2026-10-09 17:30"),
        "songtao": at("2026-10-10 11:05"),
    }  # 调休 Saturday


@pytest.mark.parametrize(
    ("text", "problem"),
    [
        (
            "市场部 提供数据",
            "第 1 行“市场部 提供数据”格式不对：请写成“部门/对接人：职责”，如“市场部/罗倩：提供用户调研数据”",
        ),
        ("市场部：提供数据\n公关部：发布新闻稿", "第 2 行：没有名为“公关部”的部门"),
        ("市场部/于海：提供数据", "第 1 行：“市场部”没有名为“于海”的在职人员"),
        ("市场部：提供数据\n市场部：再提供一次", "第 2 行：“市场部”重复列出"),
    ],
)
def test_departments_typed_wrongly_are_refused_with_the_line_named(company, text, problem):
    assert participants_parse(text) == ([], problem)


def test_existing_requests_get_their_receiver_as_the_one_participating_department(company):
    from importlib import import_module

    migration = import_module("xietong.requests.migrations.0002_participation")
    request = new_request(company, departments="")
    act(company, request, "zhaolei", "accept", "2026-10-08 10:00")
    act(company, Request.objects.get(pk=request.pk), "zhaolei", "sign", "2026-10-08 10:10")
    draft = new_request(company, departments="", submit=False)
    Participation.objects.all().delete()
    migration.receiver_takes_part(apps, None)
    rows = {p.request_id: p for p in Participation.objects.select_related("confirmed_by")}
    assert (rows[request.pk].department.code, rows[request.pk].state, rows[request.pk].confirmed_by.username) == (
        "rd-hardware",
        "confirmed",
        "zhaolei",
    )
    assert rows[request.pk].confirmed_at == at("2026-10-08 10:10")
    assert (rows[draft.pk].department.code, rows[draft.pk].state) == ("rd-hardware", "draft")


def test_a_coordinator_named_from_a_stale_page_comes_back_chosen_with_the_conflict_at_the_row(company, client_for):
    request = new_request(company)
    production = request.participations.get(department__code="production")
    xieqiang = client_for("xieqiang")
    url = f"/requests/{request.pk}/departments/{production.pk}/coordinator/"
    stale = {"coordinator": company.person("yuhai").pk, "version": production.version - 1}
    with time_machine.travel(at("2026-10-08 09:00"), tick=False):
        refused = xieqiang.post(url, stale)
        page = xieqiang.get(refused["Location"]).content.decode()
        again = xieqiang.get(refused["Location"]).content.decode()
    row = page.split('id="participants"', 1)[1].split("</section>", 1)[0]
    assert '<p class="field-error" role="alert">该记录已被他人修改，页面已更新为最新内容：请核对后再提交</p>' in row
    assert "<details open>" in row
    chosen = re.findall(r'<option value="(\d+)" selected>', row)
    assert chosen == [str(company.person("yuhai").pk)]
    assert Participation.objects.get(pk=production.pk).coordinator is None
    assert "<details open>" not in again.split('id="participants"', 1)[1].split("</section>", 1)[0]
