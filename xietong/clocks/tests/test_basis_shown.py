"""Every clock shows the clause it comes from — on the item's page, in the clocks API, in the reminder, the
overdue notice and the escalation — and an administrator who edits the clause in 系统管理 › 时限规则 changes
what every clock shows from then on, on the record. Instants are Asia/Shanghai."""

import time_machine
from django.utils import translation

from xietong.clocks.models import ClockPolicy
from xietong.clocks.selectors import clock_views
from xietong.clocks.tests.test_clocks import arm, at, fire_at, ladder, probe_for  # noqa: F401 (fixture)
from xietong.core.models import AuditEvent
from xietong.notify.models import InboxMessage

CLAUSE = "依据：《企业沟通与协作流程规范》二（一）「需在收到需求后2个工作小时内响应」"


def sourced_policy(ladder):  # noqa: F811
    return ClockPolicy.objects.create(
        process="probe",
        priority="high",
        kind="respond",
        duration="2h",
        mode="working",
        remind_before="30m",
        ladder=ladder,
        source="企业沟通与协作流程规范",
        clause="二（一）",
        clause_text="需在收到需求后2个工作小时内响应",
    )


def bodies(username: str) -> list[str]:
    return list(
        InboxMessage.objects.filter(recipient__username=username)
        .order_by("pk")
        .values_list("notification__body", flat=True)
    )


@translation.override("zh-hans")
def test_the_page_the_reminder_the_overdue_notice_and_the_escalation_name_the_clause(company, ladder):  # noqa: F811
    sourced_policy(ladder)
    probe = probe_for(company, "wangqiang")
    arm(probe, at("2026-09-30 17:30"))  # due 10/8 10:30 after 国庆, reminder 10:00, escalation at the deadline
    with time_machine.travel(at("2026-09-30 17:31"), tick=False):
        (view,) = clock_views(probe)
    assert view.basis == CLAUSE
    assert fire_at(at("2026-10-08 10:00")) == 1
    assert fire_at(at("2026-10-08 10:30")) == 2  # the limit and the first escalation
    assert bodies("wangqiang") == [
        f"响应将于 10月8日 10:30 到期（剩余 30 分钟），请及时处理。\n{CLAUSE}",
        f"响应已于 10月8日 10:30 到期，尚未完成，请尽快处理。\n{CLAUSE}",
    ]
    assert bodies("lina") == [f"王强的响应已超时（到期 10月8日 10:30），按规则升级至您（部门负责人）。\n{CLAUSE}"]


@translation.override("zh-hans")
def test_a_clause_edited_in_the_admin_is_audited_and_shown_on_clocks_already_running(
    company,
    ladder,  # noqa: F811
    client_for,
):
    policy = sourced_policy(ladder)
    probe = probe_for(company, "wangqiang")
    arm(probe, at("2026-03-02 09:00"))
    form = {
        "process": "probe",
        "priority": "high",
        "kind": "respond",
        "duration": "2h",
        "mode": "working",
        "snap": "on",
        "remind_before": "30m",
        "escalate_after": "",
        "escalate_mode": "working",
        "ladder": str(ladder.pk),
        "when_late": "flag",
        "is_active": "on",
        "source": "《内部沟通与协调工作机制》",
        "clause": "二（一）",
        "clause_text": "要求工作时间内消息响应不超过2小时(紧急情况除外)",
        "also": "",
        "description": "",
    }
    response = client_for("admin").post(f"/admin/clocks/clockpolicy/{policy.pk}/change/", form)
    assert response.status_code == 302, response.content.decode()[:2000]
    event = AuditEvent.objects.get(action="clocks.clockpolicy.change")
    assert event.before == {
        "source": "企业沟通与协作流程规范",
        "clause_text": "需在收到需求后2个工作小时内响应",
    }
    assert event.after == {
        "source": "《内部沟通与协调工作机制》",
        "clause_text": "要求工作时间内消息响应不超过2小时(紧急情况除外)",
    }
    replaced = "依据：《内部沟通与协调工作机制》二（一）「要求工作时间内消息响应不超过2小时(紧急情况除外)」"
    with time_machine.travel(at("2026-03-02 09:10"), tick=False):
        (view,) = clock_views(probe)
    assert view.basis == replaced
    fire_at(at("2026-03-02 10:30"))
    assert bodies("wangqiang")[0].endswith("\n" + replaced)
    page = client_for("admin").get("/admin/clocks/clockpolicy/").content.decode()
    assert replaced in page
