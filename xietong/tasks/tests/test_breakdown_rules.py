"""The breakdown as the documents state it: the 《协同任务分工表》 within 3 working days of the kickoff (001) and
the task notice within 1 working day (000 二（二）), each a clock counted from the kickoff's end that shows its
clause; every participating department's head signs the 分工表 and the RACI before it is published (a task in
each head's inbox and workbench, the refusal naming who is awaited, on the request's history); the notice
copies every participant and department head; each task carries its 完成标准."""

import datetime as dt
import io

import pytest
import time_machine
from django.db import transaction
from openpyxl import load_workbook

from xietong.clocks.models import Clock
from xietong.clocks.selectors import clock_views
from xietong.core.errors import ApplicationError, Forbidden, NotFound
from xietong.core.models import AuditEvent
from xietong.core.workbench import sections_for
from xietong.items.runner import run_step
from xietong.meetings.models import MeetingType
from xietong.meetings.services import meeting_create, meeting_transition
from xietong.notify.models import InboxMessage
from xietong.requests.models import Request
from xietong.requests.tests.test_participating_departments import at, new_request
from xietong.tasks.exports import breakdown_workbook
from xietong.tasks.models import Breakdown, Task
from xietong.tasks.services import (
    breakdown_open,
    breakdown_publish,
    breakdown_sign,
    breakdown_sign_ask,
    raci_set,
    task_create,
)

CRITERIA = "输出功耗测试报告，待机续航≥5天"


def act(company, item, username, step, when, **kwargs):
    with time_machine.travel(at(when), tick=False), transaction.atomic():
        return run_step(actor=company.person(username), item=item, step=step, **kwargs)


def accepted_request(company, when="2026-09-28 09:00"):
    """智能手表项目-硬件方案评审, with 市场部 and 生产部 taking part; accepted and confirmed by every department."""
    request = new_request(company, when=when)
    day = when[:10]
    act(company, request, "zhaolei", "accept", f"{day} 09:30")
    act(company, Request.objects.get(pk=request.pk), "guoxin", "sign", f"{day} 09:40")
    act(company, Request.objects.get(pk=request.pk), "zhaolei", "sign", f"{day} 09:50")
    act(company, request.participations.get(department__code="marketing"), "gaofeng", "confirm", f"{day} 10:00")
    act(company, request.participations.get(department__code="production"), "xieqiang", "confirm", f"{day} 10:10")
    return Request.objects.get(pk=request.pk)


def kickoff(company, request, *, start, end, sent="2026-09-28 11:00"):
    with time_machine.travel(at(sent), tick=False), transaction.atomic():
        meeting = meeting_create(
            actor=company.person("guoxin"),
            participants=[company.person(u) for u in ("zhaolei", "gaofeng", "xieqiang")],
            called_by=f"requests.request:{request.pk}",
            title="智能手表项目-硬件方案启动会",
            project=request.project,
            meeting_type=MeetingType.objects.get(code="kickoff"),
            start_at=at(start),
            end_at=at(end),
            mode="online",
            room=None,
            online_link="腾讯会议 731-204-556",
            goal="同步硬件方案的目标、分工及时间节点",
            agenda=["需求逐项说明", "分工与时间节点"],
        ).meeting
        return meeting_transition(actor=company.person("guoxin"), meeting=meeting, name="notify")


def breakdown_clocks(breakdown):
    """Each limit of the breakdown as its clock panel shows it: due, who must act, label, 依据."""
    return {v.clock.limit: (v.due_at, v.clock.owner.username, v.label, v.basis) for v in clock_views(breakdown)}


def on_breakdown(company, service, username, breakdown, when):
    with time_machine.travel(at(when), tick=False), transaction.atomic():
        return service(actor=company.person(username), breakdown=breakdown)


def add_task(company, breakdown, when, **more):
    data = dict(
        title="功耗基线测试",
        owner=company.person("zhaolei"),
        start_date=dt.date(2026, 10, 9),
        end_date=dt.date(2026, 10, 16),
        priority="high",
        completion_criteria=CRITERIA,
    )
    data.update(more)
    with time_machine.travel(at(when), tick=False), transaction.atomic():
        return task_create(actor=company.person("guoxin"), breakdown=breakdown, **data)


def test_the_kickoff_before_national_day_sets_the_breakdown_and_the_task_notice_with_their_clauses(company):
    request = accepted_request(company)
    kickoff(company, request, start="2026-09-30 14:00", end="2026-09-30 16:00")
    breakdown = Breakdown.objects.get(request=request)
    clocks = breakdown_clocks(breakdown)
    # Kickoff ends Wednesday 9/30 16:00 (2 working hours left that day); 国庆 10/1–10/7.
    # Task notice: 1 working day (7.5 h) → Thursday 10/8 16:00.
    # 分工表: 3 working days (22.5 h) → 10/8 (7.5) + 10/9 (7.5) + the 调休 Saturday 10/10 until 16:00.
    assert clocks == {
        "task_notice": (
            at("2026-10-08 16:00"),
            "guoxin",
            "任务通知",
            "依据：《企业沟通与协作流程规范》二（二）「启动会后1个工作日内,发起方通过企业协作平台(如钉钉/企业)发布任务通知,"
            "抄送所有相关人员及部门负责人」；另见：《多部门协同作业标准沟通流程》多部门协同沟通记录表模板"
            "「启动会后3个工作日《协同任务分工表》」（分工表本身的时限，见其规则）",
        ),
        "breakdown": (
            at("2026-10-10 16:00"),
            "guoxin",
            "分工表",
            "依据：《多部门协同作业标准沟通流程》多部门协同沟通记录表模板"
            "「方案制定与分工各部门负责人细化任务,明确RACI启动会后3个工作日《协同任务分工表》」",
        ),
    }


def test_a_kickoff_on_the_friday_before_the_tiaoxiu_saturday_counts_the_saturday(company):
    request = accepted_request(company, when="2026-10-08 09:00")
    kickoff(company, request, start="2026-10-09 16:00", end="2026-10-09 17:00", sent="2026-10-08 11:00")
    clocks = breakdown_clocks(Breakdown.objects.get(request=request))
    # Friday 10/9 17:00 (1 h left that day): the notice by Saturday 10/10 17:00 (a working day, 调休:
    # 9:00–12:00 and 13:30–17:00 make the other 6.5 h); the 分工表 by Tuesday 10/13 17:00 (Sat, Mon, Tue).
    assert clocks["task_notice"][0] == at("2026-10-10 17:00")
    assert clocks["breakdown"][0] == at("2026-10-13 17:00")


def test_every_participating_head_signs_before_publication_and_the_notice_copies_everyone(company):
    request = accepted_request(company)
    kickoff(company, request, start="2026-09-30 14:00", end="2026-09-30 16:00")
    breakdown = Breakdown.objects.get(request=request)
    task = add_task(company, breakdown, "2026-10-08 09:00", helpers=[company.person("huangmin")])

    # Published before anyone signed: refused, naming whose signature is awaited.
    with pytest.raises(ApplicationError) as refused:
        on_breakdown(company, breakdown_publish, "guoxin", breakdown, "2026-10-08 09:10")
    assert refused.value.message == (
        "发布前各参与部门负责人须在分工表及 RACI 上签字，尚待：硬件研发部（赵磊）、市场部（高峰）、生产部（谢强）"
    )

    # Sent for signature: each head finds it in the inbox and on the workbench.
    with time_machine.travel(at("2026-10-08 09:15"), tick=False), transaction.atomic():
        breakdown_sign_ask(actor=company.person("guoxin"), breakdown=breakdown)
    asked = InboxMessage.objects.filter(
        notification__title="【待签字】XQ-2026-0001 智能手表项目-硬件方案评审 任务分解表"
    )
    assert sorted(asked.values_list("recipient__username", flat=True)) == ["gaofeng", "xieqiang", "zhaolei"]
    with time_machine.travel(at("2026-10-08 09:20"), tick=False):
        section = next(s for s in sections_for(company.person("xieqiang")) if s.key == "breakdown-signatures")
    assert [(e.title, e.url) for e in section.entries] == [
        ("XQ-2026-0001 智能手表项目-硬件方案评审", f"/tasks/breakdown/{request.pk}/")
    ]

    # Someone outside the request cannot see it; a contact who is not the head may not sign.
    with pytest.raises(NotFound), time_machine.travel(at("2026-10-08 09:30"), tick=False), transaction.atomic():
        breakdown_sign(actor=company.person("yuhai"), breakdown=breakdown)
    with pytest.raises(Forbidden) as refused_sign:
        on_breakdown(company, breakdown_sign, "luoqian", breakdown, "2026-10-08 09:30")
    assert str(refused_sign.value) == (
        "只有尚未签字的参与部门负责人可以签字，尚待：硬件研发部（赵磊）、市场部（高峰）、生产部（谢强）"
    )

    with time_machine.travel(at("2026-10-08 10:00"), tick=False), transaction.atomic():
        breakdown_sign(actor=company.person("gaofeng"), breakdown=breakdown)
    event = AuditEvent.objects.filter(object_type="requests.request", object_id=str(request.pk)).latest("id")
    assert (event.action, event.actor_label, event.after["departments"]) == ("breakdown.sign", "高峰", ["市场部"])

    # The RACI changes after 高峰 signed: what she signed is void; she signs again.
    with time_machine.travel(at("2026-10-08 10:30"), tick=False), transaction.atomic():
        raci_set(
            actor=company.person("guoxin"),
            task=task,
            assignments={
                company.person("zhaolei").pk: {"A", "R"},
                company.person("huangmin").pk: {"R"},
                company.person("gaofeng").pk: {"C"},
                company.person("guoxin").pk: {"I"},
            },
        )
    void = AuditEvent.objects.get(action="breakdown.signatures_void")
    assert void.before == {"signatures": ["市场部（高峰）"]}
    for username, when in (("zhaolei", "10:40"), ("gaofeng", "10:50")):
        with time_machine.travel(at(f"2026-10-08 {when}"), tick=False), transaction.atomic():
            breakdown_sign(actor=company.person(username), breakdown=breakdown)
    with pytest.raises(ApplicationError) as still:
        on_breakdown(company, breakdown_publish, "guoxin", breakdown, "2026-10-08 11:00")
    assert still.value.message.endswith("尚待：生产部（谢强）")
    with time_machine.travel(at("2026-10-08 11:10"), tick=False), transaction.atomic():
        breakdown_sign(actor=company.person("xieqiang"), breakdown=breakdown)
    assert [
        e.key for e in sections_for(company.person("xieqiang")) if e.key == "breakdown-signatures"
    ] == []  # nothing left to sign

    with time_machine.travel(at("2026-10-08 11:30"), tick=False), transaction.atomic():
        breakdown_publish(actor=company.person("guoxin"), breakdown=breakdown)
    # Within both limits: the clocks are met.
    met = Clock.objects.filter(
        subject_type="tasks.breakdown", subject_id=breakdown.pk, kind__in=["breakdown", "task_notice"]
    )
    assert {(c.limit, c.met_at) for c in met} == {
        ("breakdown", at("2026-10-08 11:30")),
        ("task_notice", at("2026-10-08 11:30")),
    }
    # 任务通知, 抄送所有相关人员及部门负责人: the task's people (owner, helper, each RACI letter), both sides,
    # every participating department's contact and head.
    notice = InboxMessage.objects.filter(notification__title="【任务通知】XQ-2026-0001 智能手表项目-硬件方案评审")
    assert sorted(notice.values_list("recipient__username", flat=True)) == sorted(
        ["zhaolei", "huangmin", "gaofeng", "guoxin", "luoqian", "xieqiang", "hujun"]
    )
    assert notice.first().notification.body == (
        "任务分解表已发布，共 1 个任务：1. 功耗基线测试（负责人：赵磊，2026-10-09 ~ 2026-10-16）。"
    )


def test_each_task_carries_its_completion_criteria(company, client_for):
    request = accepted_request(company)
    with time_machine.travel(at("2026-09-28 11:00"), tick=False), transaction.atomic():
        breakdown = breakdown_open(actor=company.person("guoxin"), request=request)
    with pytest.raises(ApplicationError) as refused:
        add_task(company, breakdown, "2026-09-28 11:00", completion_criteria="  ")
    assert refused.value.fields == {"completion_criteria": "请填写完成标准，如“输出功耗测试报告，待机续航≥5天”"}

    client = client_for("guoxin")
    with time_machine.travel(at("2026-09-28 11:05"), tick=False):
        page = client.post(
            f"/tasks/breakdown/{request.pk}/",
            {
                "title": "功耗基线测试",
                "owner": company.person("zhaolei").pk,
                "start_date": "2026-10-09",
                "end_date": "2026-10-16",
                "priority": "high",
                "completion_criteria": "",
            },
        )
    assert page.status_code == 200
    html = page.content.decode()
    assert "请填写完成标准，如“输出功耗测试报告，待机续航≥5天”" in html
    assert 'value="功耗基线测试"' in html  # what was typed stays

    task = add_task(company, breakdown, "2026-09-28 11:10")
    assert Task.objects.get(pk=task.pk).completion_criteria == CRITERIA
    with time_machine.travel(at("2026-09-28 11:15"), tick=False):
        assert CRITERIA in client.get(f"/tasks/{task.pk}/").content.decode()
        assert CRITERIA in client.get(f"/tasks/breakdown/{request.pk}/").content.decode()
    sheet = load_workbook(io.BytesIO(breakdown_workbook(breakdown))).active
    assert [c.value for c in sheet[3]][:5] == ["序号", "任务名称", "具体内容", "完成标准", "负责人"]
    assert [c.value for c in sheet[4]][3] == CRITERIA
