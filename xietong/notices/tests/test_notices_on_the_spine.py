"""通知 on the process spine: its state changes only through its declared steps, the sender finds them over
the API as on the page, and the clock's reminder before the deadline is the same step, taken by the system."""

import pytest
import time_machine
from django.db import transaction

from xietong.clocks.models import Clock
from xietong.core.models import AuditEvent
from xietong.items.guard import StateWriteOutsideRunner
from xietong.notices.models import Notice
from xietong.notices.tests.test_notices import at, confirm, fire, publish, titles
from xietong.notify.models import InboxMessage


def test_a_notice_changes_state_only_through_its_steps(company):
    notice = publish(company, departments=(), people=("heyang",))
    with pytest.raises(StateWriteOutsideRunner), transaction.atomic():
        Notice.objects.filter(pk=notice.pk).update(state="withdrawn")
    notice.state = "draft"
    with pytest.raises(StateWriteOutsideRunner), transaction.atomic():
        notice.save()
    assert Notice.objects.get(pk=notice.pk).state == "published"


def test_the_sender_reminds_and_withdraws_over_the_api(company, client_for):
    notice = publish(company, departments=(), people=("heyang", "wangqiang"))
    confirm(company, notice, ["heyang"])
    liufang, wangqiang = client_for("liufang"), client_for("wangqiang")
    actions = liufang.get(f"/api/notices/{notice.pk}/actions").json()
    assert actions == [
        {"name": "remind", "label": "提醒未确认人员", "needs_reason": False, "reason_label": ""},
        {"name": "withdraw", "label": "撤回", "needs_reason": True, "reason_label": "撤回原因"},
    ]
    # A recipient who has not confirmed may take one step: 已阅 (declared, so cards and the API offer it too).
    assert wangqiang.get(f"/api/notices/{notice.pk}/actions").json() == [
        {"name": "confirm", "label": "已阅", "needs_reason": False, "reason_label": ""}
    ]
    assert (
        wangqiang.post(
            f"/api/notices/{notice.pk}/transitions/withdraw", {"reason": "x"}, "application/json"
        ).status_code
        == 403
    )

    url = f"/api/notices/{notice.pk}/transitions/withdraw"
    with time_machine.travel(at("2026-03-11 10:00"), tick=False):
        refused = liufang.post(url, {"reason": " "}, "application/json")
        assert (refused.status_code, refused.json()["fields"]) == (400, {"reason": "请填写撤回原因"})
        done = liufang.post(url, {"reason": "生效日期有误，更正后重发"}, "application/json")
    assert (done.status_code, done.json()["state"]) == (200, "withdrawn")
    notice.refresh_from_db()
    assert (notice.withdraw_reason, notice.closed_at) == ("生效日期有误，更正后重发", at("2026-03-11 10:00"))
    assert not Clock.objects.filter(subject_type="notices.notice", subject_id=notice.pk, state="armed").exists()
    withdrawn = InboxMessage.objects.get(
        recipient__username="wangqiang", notification__title__startswith="【通知撤回】"
    )
    assert withdrawn.notification.body == "撤回原因：生效日期有误，更正后重发"
    event = AuditEvent.objects.get(action="notice.withdraw")
    assert (event.before, event.after) == (
        {"state": "published"},
        {"state": "withdrawn", "reason": "生效日期有误，更正后重发"},
    )
    assert liufang.get(f"/api/notices/{notice.pk}/actions").json() == []


def test_the_reminder_before_the_deadline_is_the_same_step_taken_by_the_system(company):
    notice = publish(company, departments=(), people=("heyang", "wangqiang"))
    confirm(company, notice, ["heyang"])
    assert fire("2026-03-13 14:00") == 1  # 4 working hours before 18:00
    assert titles("wangqiang", "【待确认】") == ["【待确认】关于规范跨部门协作流程的通知"]
    assert InboxMessage.objects.get(
        recipient__username="wangqiang", notification__title__startswith="【待确认】"
    ).notification.body == (
        "您尚未确认这份通知（截止 3月13日 18:00），请打开通知并点击“已阅”。\n"
        "依据：《内部沟通与协调工作机制》二（一）「明确“已阅”确认要求」"
    )
    assert not titles("heyang", "【待确认】")
    event = AuditEvent.objects.get(action="notice.remind")
    assert (event.actor, event.actor_label, event.at) == (None, "系统", at("2026-03-13 14:00"))
    assert event.after == {"reminded": [company.person("wangqiang").pk]}
