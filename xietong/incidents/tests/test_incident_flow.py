"""紧急事项 as the seeds prescribe, in wall-clock time: the lead names the team within 10 minutes, members
are in place within 30, a status update every 30 minutes, the general manager hears it if it is not under
control within 2 hours; after the resolution a review within 3 working days produces improvement actions.

Every instant is Asia/Shanghai. 2026-10-01 … 10-07 is 国庆 (holidays), Saturday 10/10 a 调休 working day.
"""

import datetime as dt
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.db import transaction

from xietong.clocks.models import Clock, Escalation
from xietong.clocks.services import clock_fire_due
from xietong.core.errors import ApplicationError, Forbidden, InvalidState
from xietong.core.models import AuditEvent
from xietong.incidents.models import ImprovementAction, Incident, IncidentEntry
from xietong.incidents.selectors import live_state
from xietong.incidents.services import (
    ActionDraft,
    improvement_done,
    incident_acknowledge,
    incident_assign_team,
    incident_control,
    incident_plan,
    incident_post_update,
    incident_report,
    incident_resolve,
    incident_review,
)
from xietong.notify.models import Channel, Delivery, InboxMessage, Notification

SH = ZoneInfo("Asia/Shanghai")


def at(text: str) -> dt.datetime:
    return dt.datetime.fromisoformat(text).replace(tzinfo=SH)


def report(company, when="2026-10-01 03:00", actor="wangqiang", **overrides):
    data = dict(
        description="官网无法访问，用户反馈量激增",
        scope="全国用户，约 1000+ 访问/分钟",
        measures_taken="重启服务器无效",
    )
    # 李娜 (head of 软件开发部) leads unless a test says otherwise; by default the 分管领导 would
    # (test_emergency_records.py).
    data["lead"] = company.person("lina")
    data.update(overrides)
    with time_machine.travel(at(when), tick=False), transaction.atomic():
        return incident_report(actor=company.person(actor), **data)


def assign(
    company, incident, when, actor="lina", members=(("wangqiang", "排查服务器日志"), ("chenjing", "联系云服务商"))
):
    with time_machine.travel(at(when), tick=False), transaction.atomic():
        return incident_assign_team(
            actor=company.person(actor),
            incident=Incident.objects.get(pk=incident.pk),
            members=[(company.person(u), duty) for u, duty in members],
        )


def update(company, incident, when, actor="lina", body="初步判断为数据库连接池溢出，正在扩容", kind="status"):
    with time_machine.travel(at(when), tick=False), transaction.atomic():
        return incident_post_update(
            actor=company.person(actor), incident=Incident.objects.get(pk=incident.pk), body=body, kind=kind
        )


def ack(company, incident, when, actor, note="已到位"):
    with time_machine.travel(at(when), tick=False), transaction.atomic():
        return incident_acknowledge(
            actor=company.person(actor), incident=Incident.objects.get(pk=incident.pk), ready_note=note
        )


def resolve(company, incident, when, actor="lina"):
    with time_machine.travel(at(when), tick=False), transaction.atomic():
        return incident_resolve(
            actor=company.person(actor),
            incident=Incident.objects.get(pk=incident.pk),
            cause="数据库连接池溢出",
            measures="扩容连接池并回滚当日发布",
        )


def fire(when) -> int:
    with time_machine.travel(at(when), tick=False):
        return clock_fire_due()


def clock_of(incident, limit, kind=None) -> Clock:
    return Clock.objects.filter(
        subject_type="incidents.incident", subject_id=incident.pk, limit=limit, kind=kind or limit
    ).latest("pk")


def inbox(username):
    return [m.notification.title for m in InboxMessage.objects.filter(recipient__username=username)]


def test_report_arms_wall_clock_limits_and_tells_the_chain_at_once(company):
    incident = report(company)
    assert incident.number == "JJ-2026-0001" and incident.title == "官网无法访问，用户反馈量激增"
    assert incident.lead.username == "lina" and incident.responsible_department.code == "rd-software"
    assert incident.state == "reported"
    assert clock_of(incident, "assign_team").due_at == at("2026-10-01 03:10")
    assert clock_of(incident, "status").due_at == at("2026-10-01 03:30")
    assert clock_of(incident, "control").due_at == at("2026-10-01 05:00")
    assert {c.mode for c in Clock.objects.filter(subject_id=incident.pk)} == {"wall"}
    # 部门负责人及分管领导: 李娜 (lead, head of 软件开发部) and 王建国 (分管研发).
    for username in ("lina", "wangjianguo"):
        assert inbox(username) == ["【紧急事项】JJ-2026-0001 官网无法访问，用户反馈量激增"], username
    assert Notification.objects.get(title__startswith="【紧急事项】").urgency == "emergency"


def test_team_not_named_within_ten_minutes_fires_at_the_exact_minute_on_a_holiday_night(company):
    incident = report(company, when="2026-10-01 03:00")  # 国庆 night: working time would not even start
    assert fire("2026-10-01 03:09:59") == 0
    assert fire("2026-10-01 03:10") == 2  # the limit and its ladder's first level
    assert clock_of(incident, "assign_team").fired_at == at("2026-10-01 03:10")
    assert "【应急小组未组建】JJ-2026-0001 官网无法访问，用户反馈量激增" in inbox("lina")
    escalation = Escalation.objects.get(subject_id=incident.pk, limit="assign_team")
    assert escalation.target.username == "wangjianguo"  # the 分管领导, not straight to the general manager
    assert IncidentEntry.objects.filter(incident=incident, kind="alert").count() == 1


def test_members_not_in_place_within_thirty_minutes(company):
    incident = report(company, when="2026-10-03 22:00")  # a Saturday inside 国庆
    assign(company, incident, "2026-10-03 22:05")
    assert clock_of(incident, "assign_team").met_at == at("2026-10-03 22:05")
    assert clock_of(incident, "team_ready").due_at == at("2026-10-03 22:35")
    ack(company, incident, "2026-10-03 22:20", "wangqiang", "已在排查 nginx 与应用日志")
    update(company, incident, "2026-10-03 22:25")
    assert fire("2026-10-03 22:34:59") == 0
    assert fire("2026-10-03 22:35") == 1
    assert "【小组成员未到位】JJ-2026-0001 官网无法访问，用户反馈量激增" in inbox("chenjing")
    assert "【小组成员未到位】JJ-2026-0001 官网无法访问，用户反馈量激增" not in inbox("wangqiang")
    assert "【小组成员未到位】JJ-2026-0001 官网无法访问，用户反馈量激增" in inbox("lina")


def test_team_in_place_in_time_meets_the_limit(company):
    incident = report(company, when="2026-10-03 22:00")
    assign(company, incident, "2026-10-03 22:05")
    ack(company, incident, "2026-10-03 22:20", "wangqiang")
    ack(company, incident, "2026-10-03 22:31", "chenjing", "研发团队已准备回滚方案")
    assert clock_of(incident, "team_ready").met_at == at("2026-10-03 22:31")
    assert not Clock.objects.filter(subject_id=incident.pk, limit="team_ready", state="armed").exists()


def test_status_every_thirty_minutes_rearms_and_a_missed_one_raises_the_banner_and_the_robots(company):
    Channel.objects.create(
        kind="dingtalk",
        name="系统故障应急响应群",
        url="https://oapi.dingtalk.com/robot/send?access_token=abc",
        department=company.department("rd"),
        quiet_hours=True,
    )
    incident = report(company, when="2026-10-01 03:00")
    assign(company, incident, "2026-10-01 03:06")
    entry = update(company, incident, "2026-10-01 03:20")
    assert entry.due_at == at("2026-10-01 03:30") and not entry.late
    assert clock_of(incident, "status").due_at == at("2026-10-01 03:50")  # 30 minutes from the update
    with time_machine.travel(at("2026-10-01 03:45"), tick=False):
        assert live_state(Incident.objects.get(pk=incident.pk)).status.text == "剩余 5 分钟"
    fire("2026-10-01 03:49")  # the members' 30 minutes (03:36) and the 5-minute reminder (03:45)
    assert fire("2026-10-01 03:49:59") == 0
    assert fire("2026-10-01 03:50") == 1
    with time_machine.travel(at("2026-10-01 04:02"), tick=False):
        state = live_state(Incident.objects.get(pk=incident.pk))
    assert state.status.overdue and state.status.text == "已超时 12 分钟"
    overdue = Notification.objects.get(title="【状态更新超时】JJ-2026-0001 官网无法访问，用户反馈量激增")
    assert overdue.urgency == "emergency"
    assert overdue.body == (
        "应于 03:50 更新处理状态，已超时。请立即在事项页面更新状态。\n"
        "依据：《企业内部沟通指南与协作工具》二（二）步骤2「每30分钟更新一次处理状态」；"
        "另见：《内部沟通与协调工作机制》三（三）步骤3「每4小时向分管领导汇报进展」"
    )
    assert set(overdue.inbox.values_list("recipient__username", flat=True)) == {"lina", "wangqiang", "chenjing"}
    # The robot of 研发中心 (covering 软件开发部) sends it now, in the middle of a holiday night.
    robot = Delivery.objects.get(notification=overdue, channel__isnull=False)
    assert robot.next_attempt_at == at("2026-10-01 03:50")
    # The next update is late but re-arms the cadence.
    late = update(company, incident, "2026-10-01 04:05", actor="wangqiang", body="连接池已扩容，错误率下降")
    assert late.late and clock_of(incident, "status").due_at == at("2026-10-01 04:35")


def test_not_under_control_within_two_hours_alerts_the_general_manager(company):
    incident = report(company, when="2026-10-01 03:00")
    assign(company, incident, "2026-10-01 03:05")
    for minute in ("03:30", "04:00", "04:40"):
        update(company, incident, f"2026-10-01 {minute}")
    with time_machine.travel(at("2026-10-01 04:45"), tick=False), transaction.atomic():
        incident_plan(actor=company.person("lina"), incident=Incident.objects.get(pk=incident.pk), plan="回滚发布")
    fire("2026-10-01 04:59")
    assert fire("2026-10-01 04:59:59") == 0
    assert fire("2026-10-01 05:00") == 2  # the limit and the emergency ladder's only level
    escalation = Escalation.objects.get(subject_id=incident.pk, limit="control")
    assert escalation.target.username == "chenzhiqiang" and escalation.at == at("2026-10-01 05:00")
    message = Notification.objects.get(title="【升级·第1级】JJ-2026-0001 官网无法访问，用户反馈量激增")
    assert list(message.inbox.values_list("recipient__username", flat=True)) == ["chenzhiqiang"]
    assert message.urgency == "urgent"


def test_controlled_in_time_the_general_manager_is_not_disturbed(company):
    incident = report(company, when="2026-10-01 03:00")
    assign(company, incident, "2026-10-01 03:05")
    with time_machine.travel(at("2026-10-01 04:40"), tick=False), transaction.atomic():
        incident_control(actor=company.person("lina"), incident=incident, note="流量已切到备用集群")
    assert clock_of(incident, "control").met_at == at("2026-10-01 04:40")
    fire("2026-10-01 05:00")
    assert not Escalation.objects.filter(subject_id=incident.pk, limit="control").exists()
    assert inbox("chenzhiqiang") == []


def test_resolution_report_drafts_the_customer_notice_and_starts_the_three_working_day_review(company):
    incident = report(company, when="2026-10-01 03:00")
    assign(company, incident, "2026-10-01 03:05")
    incident = resolve(company, incident, "2026-10-01 05:00")
    assert incident.state == "resolved" and incident.impact_minutes == 120
    assert "2026年10月01日 03:00 起，全国用户，约 1000+ 访问/分钟，出现“官网无法访问，用户反馈量激增”的情况" in (
        incident.customer_notice
    )
    assert "原因是：数据库连接池溢出" in incident.customer_notice
    assert "影响时长约 2 小时" in incident.customer_notice
    assert incident.customer_notice.rstrip().endswith("星辰智能科技有限公司\n2026年10月01日")
    # No live emergency clock keeps running; the control limit counts as met at the resolution.
    assert not Clock.objects.filter(
        subject_id=incident.pk, limit__in=["status", "team_ready", "control"], state="armed"
    ).exists()
    assert clock_of(incident, "control").met_at == at("2026-10-01 05:00")
    # 复盘 within 3 working days, in working time: 国庆 does not count; 10/8, 10/9 and the 调休 Saturday 10/10.
    review = clock_of(incident, "review")
    assert review.mode == "working" and review.due_at == at("2026-10-10 18:00")
    assert fire("2026-10-10 17:59") == 1  # only the reminder, one working day before
    assert fire("2026-10-10 18:00") == 2
    assert "【已超时】JJ-2026-0001 官网无法访问，用户反馈量激增" in inbox("lina")
    assert Escalation.objects.get(subject_id=incident.pk, limit="review").target.username == "zhangwei"


def test_review_produces_improvement_actions_tracked_with_their_own_clock(company):
    incident = report(company, when="2026-10-01 03:00")
    assign(company, incident, "2026-10-01 03:05")
    resolve(company, incident, "2026-10-01 05:00")
    with time_machine.travel(at("2026-10-09 10:00"), tick=False), transaction.atomic():
        actions = incident_review(
            actor=company.person("lina"),
            incident=incident,
            summary="发布前缺少连接池容量评估；告警阈值过高",
            actions=[
                ActionDraft("发布检查单增加连接池容量评估", company.person("chenjing"), dt.date(2026, 10, 16)),
                ActionDraft("数据库连接数告警阈值下调到 70%", company.person("sunyu"), dt.date(2026, 10, 20)),
            ],
        )
    incident.refresh_from_db()
    assert incident.state == "closed" and incident.reviewed_at == at("2026-10-09 10:00")
    assert clock_of(incident, "review").met_at == at("2026-10-09 10:00")
    assert [a.number for a in actions] == ["GJ-2026-0001", "GJ-2026-0002"]
    due = Clock.objects.get(subject_type="incidents.improvementaction", subject_id=actions[0].pk, kind="due")
    assert due.due_at == at("2026-10-16 18:00") and due.owner.username == "chenjing"
    assert "【改进措施】GJ-2026-0001 发布检查单增加连接池容量评估" in inbox("chenjing")
    with pytest.raises(Forbidden), time_machine.travel(at("2026-10-12 10:00"), tick=False):
        improvement_done(actor=company.person("lina"), action=actions[0], note="已完成")  # sees it, not hers
    with time_machine.travel(at("2026-10-14 10:00"), tick=False), transaction.atomic():
        improvement_done(actor=company.person("chenjing"), action=actions[0], note="检查单 V3 已发布")
    assert Clock.objects.get(pk=due.pk).met_at == at("2026-10-14 10:00")
    assert ImprovementAction.objects.get(pk=actions[0].pk).state == "done"


def test_emergency_with_no_description_is_refused_and_nothing_is_saved(company):
    with pytest.raises(ApplicationError) as refused:
        report(company, description="  ", scope="", measures_taken="")
    assert refused.value.fields == {"description": "请描述发生了什么，例如“官网无法访问，用户反馈量激增”"}
    assert not Incident.objects.exists()
    assert not Clock.objects.exists() and not Notification.objects.exists()
    assert not AuditEvent.objects.filter(action__startswith="incident.").exists()


def test_an_update_on_a_closed_incident_is_refused_and_nothing_is_saved(company):
    incident = report(company, when="2026-10-01 03:00")
    assign(company, incident, "2026-10-01 03:05")
    resolve(company, incident, "2026-10-01 04:00")
    entries = IncidentEntry.objects.count()
    with pytest.raises(InvalidState) as refused:
        update(company, incident, "2026-10-01 04:10")
    assert str(refused.value.message) == "紧急事项“JJ-2026-0001”已解决待复盘，不能再更新状态或记录决策"
    assert IncidentEntry.objects.count() == entries
    assert not Clock.objects.filter(subject_id=incident.pk, limit="status", state="armed").exists()


def test_who_may_do_what(company):
    incident = report(company, when="2026-10-01 03:00")
    with pytest.raises(Forbidden):
        assign(company, incident, "2026-10-01 03:02", actor="wangqiang")  # the reporter is not the lead
    assign(company, incident, "2026-10-01 03:05")
    with pytest.raises(Forbidden):
        update(company, incident, "2026-10-01 03:10", actor="zhangwei")  # sees it (研发中心 head), not on the team
    with pytest.raises(Forbidden):
        update(company, incident, "2026-10-01 03:10", actor="wangqiang", kind="decision")
    update(company, incident, "2026-10-01 03:10", actor="wangqiang")  # a member posts status
    update(company, incident, "2026-10-01 03:11", actor="chenzhiqiang", kind="decision", body="同意回滚当日发布")
    with pytest.raises(Forbidden):
        ack(company, incident, "2026-10-01 03:12", "lina")  # the lead is not a member
    ack(company, incident, "2026-10-01 03:12", "wangqiang")
    with pytest.raises(InvalidState):
        ack(company, incident, "2026-10-01 03:13", "wangqiang")


def test_report_field_errors(company):
    with pytest.raises(ApplicationError) as refused:
        report(
            company,
            occurred_at=at("2026-10-01 05:00"),
            responsible_department=company.department("gmo"),
            lead=None,
            title="x" * 121,
        )
    assert refused.value.fields == {"title": "主题不能超过 120 字", "occurred_at": "发生时间不能晚于现在"}
    from xietong.org.models import Department

    with pytest.raises(ApplicationError) as refused:
        report(company, responsible_department=Department(pk=999_999, name="幽灵部", code="ghost"))
    assert refused.value.fields == {"responsible_department": "所选主责部门不存在（可能已被删除），请重新选择"}
    assert not Incident.objects.exists()


def test_messages_state_the_limits_the_administrator_set(company):
    from xietong.clocks.models import ClockPolicy

    ClockPolicy.objects.filter(process="emergency", kind="assign_team").update(duration="15m")
    ClockPolicy.objects.filter(process="emergency", kind="control").update(duration="3h")
    incident = report(company, when="2026-10-01 03:00")
    reported = Notification.objects.get(title="【紧急事项】JJ-2026-0001 官网无法访问，用户反馈量激增")
    assert reported.body == (
        "发生时间：10-01 03:00；影响范围：全国用户，约 1000+ 访问/分钟；已采取的临时措施：重启服务器无效。"
        "应急负责人 李娜 须在 10月1日 03:15 前（15 分钟内）明确应急小组分工。"
    )
    fire("2026-10-01 03:15")
    missed = Notification.objects.get(title="【应急小组未组建】JJ-2026-0001 官网无法访问，用户反馈量激增")
    assert missed.body == (
        "接到上报已 15 分钟（应于 03:15 前）仍未明确应急小组分工。\n"
        "依据：《企业内部沟通指南与协作工具》二（二）步骤2「接到上报后10分钟内,在群内明确应急小组分工」"
    )
    assign(company, incident, "2026-10-01 03:20")
    fire("2026-10-01 06:00")
    alarm = Notification.objects.get(title="【3 小时未控制】JJ-2026-0001 官网无法访问，用户反馈量激增")
    assert alarm.body == (
        "上报已满 3 小时（06:00）风险仍未控制，按规则上报总经理。\n"
        "依据：《内部沟通与协调工作机制》三（三）步骤3「若2小时内未控制风险,上报至总经理办公会」"
    )
