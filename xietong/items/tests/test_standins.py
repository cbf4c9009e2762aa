"""代理 and 离职交接 on the process spine: while 李娜 is on leave her stand-in takes her steps (recorded as
"王强 代 李娜"); when she leaves the company, everything she answers for passes to her successor in one
audited transaction and nothing is left owned by someone who cannot sign in."""

import datetime as dt

import pytest
import time_machine
from django.db import transaction

from xietong.clocks.models import Clock
from xietong.core.errors import Forbidden, NotFound
from xietong.core.models import AuditEvent
from xietong.items.guard import StateWriteOutsideRunner
from xietong.items.handover import open_items_owned_by, person_hand_over, still_answers_for
from xietong.items.runner import run_step
from xietong.items.selectors import timeline
from xietong.notify.models import InboxMessage
from xietong.org.models import Department, Person, Project
from xietong.org.services import absence_set
from xietong.requests.models import Request
from xietong.requests.tests.test_request_flow import at, new_request


def leave(company, who: str, stand_in: str, start: str, end: str, *, by: str | None = None):
    with time_machine.travel(at("2026-09-25 10:00"), tick=False), transaction.atomic():
        return absence_set(
            actor=company.person(by or who),
            person=company.person(who),
            stand_in=company.person(stand_in),
            starts_at=at(start),
            ends_at=at(end),
            reason="国庆休假",
        )


def take(company, username: str, request, step: str, when: str):
    with time_machine.travel(at(when), tick=False), transaction.atomic():
        return run_step(actor=Person.objects.get(username=username), item=request, step=step)


def test_a_stand_in_acknowledges_for_the_receiver_on_leave_and_the_record_says_so(company):
    # 李娜 is away over 国庆 until Friday 10/9 09:00; 赵磊 (硬件研发部) stands in for her.
    leave(company, "lina", "zhaolei", "2026-09-30 18:00", "2026-10-09 09:00")
    request = new_request(company, when="2026-09-30 17:30")

    acknowledged = take(company, "zhaolei", request, "acknowledge", "2026-10-08 09:20")

    assert acknowledged.state == "acknowledged"
    event = AuditEvent.objects.get(action="request.acknowledge")
    assert event.actor.username == "zhaolei"
    assert (event.after["acting_for"], event.after["acting_for_name"]) == (company.person("lina").pk, "李娜")
    entry = next(e for e in timeline(acknowledged) if e.event.action == "request.acknowledge")
    assert entry.actor_text == "赵磊 代 李娜"
    respond = Clock.objects.get(subject_id=request.pk, kind="respond")
    assert respond.met_at == at("2026-10-08 09:20")


def test_a_stand_in_sees_the_absent_persons_items_only_while_the_absence_lasts(company):
    # 冯静 (财务部) is in no project: only standing in for 李娜 puts the request within her reach.
    leave(company, "lina", "fengjing", "2026-09-30 18:00", "2026-10-09 09:00")
    request = new_request(company, when="2026-09-30 17:30")
    with pytest.raises(NotFound):
        take(company, "fengjing", request, "acknowledge", "2026-09-30 17:45")  # not yet away
    with time_machine.travel(at("2026-10-08 10:00"), tick=False):
        assert Request.objects.restrict(company.person("fengjing")).filter(pk=request.pk).exists()
    with pytest.raises(NotFound):
        take(company, "fengjing", request, "accept", "2026-10-09 09:00")  # back at work: out of reach again


def test_someone_who_stands_in_for_nobody_cannot_take_the_step(company):
    request = new_request(company, when="2026-09-30 17:30")
    with pytest.raises(Forbidden):
        take(company, "wangqiang", request, "acknowledge", "2026-10-08 09:20")  # same project, not the receiver


def test_a_department_head_sets_a_stand_in_for_her_engineer_but_not_for_her_manager(company):
    absence = leave(company, "wangqiang", "liuyang", "2026-10-08 09:00", "2026-10-10 18:00", by="lina")
    assert absence.set_by.username == "lina"
    with pytest.raises(Forbidden):
        leave(company, "zhangwei", "liuyang", "2026-10-08 09:00", "2026-10-10 18:00", by="lina")


def test_leaving_hands_over_open_requests_clocks_and_roles_to_the_successor(company):
    request = new_request(company, when="2026-09-30 17:30")  # 李娜 must answer by 10/8 10:30
    admin = company.person("admin")
    lina, chenjing = company.person("lina"), company.person("chenjing")
    assert still_answers_for(lina) == "1 个进行中的事项、3 个时限"

    with time_machine.travel(at("2026-10-08 09:00"), tick=False), transaction.atomic():
        report = person_hand_over(actor=admin, person=lina, successor=chenjing)

    assert report.items == {"requests.request": 1}
    assert report.departments == ["软件开发部"] and report.projects == ["2026年Q4产品迭代"]
    request = Request.objects.get(pk=request.pk)
    assert request.receiver.username == "chenjing" and request.state == "submitted"
    assert not Person.objects.get(username="lina").is_active
    assert Department.objects.get(code="rd-software").head.username == "chenjing"
    assert Project.objects.get(code="q4-iteration").lead.username == "chenjing"
    # Nothing left with someone who cannot sign in: no open item names her, no open clock is hers.
    assert open_items_owned_by(lina) == []
    assert not Clock.objects.filter(closed_at__isnull=True, owner__is_active=False).exists()
    assert set(
        Clock.objects.filter(subject_id=request.pk, state="armed").values_list("owner__username", flat=True)
    ) == {"chenjing"}
    event = AuditEvent.objects.get(action="request.hand_over")
    assert (event.after["from_name"], event.after["to_name"], event.after["fields"]) == ("李娜", "陈静", ["receiver"])
    assert AuditEvent.objects.get(action="org.person.hand_over").after["items"] == {"requests.request": 1}
    assert InboxMessage.objects.filter(
        recipient=chenjing, notification__title="【移交】XQ-2026-0001 智能手表项目-续航优化方案评审"
    ).exists()
    # The successor answers the request as its receiver now.
    assert take(company, "chenjing", request, "acknowledge", "2026-10-08 09:30").state == "acknowledged"


def test_an_account_with_open_work_cannot_be_switched_off_in_the_admin_without_a_hand_over(company, client_for):
    new_request(company, when="2026-09-30 17:30")
    lina = company.person("lina")
    admin = client_for("admin")
    page = admin.get(f"/admin/org/person/{lina.pk}/change/")
    form = page.context["adminform"].form
    data = {k: v for k, v in form.initial.items() if v is not None and not isinstance(v, list | dt.datetime)}
    data.update(
        {
            "username": "lina",
            "is_active": "",
            "date_joined_0": "2026-01-01",
            "date_joined_1": "09:00:00",
            "department": lina.department_id,
        }
    )
    response = admin.post(f"/admin/org/person/{lina.pk}/change/", data)
    assert response.status_code == 200
    assert "仍有未移交的工作（1 个进行中的事项、3 个时限）" in response.content.decode()
    assert Person.objects.get(pk=lina.pk).is_active


def test_saving_a_state_outside_the_runner_is_refused(company):
    request = new_request(company, when="2026-09-30 17:30")
    request = Request.objects.get(pk=request.pk)
    request.state = "accepted"
    with pytest.raises(StateWriteOutsideRunner), transaction.atomic():
        request.save()
    with pytest.raises(StateWriteOutsideRunner), transaction.atomic():
        Request.objects.filter(pk=request.pk).update(state="closed")
