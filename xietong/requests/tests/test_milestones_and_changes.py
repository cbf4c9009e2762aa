"""关键时间节点 and 需求变更 (issue 20): a request's key nodes — dated, or the N-th working day from a start as
《多部门协同作业标准沟通流程》 counts them (第10/12/15个工作日) — are clocks with reminders and the clause on every
message; dependent dates closer than the buffer policy (预留1-2天缓冲期) are flagged; after acceptance a change is a
需求变更 with its diff, sent to every participant, each of whom confirms 已阅, its dates re-planned, its versions
kept. Instants across 国庆 2026 (10/1–10/7 off, 10/8 back) and the 调休 Saturday 10/10."""

import datetime as dt
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.db import transaction

from xietong.clocks.models import Clock, ClockPolicy
from xietong.clocks.services import clock_fire_due
from xietong.clocks.tests.test_rule_sources import document
from xietong.core.errors import ApplicationError, Forbidden, NotFound
from xietong.core.models import AuditEvent
from xietong.items.runner import run_step
from xietong.notify.models import InboxMessage
from xietong.requests.changes import change_request
from xietong.requests.milestones import BUFFER_CLAUSE, DUE_CLAUSE, buffer_warnings, milestone_add, workday_date
from xietong.requests.models import ChangeReceipt, Milestone, Request, RequestVersion
from xietong.requests.participants import participants_parse
from xietong.requests.services import request_create

SH = ZoneInfo("Asia/Shanghai")
D = dt.date
DEPARTMENTS = "市场部/罗倩：提供3月-4月用户调研原始数据\n生产部：评估量产可行性，派1名工程师参与评审会议"


def at(text: str) -> dt.datetime:
    return dt.datetime.fromisoformat(text).replace(tzinfo=SH)


def act(company, item, username, step, when, **kwargs):
    with time_machine.travel(at(when), tick=False), transaction.atomic():
        return run_step(actor=company.person(username), item=item, step=step, **kwargs)


def accepted_request(company) -> Request:
    """郭鑫 (产品部) asks 硬件研发部 on Friday 9/25, with 市场部 and 生产部 taking part; 赵磊 accepts on Monday 9/28."""
    taking, problem = participants_parse(DEPARTMENTS)
    assert problem == ""
    with time_machine.travel(at("2026-09-25 10:00"), tick=False), transaction.atomic():
        request = request_create(
            actor=company.person("guoxin"),
            criteria=["待机续航≥5天"],
            submit=True,
            participants=taking,
            title="智能手表项目-硬件方案评审",
            project=company.project("smartwatch"),
            receiving_department=company.department("rd-hardware"),
            receiver=None,
            background="保证硬件方案满足成本控制与用户体验目标",
            goal="确认用户调研数据，评估量产可行性",
            content="1. 市场部提供调研数据；2. 生产部评估量产可行性",
            expected_date=D(2026, 10, 30),
            priority="medium",
        )
    act(company, request, "zhaolei", "accept", "2026-09-28 09:30")
    return Request.objects.get(pk=request.pk)


def add(company, request, username="guoxin", when="2026-09-28 10:00", **data):
    with time_machine.travel(at(when), tick=False), transaction.atomic():
        return milestone_add(actor=company.person(username), request=request, **data)


def clocks(node):
    return {
        c.kind: c.due_at
        for c in Clock.objects.filter(subject_type="requests.milestone", subject_id=node.pk, state="armed")
    }


def test_the_nth_working_day_skips_national_day_and_counts_the_tiaoxiu_saturday(company):
    request = accepted_request(company)
    start = D(2026, 9, 28)  # Monday: 9/28, 9/29, 9/30, then 10/8 (Thu), 10/9, 10/10 (调休 Saturday) …
    assert workday_date(request, start, 1) == D(2026, 9, 28)
    assert workday_date(request, start, 4) == D(2026, 10, 8)
    assert workday_date(request, start, 6) == D(2026, 10, 10)
    assert workday_date(request, start, 10) == D(2026, 10, 15)
    assert workday_date(request, start, 12) == D(2026, 10, 19)
    assert workday_date(request, start, 15) == D(2026, 10, 22)
    assert workday_date(request, D(2026, 10, 3), 1) == D(2026, 10, 8)  # a holiday start: the next working day


def test_a_relative_node_is_a_clock_with_its_reminder_and_its_clause(company):
    request = accepted_request(company)
    node = add(
        company,
        request,
        title="原型设计稿（V1）",
        owner=company.person("huangmin"),
        workday=10,
        start_date=D(2026, 9, 28),
    )
    assert (node.due_date, node.state) == (D(2026, 10, 15), "planned")
    assert clocks(node) == {
        "due": at("2026-10-15 18:00"),
        "remind": at("2026-10-14 18:00"),  # one working day before
        "escalate": at("2026-10-15 18:00"),
    }
    message = InboxMessage.objects.get(recipient__username="huangmin").notification
    assert message.title == "【关键节点】XQ-2026-0001 智能手表项目-硬件方案评审"
    assert message.body.startswith("您负责的节点“原型设计稿（V1）”定于 10月15日 18:00（2026-10-15 下班前）完成。")
    assert message.body.endswith(
        "\n依据：《多部门协同作业标准沟通流程》二「确定关键时间节点(如需求完成截止点、阶段性成果交付日)」；"
        "另见：《多部门协同作业标准沟通流程》沟通记录表「第10个工作日」「第12个工作日」「第15个工作日」：按工作日计的节点"
    )
    # The reminder fires at its instant, with the clause; nothing before.
    with time_machine.travel(at("2026-10-14 17:59"), tick=False):
        clock_fire_due()  # the request's own clocks, long run out
    assert clocks(node)["remind"] == at("2026-10-14 18:00")
    with time_machine.travel(at("2026-10-14 18:00"), tick=False):
        assert clock_fire_due() == 1
    assert "remind" not in clocks(node)
    reminder = InboxMessage.objects.filter(recipient__username="huangmin").latest("id").notification
    assert (
        "依据：《多部门协同作业标准沟通流程》二「确定关键时间节点(如需求完成截止点、阶段性成果交付日)」"
        in reminder.body
    )
    event = AuditEvent.objects.filter(object_type="requests.request", object_id=str(request.pk)).latest("id")
    assert (event.action, event.after["milestone"], event.after["workday"]) == (
        "milestone.plan",
        "原型设计稿（V1）",
        10,
    )


def test_reaching_a_node_meets_its_clock(company):
    request = accepted_request(company)
    node = add(company, request, title="评审会议", owner=company.person("zhaolei"), due_date=D(2026, 10, 10))
    assert clocks(node)["due"] == at("2026-10-10 18:00")  # the 调休 Saturday is a full working day
    with pytest.raises(NotFound):
        act(company, node, "yuhai", "reach", "2026-10-10 16:00")  # not taking part: out of sight
    act(company, node, "zhaolei", "reach", "2026-10-10 16:00")
    node = Milestone.objects.get(pk=node.pk)
    assert (node.state, node.reached_at) == ("reached", at("2026-10-10 16:00"))
    due = Clock.objects.get(subject_type="requests.milestone", subject_id=node.pk, kind="due")
    assert (due.state, due.met_at) == ("cancelled", at("2026-10-10 16:00"))


def test_only_the_two_sides_set_nodes_and_bad_input_is_refused_at_its_field(company):
    request = accepted_request(company)
    with pytest.raises(Forbidden):
        add(company, request, username="luoqian", title="x", owner=company.person("luoqian"), due_date=D(2026, 10, 9))
    with pytest.raises(ApplicationError) as refused:
        add(company, request, title="", owner=None, workday=10)
    assert refused.value.fields == {
        "title": "请填写节点名称",
        "owner": "请选择责任人",
        "start_date": "按工作日计的节点需填写起算日",
    }


def test_dependent_nodes_closer_than_the_buffer_policy_are_flagged(company):
    request = accepted_request(company)
    start = D(2026, 9, 28)
    first = add(company, request, title="原型设计稿", owner=company.person("huangmin"), workday=10, start_date=start)
    add(company, request, title="联合评审", owner=company.person("zhaolei"), workday=12, start_date=start, after=first)
    # 10/15 → 10/19: one working day (10/16) between them, the default buffer is 1 working day.
    assert buffer_warnings(request) == []
    tight = add(
        company, request, title="评审意见汇总", owner=company.person("zhaolei"), due_date=D(2026, 10, 16), after=first
    )
    assert [w.text for w in buffer_warnings(request)] == [
        "节点“评审意见汇总”（2026-10-16）与前置节点“原型设计稿”（2026-10-15）之间只有 0 个工作日，少于缓冲期 1 个工作日"
    ]
    # The buffer is policy: 2 working days flags the 10/15 → 10/19 pair too.
    ClockPolicy.objects.filter(process="milestone", kind="buffer").update(duration="2d")
    assert len(buffer_warnings(request)) == 2
    assert tight.pk


def test_the_limits_quote_the_seed_documents_word_for_word(db):
    text = document("多部门协同作业标准沟通流程")
    assert DUE_CLAUSE in text and BUFFER_CLAUSE in text
    assert "第10个工作日" in text and "第12个工作日" in text and "第15个工作日" in text
    buffer = ClockPolicy.objects.get(process="milestone", kind="buffer")
    assert (buffer.duration, buffer.mode, buffer.clause_text) == ("1d", "working", "时间节点应预留1-2天缓冲期")
    confirm = ClockPolicy.objects.get(process="request_change", kind="confirm")
    assert confirm.basis().startswith("依据：《内部沟通与协调工作机制》二（一）「明确“已阅”确认要求」")
    assert "必须书面同步至所有参与方" in text


def test_a_change_after_acceptance_is_sent_to_every_participant_and_each_confirms_read(company):
    request = accepted_request(company)
    node = add(
        company, request, title="原型设计稿", owner=company.person("huangmin"), workday=10, start_date=D(2026, 9, 28)
    )
    dated = add(company, request, title="量产评估报告", owner=company.person("xieqiang"), due_date=D(2026, 10, 29))
    # Friday 10/9 16:00: 郭鑫 moves the expected date earlier and the prototype's start two days later.
    with time_machine.travel(at("2026-10-09 16:00"), tick=False), transaction.atomic():
        change_request(
            actor=company.person("guoxin"),
            request=Request.objects.get(pk=request.pk),
            reason="客户要求提前上市",
            data={"expected_date": D(2026, 10, 23), "goal": "确认用户调研数据，评估量产可行性"},
            milestones={node.pk: D(2026, 9, 30)},
        )
    request = Request.objects.get(pk=request.pk)
    assert request.expected_date == D(2026, 10, 23)
    v1, v2 = RequestVersion.objects.filter(request=request).order_by("number")
    assert (v1.number, v1.state, v1.snapshot["expected_date"]) == (1, "original", "2026-10-30")
    assert (v2.number, v2.state, v2.reason, v2.sent_at) == (2, "awaiting", "客户要求提前上市", at("2026-10-09 16:00"))
    assert v2.changes == [
        {"field": "expected_date", "label": "期望完成时间", "old": "2026-10-30", "new": "2026-10-23"},
        {"field": f"milestone:{node.pk}", "label": "节点“原型设计稿”起算日", "old": "2026-09-28", "new": "2026-09-30"},
    ]
    # Re-planned: 9/30 is day 1, so the 10th working day is now 10/19 (10/10 counts, 10/17–18 do not).
    node = Milestone.objects.get(pk=node.pk)
    assert (node.start_date, node.due_date, clocks(node)["due"]) == (
        D(2026, 9, 30),
        D(2026, 10, 19),
        at("2026-10-19 18:00"),
    )
    assert [r["text"] for r in v2.replanned] == [
        "节点“原型设计稿” 2026-10-15 → 2026-10-19（已重新计时）",
        "节点“量产评估报告”（2026-10-29）晚于期望完成时间 2026-10-23，需重新安排",
    ]
    assert dated.pk
    # Sent in writing to every participant but its author, each with why.
    receipts = {r.person.username: r.roles for r in ChangeReceipt.objects.filter(change=v2).select_related("person")}
    assert receipts == {
        "hujun": "发起部门负责人",
        "zhaolei": "接收人、接收部门负责人、硬件研发部负责人",
        "gaofeng": "市场部负责人",
        "luoqian": "市场部对接人",
        "xieqiang": "生产部负责人",
    }
    message = InboxMessage.objects.filter(recipient__username="luoqian").latest("id").notification
    assert message.title == "【需求变更】XQ-2026-0001 智能手表项目-硬件方案评审 V2"
    assert message.body.startswith(
        "郭鑫 提出需求变更（V2）：\n期望完成时间：2026-10-30 → 2026-10-23\n节点“原型设计稿”起算日：2026-09-28 → 2026-09-30\n"
        "变更原因：客户要求提前上市\n"
    )
    # 1 working day to confirm: Friday 16:00 → the 调休 Saturday 10/10 16:00 (a full working day).
    assert "请在 10月10日 16:00 前（1 个工作日内）打开需求变更并点击“已阅”确认。" in message.body
    assert "\n依据：《内部沟通与协调工作机制》二（一）「明确“已阅”确认要求」" in message.body
    confirm = Clock.objects.get(subject_type="requests.requestversion", subject_id=v2.pk, kind="confirm")
    assert (confirm.owner.username, confirm.due_at) == ("guoxin", at("2026-10-10 16:00"))
    # The request's history holds the change with its diff.
    event = AuditEvent.objects.filter(
        object_type="requests.request", object_id=str(request.pk), action="request.change"
    ).get()
    assert event.after["changes"][0]["new"] == "2026-10-23" and event.after["version"] == 2

    # Each confirms 已阅 for themself; a stranger cannot; the last one closes the clock.
    with pytest.raises(Forbidden):
        act(company, v2, "guoxin", "confirm", "2026-10-10 09:00")
    for who, when in [("luoqian", "2026-10-10 09:00"), ("gaofeng", "2026-10-10 09:10"), ("hujun", "2026-10-10 09:20")]:
        act(company, v2, who, "confirm", when)
    assert RequestVersion.objects.get(pk=v2.pk).state == "awaiting"
    act(company, v2, "zhaolei", "confirm", "2026-10-10 10:00")
    act(company, v2, "xieqiang", "confirm", "2026-10-12 09:00")
    v2 = RequestVersion.objects.get(pk=v2.pk)
    assert v2.state == "read"
    assert ChangeReceipt.objects.get(change=v2, person__username="xieqiang").confirmed_at == at("2026-10-12 09:00")
    confirm = Clock.objects.get(subject_type="requests.requestversion", subject_id=v2.pk, kind="confirm")
    assert confirm.met_at == at("2026-10-12 09:00")


def change_at(company, username, request, reason, data):
    with time_machine.travel(at("2026-10-09 16:00"), tick=False), transaction.atomic():
        return change_request(actor=company.person(username), request=request, reason=reason, data=data)


def test_a_change_is_refused_when_nothing_changed_without_a_reason_and_to_outsiders(company):
    request = accepted_request(company)
    with pytest.raises(ApplicationError, match="没有任何变更"):
        change_at(company, "guoxin", request, "无", {"title": request.title})
    with pytest.raises(ApplicationError) as refused:
        change_at(company, "guoxin", request, "", {"priority": "high"})
    assert refused.value.fields == {"reason": "请填写变更原因"}
    with pytest.raises(Forbidden):  # 市场部's contact sees the request but is neither side
        change_at(company, "luoqian", request, "x", {"priority": "high"})
    with pytest.raises(NotFound):
        change_at(company, "yuhai", request, "x", {"priority": "high"})
    assert not RequestVersion.objects.filter(request=request).exists()


def test_the_pages_show_nodes_changes_and_versions(company, client_for):
    request = accepted_request(company)
    add(company, request, title="原型设计稿", owner=company.person("huangmin"), workday=10, start_date=D(2026, 9, 28))
    with time_machine.travel(at("2026-10-09 16:00"), tick=True):
        client = client_for("guoxin")
        page = client.get(f"/requests/{request.pk}/").content.decode()
        assert "关键时间节点" in page and "自 2026-09-28 起第10个工作日" in page and "提出需求变更" in page
        form = client.get(f"/requests/{request.pk}/change/")
        assert form.status_code == 200
        bad = client.post(f"/requests/{request.pk}/change/", {"title": request.title, "reason": ""})
        assert bad.status_code == 200 and "请填写变更原因" in bad.content.decode()
        data = {
            "title": request.title,
            "background": request.background,
            "goal": request.goal,
            "content": request.content,
            "expected_date": "2026-10-23",
            "priority": "high",
            "criteria": "待机续航≥5天",
            "participants": "硬件研发部：—\n" + DEPARTMENTS,
            "reason": "客户要求提前上市",
            "version": request.version,
            f"milestone_{request.milestones.get().pk}": "2026-09-28",
        }
        sent = client.post(f"/requests/{request.pk}/change/", data)
        assert sent.status_code == 302 and sent["Location"] == f"/requests/{request.pk}/versions/"
        versions = client.get(f"/requests/{request.pk}/versions/").content.decode()
        assert "V2" in versions and "中 " not in versions
        assert "2026-10-30" in versions and "2026-10-23" in versions and "已阅 0/5" in versions
        outsider = client_for("yuhai")
        assert outsider.get(f"/requests/{request.pk}/versions/").status_code == 404
        assert outsider.get(f"/requests/{request.pk}/change/").status_code == 404


def test_a_too_long_node_name_is_refused_in_plain_chinese_at_its_field_and_kept(company, client_for):
    """A 240-character 节点名称 was refused with Django's 「确保该变量包含不超过 100 字符 (目前字符数 240)。」 —
    变量 (a variable) is a programmer's word. The project's zh_Hans catalogue words the length messages of every
    form: 不能超过 100 个字（现有 240 个字）。"""
    request = accepted_request(company)
    long_name = "样机续航测试报告提交" * 24
    with time_machine.travel(at("2026-09-28 10:00"), tick=False):
        response = client_for("guoxin").post(
            f"/requests/{request.pk}/milestones/new/", {"title": long_name, "due_date": "2026-10-16"}
        )
    assert response.status_code == 400
    page = response.content.decode()
    assert "不能超过 100 个字（现有 240 个字）。" in page
    assert "变量" not in page
    assert f'value="{long_name}"' in page
