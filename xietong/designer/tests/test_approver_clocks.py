"""Each approver's own clock (issue 21): every approver reached holds a clock of the step's limit — the same
policy, reminder, escalation ladder and clause (依据) as every built-in process — owned by them, counted from
when they got the task. 财务 has 1 working day, a reminder 2 working hours before, and escalates at the limit.
The step is entered on Friday 2026-10-09 16:30; Saturday 10-10 is a 调休 workday after 国庆, Sunday 10-11
rests; working hours 9:00–12:00 and 13:30–18:00."""

import re

import time_machine

from xietong.clocks.models import Clock, ClockState, Escalation
from xietong.clocks.services import clock_fire_due
from xietong.designer.tests.support import act, expense, publish, start
from xietong.notify.models import InboxMessage
from xietong.requests.tests.test_request_flow import at


def finance(company, mode="all"):
    document = expense()
    next(s for s in document["steps"] if s["key"] == "finance")["mode"] = mode
    item = start(company, publish(company, document))
    act(company, "hujun", item, "approve", "2026-10-09 16:30")
    return item


def clocks(item, state=None):
    """(owner, due) of the finance step's own clocks, by owner."""
    rows = Clock.objects.filter(subject_id=item.pk, limit="finance", kind="finance").select_related("owner")
    if state is not None:
        rows = rows.filter(state=state)
    return {c.owner.username: c.due_at for c in rows}


def fire(when):
    with time_machine.travel(at(when), tick=False):
        clock_fire_due()


def told(title):
    rows = InboxMessage.objects.filter(notification__title__startswith=title).select_related("notification")
    return sorted((m.recipient.username, m.notification.body) for m in rows)


def test_countersigners_are_each_reminded_and_escalated_on_their_own_clock(company):
    item = finance(company)
    assert clocks(item, ClockState.ARMED) == {"fengjing": at("2026-10-10 16:30"), "heyang": at("2026-10-10 16:30")}
    reminders = Clock.objects.filter(subject_id=item.pk, limit="finance", kind="remind")
    assert sorted((c.owner.username, c.due_at) for c in reminders) == [
        ("fengjing", at("2026-10-10 14:30")),
        ("heyang", at("2026-10-10 14:30")),
    ]
    fire("2026-10-10 14:30:01")
    reminded = told("【即将到期】")
    assert [who for who, _ in reminded] == ["fengjing", "heyang"]
    for _, body in reminded:
        assert body.startswith("财务会签将于 10月10日 16:30 到期（剩余 2 个工作小时），请及时处理。")
        assert body.endswith("\n依据：「财务部应在1个工作日内完成审核」")  # the step's clause
    # 冯静 approves before her limit: her clock is met; 何洋's still runs and escalates alone.
    act(company, "fengjing", item, "approve", "2026-10-10 15:00")
    mine = Clock.objects.get(subject_id=item.pk, kind="finance", owner__username="fengjing")
    assert (mine.state, mine.met_at) == (ClockState.CANCELLED, at("2026-10-10 15:00"))
    fire("2026-10-10 16:30:01")
    escalations = list(Escalation.objects.filter(subject_id=item.pk, limit="finance").select_related("clock__owner"))
    assert [(e.clock.owner.username, e.level, e.at) for e in escalations] == [("heyang", 1, at("2026-10-10 16:30:01"))]


def test_two_open_countersigners_escalate_separately(company):
    item = finance(company)
    fire("2026-10-10 16:30:01")
    fire("2026-10-10 16:30:02")  # two clocks of one item fire in turn
    escalations = Escalation.objects.filter(subject_id=item.pk, limit="finance").select_related("clock__owner")
    assert sorted((e.clock.owner.username, e.level) for e in escalations) == [("fengjing", 1), ("heyang", 1)]
    bodies = [body for _, body in told("【升级·第1级】")]
    assert any(b.startswith("冯静的财务会签已超时（到期 10月10日 16:30）") for b in bodies)
    assert any(b.startswith("何洋的财务会签已超时（到期 10月10日 16:30）") for b in bodies)


def test_in_order_the_second_clock_starts_when_the_first_approves(company):
    item = finance(company, mode="sequential")
    assert clocks(item) == {"fengjing": at("2026-10-10 16:30")}  # 何洋 waits: no clock yet
    act(company, "fengjing", item, "approve", "2026-10-10 10:00")
    assert clocks(item, ClockState.ARMED) == {"heyang": at("2026-10-12 10:00")}  # Sat 10:00 + 1 working day
    reminder = Clock.objects.get(subject_id=item.pk, kind="remind", owner__username="heyang")
    assert reminder.due_at == at("2026-10-10 17:00")  # 2 working hours before: Mon 9–10, Sat 17–18
    fire("2026-10-10 16:30:01")  # 冯静's limit had passed nothing: she approved in time
    assert not Escalation.objects.filter(subject_id=item.pk).exists()


def test_the_clock_panel_lists_each_approver_s_clock(company, client_for):
    item = finance(company)
    act(company, "fengjing", item, "approve", "2026-10-10 10:00")
    with time_machine.travel(at("2026-10-10 17:00"), tick=False):
        html = client_for("guoxin").get(item.get_absolute_url()).content.decode()
    rows = re.findall(r'<tr class="tone-[^"]*">(.*?)</tr>', html.split('id="clocks"')[1], re.S)
    cells = [
        [re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", c)).strip() for c in re.findall(r"<td>(.*?)</td>", r, re.S)]
        for r in rows
    ]
    assert [c[1] for c in cells if c[0].startswith("财务会签")] == ["何洋", "冯静"]


def test_a_transferred_task_keeps_its_clock_under_the_new_holder(company):
    item = finance(company)
    act(company, "heyang", item, "transfer", "2026-10-10 11:00", to=company.person("lina"), reason="出差")
    assert clocks(item, ClockState.ARMED) == {"fengjing": at("2026-10-10 16:30"), "lina": at("2026-10-10 16:30")}
    reminder = Clock.objects.get(subject_id=item.pk, kind="remind", owner__username="lina")
    assert reminder.due_at == at("2026-10-10 14:30")  # the same reminder, now 李娜's


def test_any_one_deciding_stops_the_others_clocks(company):
    item = finance(company, mode="any")
    act(company, "heyang", item, "approve", "2026-10-10 11:00")
    assert clocks(item, ClockState.ARMED) == {}
    rows = Clock.objects.filter(subject_id=item.pk, limit="finance", kind="finance").select_related("owner")
    assert {c.owner.username: (c.state, c.met_at) for c in rows} == {
        "heyang": (ClockState.CANCELLED, at("2026-10-10 11:00")),  # met: he decided
        "fengjing": (ClockState.CANCELLED, None),  # stopped: 或签 was decided by him
    }


def test_the_timeline_says_whose_clock_reminded_ran_out_and_escalated(company, client_for):
    """Two countersigners' clocks fire at the same instants: the timeline read 「系统 到期提醒」 twice, 「系统 时限到期」
    twice, 「系统 超时升级」 twice, with nothing to tell 冯静's from 何洋's or say to whom it went. Each clock event now
    names its owner (责任人) and an escalation its target (升级至)."""
    item = finance(company)
    fire("2026-10-10 14:30:01")
    fire("2026-10-10 16:30:01")
    fire("2026-10-10 16:30:02")
    with time_machine.travel(at("2026-10-10 17:00"), tick=False):
        html = client_for("guoxin").get(item.get_absolute_url()).content.decode()
    timeline = html.split('id="timeline"')[1].split("</section>")[0]
    lines = [
        re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", li)).strip() for li in re.findall(r"<li>(.*?)</li>", timeline, re.S)
    ]
    reminded = sorted(line.split("到期提醒", 1)[1].strip() for line in lines if "到期提醒" in line)
    assert reminded == ["责任人：何洋", "责任人：冯静"]
    escalated = sorted(line.split("超时升级", 1)[1].strip() for line in lines if "超时升级" in line)
    assert escalated == ["责任人：何洋 升级至：胡军", "责任人：冯静 升级至：胡军"]


def test_the_daily_digest_names_a_designed_step_not_its_key(company, monkeypatch):
    """冯静's 每日摘要 listed 「BX-2026-0002 样机测试物料采购报销（finance，12-04 16:30）」: the step's key, a stored
    code, in a Chinese message. It names the step as the clock panel does: 财务会签."""
    import datetime as dt

    from xietong.clocks import models as clock_models
    from xietong.designer import runtime
    from xietong.notify.digest import digest_lines

    item = finance(company)
    fire("2026-10-10 16:30:01")
    # The worker sending the digest has compiled no designed process: it knows no step name.
    monkeypatch.setattr(clock_models, "_more_limits", {})
    monkeypatch.setattr(clock_models, "_step_names", {})
    monkeypatch.setattr(runtime, "_labels_upto", 0, raising=False)
    with time_machine.travel(at("2026-10-12 09:00"), tick=False):
        _due, late = digest_lines(company.person("fengjing"), dt.date(2026, 10, 12))
    assert late == [f"· {item.number} {item.title}（财务会签，10-10 16:30）"]
