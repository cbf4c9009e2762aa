"""The quarterly review as 《企业沟通与协作流程规范》二（五）流程复盘 states it: 「每季度末,企业管理部组织各部门负责人
召开协作复盘会,复盘本季度典型协作案例……经管理层审批后纳入下季度规范更新」.

- the worker generates the quarter's pack at the start of its last working day (2026Q2: 2026-06-30 09:00), once,
  whatever the number of workers or sweeps, and reminds 综合管理部 (刘芳, 孙丽) in their inbox;
- 综合管理部 picks the typical cases the meeting discusses; the page and the PDF show them, the pick is audited;
- an approved time-limit change takes effect from the next quarter's first day 00:00: a clock started before
  keeps the old limit, one started at or after that instant gets the new one (even before the worker writes the
  row), and `xietong policy list --configured` and the admin show the pending change with its date.
"""

import io
from io import StringIO

import pytest
import time_machine
from django.core.management import call_command
from django.db import transaction
from django.utils import translation

from xietong.clocks.models import ClockPolicy
from xietong.clocks.scheduled import policy_changes_apply_due
from xietong.clocks.services import clock_arm
from xietong.core.errors import ApplicationError, Forbidden
from xietong.core.models import AuditEvent
from xietong.core.worker import run_sweeps_once
from xietong.notify.models import InboxMessage
from xietong.reports.models import QuarterlyReview
from xietong.reports.periods import Quarter
from xietong.reports.review import cases_pick, review_due_at, review_generate_due
from xietong.reports.tests.fixture import build
from xietong.reports.tests.test_review import decide, propose, review  # noqa: F401  (review: a fixture)
from xietong.requests.tests.test_request_flow import at


def sweep(when):
    with time_machine.travel(at(when), tick=False):
        return review_generate_due()


def test_the_pack_is_due_at_the_start_of_the_quarters_last_working_day(db):
    assert review_due_at(Quarter(2026, 2)) == at("2026-06-30 09:00")  # a Tuesday
    assert review_due_at(Quarter(2026, 3)) == at("2026-09-30 09:00")  # the day before 国庆
    assert review_due_at(Quarter(2026, 4)) == at("2026-12-31 09:00")
    assert review_due_at(Quarter(2026, 1)) == at("2026-03-31 09:00")


def test_the_worker_generates_the_review_once_at_quarter_end_and_reminds_the_coordinating_office(company):
    build(company)
    QuarterlyReview.objects.all().delete()
    assert sweep("2026-06-30 08:59") == 1  # 2026Q1's, which nobody generated: caught up, once
    assert list(QuarterlyReview.objects.values_list("year", "quarter")) == [(2026, 1)]
    assert sweep("2026-06-30 08:59") == 0  # 2026Q2's is not due yet
    assert sweep("2026-06-30 09:00") == 1
    assert sweep("2026-06-30 09:00") == 0 and sweep("2026-07-02 10:00") == 0  # exactly once
    with time_machine.travel(at("2026-06-30 09:05"), tick=False):
        assert run_sweeps_once()["quarterly-review"] == 0

    generated = QuarterlyReview.objects.get(year=2026, quarter=2)
    assert generated.generated_by is None and generated.generated_at == at("2026-06-30 09:00")
    assert [c["title"] for c in generated.pack["most_escalated"]] == ["登录故障修复需求"]
    event = AuditEvent.objects.get(action="review.generate", object_id=str(generated.pk))
    assert event.actor is None and event.after["automatic"] is True

    told = InboxMessage.objects.filter(
        notification__subject_id=generated.pk, notification__subject_type="reports.quarterlyreview"
    )
    assert sorted(m.recipient.username for m in told) == ["liufang", "sunli"]
    notification = told[0].notification
    assert notification.title == "【季度复盘】2026年第二季度复盘材料已生成，请选定典型案例并组织复盘会"
    assert notification.body == (
        "2026年第二季度的复盘材料已自动生成：候选典型案例 2 个，2 个部门的守规情况，1 条反馈建议。"
        "请选定要讨论的典型案例，于 2026-06-30 前组织各部门负责人召开协作复盘会，输出《协作流程优化建议》。"
        "依据：《企业沟通与协作流程规范》二（五）「每季度末,企业管理部组织各部门负责人召开协作复盘会」"
    )
    assert notification.url == f"/reports/reviews/{generated.pk}/"


def test_the_coordinator_picks_the_cases_the_meeting_discusses(company, client_for, review):  # noqa: F811
    keys = [c["key"] for c in review.candidates()]
    titles = [(c["title"], c["group"]) for c in review.candidates()]
    assert titles == [("登录故障修复需求", "most_escalated"), ("续航优化需求评审", "fastest")]
    with pytest.raises(Forbidden), transaction.atomic():
        cases_pick(actor=company.person("lina"), review=review, keys=keys[:1])
    with pytest.raises(ApplicationError), transaction.atomic():
        cases_pick(actor=company.person("liufang"), review=review, keys=["requests.request:999999"])

    response = client_for("liufang").post(f"/reports/reviews/{review.pk}/cases/", {"case": [keys[-1], keys[0]]})
    assert response.status_code == 302 and response["Location"] == f"/reports/reviews/{review.pk}/#cases"
    review.refresh_from_db()
    assert review.selected_cases == [keys[-1], keys[0]]
    event = AuditEvent.objects.get(action="review.pick")
    assert (event.actor.username, event.before, event.after) == (
        "liufang",
        {"cases": []},
        {"cases": [keys[-1], keys[0]]},
    )
    page = client_for("liufang").get(f"/reports/reviews/{review.pk}/").content.decode()
    picked = page[
        page.index('<ol class="picked-cases">') : page.index("</ol>", page.index('<ol class="picked-cases">'))
    ]
    assert [c["title"] for c in review.picked_cases()] == [review.candidates()[-1]["title"], "登录故障修复需求"]
    assert picked.count("<li>") == 2 and "登录故障修复需求" in picked

    from pypdf import PdfReader

    pdf = client_for("liufang").get(f"/reports/reviews/{review.pk}/pack.pdf").content
    text = PdfReader(io.BytesIO(pdf)).pages[0].extract_text()
    assert "复盘会讨论的典型案例（综合管理部选定）" in text and "升级最多" in text

    # Regenerating the pack keeps the pick.
    from xietong.reports.review import review_generate

    with time_machine.travel(at("2026-06-30 17:00"), tick=False), transaction.atomic():
        review_generate(actor=company.person("liufang"), quarter=Quarter(2026, 2))
    review.refresh_from_db()
    assert review.selected_cases == [keys[-1], keys[0]]


def test_a_change_takes_effect_from_the_next_quarters_first_day(company, client_for, review):  # noqa: F811
    policy = ClockPolicy.objects.get(process="request", priority="high", kind="respond")
    proposal = propose(company, review, policy=policy, new_duration="3h")
    decide(company, proposal)  # approved 2026-07-06 → from 2026-10-01 00:00

    def arm(start):
        with time_machine.travel(at(start), tick=False), transaction.atomic():
            return clock_arm(
                subject=proposal, process="request", limit="respond", priority="high", owner=None, start=at(start)
            )

    before = arm("2026-09-30 17:00")  # 2 working hours: 1 h on 9/30, then 国庆 until 10/8 09:00 + 1 h
    assert (before.due_at, before.offset_us) == (at("2026-10-08 10:00"), 2 * 3600 * 10**6)
    after = arm("2026-10-01 00:00")  # the worker has not run yet: the new limit already counts
    assert (after.due_at, after.offset_us) == (at("2026-10-08 12:00"), 3 * 3600 * 10**6)

    policy.refresh_from_db()
    with translation.override("zh-hans"):
        out = StringIO()
        call_command("policy", "list", "--configured", stdout=out)
    header, *rows = [line.split("\t") for line in out.getvalue().splitlines()]
    assert header[-1] == "待生效调整"
    row = next(r for r in rows if r[:3] == ["需求协作", "高优先级", "响应"])
    assert row[3] == "2 个工作小时"
    assert (
        row[-1]
        == "2026-10-01 00:00 起：时限 3 个工作小时（2026Q2 季度复盘 · 优化建议「高优先级需求响应时限放宽至 3 小时」）"
    )
    admin_page = client_for("admin").get(f"/admin/clocks/clockpolicy/{policy.pk}/change/").content.decode()
    assert "2026-10-01 00:00 起：时限 3 个工作小时" in admin_page

    page = client_for("liufang").get(f"/reports/reviews/{review.pk}/").content.decode()
    assert "自 2026-10-01 起生效" in page

    with time_machine.travel(at("2026-09-30 23:59"), tick=False):
        assert policy_changes_apply_due() == 0
    with time_machine.travel(at("2026-10-01 00:00:01"), tick=False):
        assert policy_changes_apply_due() == 1
        assert policy_changes_apply_due() == 0  # once
    policy.refresh_from_db()
    assert (policy.duration, policy.change_from) == ("3h", None)
    event = AuditEvent.objects.get(action="clocks.clockpolicy.change")
    assert event.actor is None and event.before == {"duration": "2h"}
    assert event.after["duration"] == "3h" and event.after["effective_from"] == "2026-10-01T00:00:00+08:00"
    assert arm("2026-10-08 09:00").due_at == at("2026-10-08 12:00")


def test_a_late_approval_is_never_backdated(company, review):  # noqa: F811
    policy = ClockPolicy.objects.get(process="request", priority="high", kind="respond")
    proposal = propose(company, review, policy=policy, new_duration="3h")
    with time_machine.travel(at("2026-10-09 10:00"), tick=False), transaction.atomic():
        from xietong.reports.review import proposal_decide

        proposal_decide(actor=company.person("chenzhiqiang"), proposal_id=proposal.pk, approve=True)
    policy.refresh_from_db()
    assert policy.change_from == at("2027-01-01 00:00") and policy.duration == "2h"
