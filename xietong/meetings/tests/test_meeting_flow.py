"""会议申请表 → 分管领导审批 → 会议通知（至少提前 2 个工作日）→ 确认参加 / 请假 → 会前提醒, as the
seed templates prescribe, with exact instants (Asia/Shanghai) and recipients."""

import datetime as dt

import pytest
import time_machine
from django.db import transaction

from xietong.clocks.models import Clock
from xietong.core.errors import ApplicationError, Forbidden, InvalidState
from xietong.core.models import AuditEvent
from xietong.meetings.answers import meeting_respond
from xietong.meetings.models import Meeting, Participation
from xietong.meetings.schedule import notice_deadline, working_days_before
from xietong.meetings.tests.helpers import act, apply, at, fire, inbox, noticed
from xietong.notify.models import InboxMessage
from xietong.workcal.engine import WorkingCalendar

D = dt.date


@pytest.mark.parametrize(
    ("meeting_day", "days", "deadline"),
    [
        (D(2026, 3, 10), 2, D(2026, 3, 6)),  # Tuesday: the weekend does not count → Friday
        (D(2026, 3, 9), 2, D(2026, 3, 5)),  # Monday → Thursday
        (D(2026, 3, 10), 3, D(2026, 3, 5)),  # 会议申请表 3 working days ahead
        (D(2026, 3, 10), 0, D(2026, 3, 10)),
        (D(2026, 10, 12), 2, D(2026, 10, 9)),  # Monday after 国庆: Saturday 10/10 is a 调休 working day
        (D(2026, 10, 13), 2, D(2026, 10, 10)),  # Tuesday: the notice may go out on the 调休 Saturday
        (D(2026, 10, 8), 2, D(2026, 9, 29)),  # first day after 国庆 1–7 Oct: back to Tuesday 29 Sept
        (D(2026, 9, 21), 2, D(2026, 9, 18)),  # Monday after the 调休 Sunday 9/20 → Friday
    ],
)
def test_notice_deadline_counts_working_days_across_weekends_holidays_and_tiaoxiu(meeting_day, days, deadline):
    engine = WorkingCalendar()
    assert notice_deadline(engine, meeting_day, days) == deadline
    assert working_days_before(engine, meeting_day, days) == deadline


def test_application_goes_to_the_division_leader_and_is_approved(company):
    saved = apply(company)
    meeting = saved.meeting
    assert (meeting.number, meeting.state, meeting.department.code) == ("HY-2026-0001", "draft", "product")
    # The organiser and the chair always attend; the organiser's own answer is yes.
    answers = dict(Participation.objects.filter(meeting=meeting).values_list("person__username", "response"))
    assert answers == {
        "guoxin": "accepted",
        "lina": "pending",
        "zhaolei": "pending",
        "sunyu": "pending",
        "heyang": "pending",
    }
    meeting = act(company, meeting, "guoxin", "submit", "2026-03-03 10:05")
    assert (meeting.state, meeting.approver.username, meeting.late_application) == ("submitted", "wangjianguo", False)
    assert inbox("wangjianguo", "【会议审批】") == ["【会议审批】HY-2026-0001 智能手表项目-硬件方案评审会"]
    with pytest.raises(Forbidden):
        act(company, meeting, "guoxin", "approve", "2026-03-03 11:00")  # not his to approve
    meeting = act(company, meeting, "wangjianguo", "approve", "2026-03-03 14:00")
    assert meeting.state == "approved"
    assert inbox("guoxin", "【会议申请批准】") == ["【会议申请批准】HY-2026-0001 智能手表项目-硬件方案评审会"]
    # The notice is now due: by the end of Friday 6 March, two working days before Tuesday 10 March.
    notice = Clock.objects.get(subject_id=meeting.pk, subject_type="meetings.meeting", kind="notice")
    assert notice.due_at == at("2026-03-06 18:00") and notice.owner.username == "guoxin"
    assert Clock.objects.get(subject_id=meeting.pk, kind="remind", limit="notice").due_at == at("2026-03-06 16:00")


def test_late_application_is_flagged_not_refused(company):
    # Thursday 5 March is the last day for a Tuesday 10 March meeting (3 working days ahead).
    meeting = apply(company, when="2026-03-05 18:30").meeting
    meeting = act(company, meeting, "guoxin", "submit", "2026-03-05 18:30")
    assert meeting.late_application is False
    act(company, meeting, "guoxin", "cancel", "2026-03-05 18:40", reason="改期")
    meeting = apply(company, when="2026-03-06 09:00").meeting
    meeting = act(company, meeting, "guoxin", "submit", "2026-03-06 09:00")
    assert meeting.late_application is True
    body = InboxMessage.objects.get(recipient__username="wangjianguo", notification__subject_id=meeting.pk)
    assert "（申请迟于规定的提前 3 个工作日）" in body.notification.body


def test_notice_states_time_place_agenda_and_materials_and_arms_the_clocks(company):
    meeting = noticed(company)
    assert (meeting.state, meeting.late_notice, meeting.notice_deadline) == ("notified", False, D(2026, 3, 6))
    message = InboxMessage.objects.get(recipient__username="heyang", notification__title__startswith="【会议通知】")
    body = message.notification.body
    for line in (
        "时间：2026年3月10日（星期二）10:00–11:30",
        "地点/线上：第一会议室（A座 3 楼）",
        "1. 硬件方案介绍（20 分钟）",
        "需提前准备的材料：硬件方案 V2、功耗测试报告",
    ):
        assert line in body
    assert not inbox("guoxin", "【会议通知】")  # the organiser sent it
    clocks = {(c.limit, c.kind): c for c in Clock.objects.filter(subject_id=meeting.pk, state="armed")}
    assert clocks[("respond", "respond")].due_at == at("2026-03-10 10:00")  # answers close at the start
    assert clocks[("respond", "remind")].due_at == at("2026-03-09 10:00")  # 1 working day before
    assert clocks[("minutes", "minutes")].due_at == at("2026-03-11 11:30")  # 24 h = 1 working day after the end
    notice = Clock.objects.get(subject_id=meeting.pk, kind="notice")
    assert notice.met_at == at("2026-03-04 09:00") and notice.state == "cancelled"


def test_notice_on_the_tiaoxiu_saturday_is_on_time_for_tuesday_but_late_for_monday(company):
    def weekly(start: str, end: str):
        return apply(
            company,
            when="2026-09-30 10:00",
            start=start,
            end=end,
            actor="lina",
            type_code="weekly-sync",
            project=company.project("q4-iteration"),
            title="软件开发部周例会",
            invite=("liuyang", "chenjing", "yangfan"),
            room=None,
            mode="online",
            online_link="腾讯会议 123-456-789",
        ).meeting

    tuesday = weekly("2026-10-13 10:00", "2026-10-13 10:30")
    monday = weekly("2026-10-12 10:00", "2026-10-12 10:30")
    # No approval needed for a weekly sync: the notice clock starts with the draft.
    assert Clock.objects.get(subject_id=tuesday.pk, kind="notice").due_at == at("2026-10-10 18:00")
    assert Clock.objects.get(subject_id=monday.pk, kind="notice").due_at == at("2026-10-09 18:00")
    # Friday 9 October passes without a notice for Monday: the organiser is told it is overdue.
    assert fire("2026-10-09 18:00") >= 1
    overdue = InboxMessage.objects.get(recipient__username="lina", notification__title__startswith="【已超时】")
    assert "提前通知已于 10月9日 18:00 到期" in overdue.notification.body
    tuesday = act(company, tuesday, "lina", "notify", "2026-10-10 11:00")  # 调休 Saturday, a working day
    monday = act(company, monday, "lina", "notify", "2026-10-10 11:00")
    assert (tuesday.late_notice, tuesday.notice_deadline) == (False, D(2026, 10, 10))
    assert (monday.late_notice, monday.notice_deadline) == (True, D(2026, 10, 9))
    body = (
        InboxMessage.objects.filter(recipient__username="chenjing", notification__subject_id=monday.pk)
        .get()
        .notification.body
    )
    assert "（本通知晚于规定的提前 2 个工作日）" in body
    # Late notices are marked and reportable.
    assert list(Meeting.objects.filter(late_notice=True).values_list("pk", flat=True)) == [monday.pk]
    assert AuditEvent.objects.get(action="meeting.notify", object_id=str(monday.pk)).after["late_notice"] is True


def test_a_notice_sent_on_sunday_for_tuesday_is_late(company):
    meeting = apply(company).meeting
    act(company, meeting, "guoxin", "submit", "2026-03-03 10:05")
    act(company, meeting, "wangjianguo", "approve", "2026-03-03 14:00")
    meeting = act(company, meeting, "guoxin", "notify", "2026-03-08 20:00")  # Sunday before Tuesday
    assert (meeting.late_notice, meeting.notice_deadline) == (True, D(2026, 3, 6))


def test_answers_reminders_and_who_never_answered(company):
    meeting = noticed(company)
    heyang, lina = company.person("heyang"), company.person("lina")
    with time_machine.travel(at("2026-03-05 08:50"), tick=False):
        with pytest.raises(ApplicationError) as refused, transaction.atomic():
            meeting_respond(actor=heyang, meeting=meeting, response="declined")
        assert refused.value.fields == {"reason": "请假请填写原因"}
        with pytest.raises(Forbidden), transaction.atomic():
            meeting_respond(actor=company.person("wangqiang"), meeting=meeting, response="accepted")
    with time_machine.travel(at("2026-03-05 09:00"), tick=False), transaction.atomic():
        meeting_respond(actor=heyang, meeting=meeting, response="declined", reason="月末结账，无法参加")
        meeting_respond(actor=lina, meeting=meeting, response="accepted")
    assert inbox("guoxin", "【请假】") == ["【请假】何洋 · 智能手表项目-硬件方案评审会"]

    # One working day before the start: a reminder to those coming, a request to those silent.
    assert fire("2026-03-09 10:00") == 1
    assert inbox("lina", "【会议提醒】") == ["【会议提醒】智能手表项目-硬件方案评审会"]
    assert (
        inbox("zhaolei", "【请确认参会】")
        == inbox("sunyu", "【请确认参会】")
        == ["【请确认参会】智能手表项目-硬件方案评审会"]
    )
    assert not inbox("heyang", "【会议提醒】") and not inbox("heyang", "【请确认参会】")  # declined
    # The meeting writes its own reminder; it ends with the clause of the limit, as the default ones do.
    asked = InboxMessage.objects.get(recipient__username="zhaolei", notification__title__startswith="【请确认参会】")
    assert asked.notification.body.endswith(
        "您尚未答复，请确认参加或请假。\n"
        "依据：《内部沟通与协调工作机制》三（二）步骤2「同步收集参会人员反馈」；"
        "另见：文件未规定回复时限，会前 1 个工作日提醒为本产品默认"
    )
    # The start closes the answers; the organiser learns who never answered.
    assert fire("2026-03-10 10:00") == 1
    summary = InboxMessage.objects.get(recipient__username="guoxin", notification__title__startswith="【参会情况】")
    assert summary.notification.title == "【参会情况】智能手表项目-硬件方案评审会：2 人未答复"
    assert summary.notification.body == (
        "会议开始时仍未答复：赵磊、孙宇\n"
        "依据：《内部沟通与协调工作机制》三（二）步骤2「同步收集参会人员反馈」；"
        "另见：文件未规定回复时限，会前 1 个工作日提醒为本产品默认"
    )
    with (
        pytest.raises(InvalidState, match="会议已经开始"),
        time_machine.travel(at("2026-03-10 10:05"), tick=False),
        transaction.atomic(),
    ):
        meeting_respond(actor=company.person("sunyu"), meeting=meeting, response="accepted")


def test_cancelling_a_noticed_meeting_tells_everyone_and_stops_its_clocks(company):
    meeting = noticed(company)
    with pytest.raises(ApplicationError) as refused:
        act(company, meeting, "guoxin", "cancel", "2026-03-05 10:00")
    assert refused.value.fields == {"reason": "请填写取消原因"}
    act(company, meeting, "guoxin", "cancel", "2026-03-05 10:00", reason="方案评审推迟到下周")
    assert not Clock.objects.filter(subject_id=meeting.pk, subject_type="meetings.meeting", state="armed").exists()
    for username in ("lina", "zhaolei", "sunyu", "heyang"):
        assert inbox(username, "【会议取消】") == ["【会议取消】智能手表项目-硬件方案评审会"]
