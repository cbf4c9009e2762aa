"""Where an escalation lands when the ladder's person cannot take it, over 国庆 2026 (10/1–10/7 off,
Saturday 10/10 a 调休 workday): on leave → their stand-in (or up one rung), the requester themselves →
skipped, the same person twice in a row → told once, nobody in the role → the coordinating office.

郭鑫 (产品部) asks 李娜 (软件开发部经理) at 17:30 on 9/30 with high priority: the answer is due 10/8 10:30;
"超时48小时自动升级" counts 48 elapsed hours from that missed deadline, Saturday 10/10 10:30 (a 调休 workday;
level 1, 部门负责人 — for 李娜 the head above her, 研发中心's 张伟), then one working day per level: level 2
(分管领导 王建国) on Monday 10/12 10:30, level 3 (总经理 陈志强) on Tuesday 10/13 10:30.
"""

from django.utils.timezone import localtime

from xietong.clocks.models import Clock, Escalation, EscalationLadder
from xietong.items.tests.test_standins import leave
from xietong.notify.models import InboxMessage
from xietong.org.models import Department
from xietong.requests.tests.test_request_flow import at, fire, new_request

LEVEL_1, LEVEL_2, LEVEL_3 = "2026-10-10 10:30", "2026-10-12 10:30", "2026-10-13 10:30"


def escalations(request) -> list[tuple[int, str | None, str, str]]:
    rows = Escalation.objects.filter(subject_id=request.pk).select_related("target").order_by("level")
    return [
        (e.level, e.target.username if e.target else None, localtime(e.at).strftime("%m-%d %H:%M"), e.note)
        for e in rows
    ]


def titles(username: str) -> list[str]:
    return list(
        InboxMessage.objects.filter(recipient__username=username)
        .order_by("pk")
        .values_list("notification__title", flat=True)
    )


def ladder_rules(**rules) -> None:
    EscalationLadder.objects.filter(code="standard").update(**rules)


def test_the_level_that_lands_on_someone_on_leave_over_national_day_goes_to_their_stand_in(company):
    leave(company, "zhangwei", "wangqiang", "2026-09-30 18:00", "2026-10-12 09:00")
    request = new_request(company)
    fire("2026-10-08 10:30")
    assert fire("2026-10-10 10:29") == 0
    assert fire(LEVEL_1) == 1
    assert fire(LEVEL_2) == 1

    assert escalations(request) == [
        (1, "wangqiang", "10-10 10:30", "张伟 休假中，由代理人 王强 接收"),
        (2, "wangjianguo", "10-12 10:30", ""),
    ]
    assert titles("wangqiang") == ["【升级·第1级】XQ-2026-0001 智能手表项目-续航优化方案评审"]
    assert titles("zhangwei") == []
    assert Clock.objects.get(subject_id=request.pk, kind="escalate", level=3).due_at == at(LEVEL_3)


def test_with_the_skip_rule_a_level_on_leave_goes_up_and_no_one_hears_the_same_escalation_twice(company):
    ladder_rules(when_absent="skip")
    leave(company, "zhangwei", "wangqiang", "2026-09-30 18:00", "2026-10-12 09:00")
    request = new_request(company)
    for instant in ("2026-10-08 10:30", LEVEL_1, LEVEL_2, LEVEL_3):
        fire(instant)

    assert escalations(request) == [
        (1, "wangjianguo", "10-10 10:30", "张伟 休假中，已跳过，已升级至分管领导"),
        (2, "chenzhiqiang", "10-12 10:30", "王建国 已收到上一级升级，不重复通知，已升级至总经理"),
        (3, None, "10-13 10:30", "陈志强 已收到上一级升级，不重复通知"),
    ]
    assert titles("wangjianguo") == ["【升级·第1级】XQ-2026-0001 智能手表项目-续航优化方案评审"]
    assert titles("chenzhiqiang") == ["【升级·第2级】XQ-2026-0001 智能手表项目-续航优化方案评审"]
    assert titles("wangqiang") == []


def test_told_every_time_when_the_ladder_does_not_deduplicate(company):
    ladder_rules(when_absent="skip", dedupe="none")
    leave(company, "zhangwei", "wangqiang", "2026-09-30 18:00", "2026-10-12 09:00")
    request = new_request(company)
    for instant in ("2026-10-08 10:30", LEVEL_1, LEVEL_2):
        fire(instant)
    assert [row[:2] for row in escalations(request)] == [(1, "wangjianguo"), (2, "wangjianguo")]


def test_the_requester_is_not_escalated_to_about_their_own_request(company):
    # 李娜 asks her own engineer 王强: level 1 (王强's department head) would be 李娜 herself.
    mine = dict(actor="lina", receiver=company.person("wangqiang"))
    request = new_request(company, **mine)
    for instant in ("2026-10-08 10:30", LEVEL_1):
        fire(instant)
    assert escalations(request) == [(1, "wangjianguo", "10-10 10:30", "李娜 为发起人本人，已跳过，已升级至分管领导")]

    ladder_rules(when_requester="keep")
    other = new_request(company, when="2026-10-09 09:00", **mine)
    fire("2026-10-13 09:00")
    assert escalations(other)[0][:2] == (1, "lina")


def test_nobody_in_the_role_goes_to_the_coordinating_office_when_the_ladder_says_so(company):
    ladder_rules(when_vacant="coordinators")
    Department.objects.filter(code="rd").update(head=None)
    request = new_request(company)
    for instant in ("2026-10-08 10:30", LEVEL_1):
        fire(instant)
    assert escalations(request) == [(1, "liufang", "10-10 10:30", "本人即部门负责人，已交综合管理部协调人")]
    assert titles("sunli")[-1] == "【升级·第1级】XQ-2026-0001 智能手表项目-续航优化方案评审"


def test_a_reminder_of_a_clock_owned_by_someone_on_leave_reaches_their_stand_in_too(company):
    leave(company, "lina", "wangqiang", "2026-09-30 18:00", "2026-10-09 09:00")
    new_request(company)
    fire("2026-10-08 10:00")
    assert titles("lina")[-1] == "【即将到期】XQ-2026-0001 智能手表项目-续航优化方案评审"
    assert titles("wangqiang") == ["【代李娜】【即将到期】XQ-2026-0001 智能手表项目-续航优化方案评审"]
