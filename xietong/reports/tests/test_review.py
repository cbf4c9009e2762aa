"""季度复盘 (process 12): the coordinating office generates the pack from the quarter's figures; proposals
are recorded; the general manager approves; an approved time-limit change lands in the policy row with
an audit event (before/after)."""

import io

import pytest
import time_machine
from django.db import transaction

from xietong.clocks.models import ClockPolicy
from xietong.core.errors import ApplicationError, Forbidden, InvalidState
from xietong.core.models import AuditEvent
from xietong.reports.periods import Quarter
from xietong.reports.review import proposal_add, proposal_decide, review_generate
from xietong.reports.tests.fixture import NOW, build
from xietong.requests.tests.test_request_flow import at

Q2 = Quarter(2026, 2)


@pytest.fixture
def review(company):
    build(company)
    with time_machine.travel(at(NOW), tick=False), transaction.atomic():
        return review_generate(actor=company.person("liufang"), quarter=Q2)


def propose(company, review, username="liufang", **changes):
    data = dict(title="高优先级需求响应时限放宽至 3 小时", content="本季度响应超时集中在上午会议时段", **changes)
    with time_machine.travel(at("2026-07-03 10:00"), tick=False), transaction.atomic():
        return proposal_add(actor=company.person(username), review=review, **data)


def decide(company, proposal, username="chenzhiqiang", approve=True, note=""):
    with time_machine.travel(at("2026-07-06 10:00"), tick=False), transaction.atomic():
        return proposal_decide(actor=company.person(username), proposal_id=proposal.pk, approve=approve, note=note)


def test_the_pack_has_typical_cases_department_figures_and_suggestions(company, review):
    pack = review.pack
    assert (pack["quarter"], pack["label"]) == ("2026Q2", "2026年第二季度")
    assert [(c["title"], c["escalations"], c["max_level"]) for c in pack["most_escalated"]] == [
        ("登录故障修复需求", 2, 2)
    ]
    # share of the limit used: c1 1/2, c4 6/7.5, c6 10.5/10.5 (c2 was late, so not "fast")
    assert [(c["limit"], c["hours"], c["limit_hours"]) for c in pack["fastest"]] == [
        ("响应", 1.0, 2.0),
        ("会议纪要", 6.0, 7.5),
        ("验收/审核", 10.5, 10.5),
    ]
    assert [(c["title"], c["score"], c["answers"]) for c in pack["lowest_scores"]] == [("续航优化需求评审", 4.0, 2)]
    counts = ("department", "total", "on_time", "late", "open_late", "pending", "rate", "overdue", "escalations")
    assert [{k: d[k] for k in counts} for d in pack["departments"]] == [
        {
            "department": "软件开发部",
            "total": 5,
            "on_time": 2,
            "late": 1,
            "open_late": 1,
            "pending": 1,  # c5, cancelled unmet
            "rate": 50.0,
            "overdue": 1,
            "escalations": 2,
        },
        {
            "department": "产品部",
            "total": 2,
            "on_time": 1,
            "late": 0,
            "open_late": 0,
            "pending": 1,  # c7, still running
            "rate": 100.0,
            "overdue": 0,
            "escalations": 0,
        },
    ]
    assert pack["suggestions"] == [{"request": "XQ-2026-0001", "person": "郭鑫", "text": "验收标准应在需求阶段量化"}]
    assert AuditEvent.objects.get(action="review.generate").actor.username == "liufang"


def test_only_the_coordinating_office_generates(company):
    with pytest.raises(Forbidden), transaction.atomic():
        review_generate(actor=company.person("lina"), quarter=Q2)


def test_an_approved_time_limit_change_is_scheduled_from_the_next_quarter_with_an_audit_event(company, review):
    policy = ClockPolicy.objects.get(process="request", priority="high", kind="respond")
    assert policy.duration == "2h"
    proposal = propose(company, review, policy=policy, new_duration="3h")
    with pytest.raises(Forbidden):
        decide(company, proposal, username="liufang")  # only the general manager approves
    decide(company, proposal, note="同意，下季度执行")  # 2026-07-06, in 2026Q3: from 2026-10-01
    policy.refresh_from_db()
    assert (policy.duration, policy.remind_before) == ("2h", "30m")  # not applied at once
    assert policy.change_from == at("2026-10-01 00:00")
    event = AuditEvent.objects.filter(action="clocks.clockpolicy.schedule").get()
    assert event.actor.username == "chenzhiqiang"
    assert event.before == {"duration": "2h"}
    change = policy.scheduled_changes.get()
    assert event.after == {
        "duration": "3h",
        "effective_from": "2026-10-01T00:00:00+08:00",
        "change": change.pk,
        "reason": "2026Q2 季度复盘 · 优化建议「高优先级需求响应时限放宽至 3 小时」",
    }
    assert not AuditEvent.objects.filter(action="clocks.clockpolicy.change").exists()
    with pytest.raises(InvalidState):
        decide(company, proposal)


def test_a_rejection_needs_a_reason_and_changes_nothing(company, review):
    policy = ClockPolicy.objects.get(process="request", priority="high", kind="respond")
    proposal = propose(company, review, policy=policy, new_duration="3h")
    with pytest.raises(ApplicationError) as refused:
        decide(company, proposal, approve=False)
    assert refused.value.fields == {"note": "不批准时请说明理由"}
    decide(company, proposal, approve=False, note="客户要求 2 小时响应")
    policy.refresh_from_db()
    assert policy.duration == "2h"
    assert not AuditEvent.objects.filter(action="clocks.clockpolicy.change").exists()


def test_bad_proposals_are_refused_field_by_field(company, review):
    policy = ClockPolicy.objects.get(process="request", priority="high", kind="respond")
    with pytest.raises(ApplicationError) as refused:
        propose(company, review, new_duration="三个钟头")
    assert set(refused.value.fields) == {"new_duration", "policy"}
    with pytest.raises(ApplicationError) as empty:
        propose(company, review, policy=policy)
    assert empty.value.fields == {"new_duration": "选择了时限规则，请填写新的时限、提醒或升级时间"}
    with pytest.raises(Forbidden):
        propose(company, review, username="wangqiang")  # a member does not record proposals


def test_review_pages_and_pdf(company, client_for, review):
    page = client_for("liufang").get(f"/reports/reviews/{review.pk}/").content.decode()
    assert "登录故障修复需求" in page and "验收标准应在需求阶段量化" in page
    assert client_for("wangqiang").get(f"/reports/reviews/{review.pk}/").status_code == 404
    response = client_for("liufang").get(f"/reports/reviews/{review.pk}/pack.pdf")
    from pypdf import PdfReader

    text = PdfReader(io.BytesIO(response.content)).pages[0].extract_text()
    assert "季度复盘" in text and "软件开发部" in text


def test_a_typical_case_names_the_clause_its_limit_comes_from(company):
    from xietong.clocks.models import Clock, ClockPolicy

    build(company)
    policy = ClockPolicy.objects.get(process="request", priority="high", kind="respond")
    Clock.objects.filter(limit="respond").update(policy=policy)
    with time_machine.travel(at(NOW), tick=False), transaction.atomic():
        pack = review_generate(actor=company.person("liufang"), quarter=Q2).pack
    assert [(c["limit"], c["basis"][:38]) for c in pack["fastest"]] == [
        ("响应", "依据：《企业沟通与协作流程规范》二（一）「需在收到需求后2个工作小时内响应」"),
        ("会议纪要", ""),
        ("验收/审核", ""),
    ]


def test_every_count_of_the_pack_reconciles_with_its_drill_down(company, client_for, review):
    """Issue 23: the 季度复盘's counts did not add up. Each department's row adds up (时限数 = 按时 + 超时完成 +
    超时未完成 + 未判定) and each count opens the list behind it: the rows of that drill-down are as many."""
    from urllib.parse import parse_qs, urlparse

    from xietong.reports.selectors import drill

    coordinator = company.person("liufang")
    for row in review.pack["departments"]:
        assert row["total"] == row["on_time"] + row["late"] + row["open_late"] + row["pending"]
        for key in ("total", "on_time", "late", "open_late", "pending", "overdue", "escalations"):
            query = parse_qs(urlparse(row["drill"][key]).query)
            with time_machine.travel(at(NOW), tick=False):
                lines = drill(
                    coordinator,
                    Quarter.parse(query["period"][0]),
                    department_id=int(query["department"][0]),
                    outcome=query.get("outcome", [""])[0],
                )
            assert lines is not None and len(lines) == row[key], (row["department"], key)
    page = client_for("liufang").get(review.get_absolute_url()).content.decode()
    soft = review.pack["departments"][0]
    assert f'<a href="{soft["drill"]["pending"].replace("&", "&amp;")}">1</a>' in page


def test_typical_cases_come_from_requests_exceptions_and_emergencies(company):
    """Issue 23: the "响应最快" cases were weekly-meeting notices. A meeting's clock met in no time is not a case."""
    from xietong.clocks.models import Clock

    build(company)
    Clock.objects.create(
        subject_type="meetings.meeting", subject_id=1, limit="respond", kind="respond", state="cancelled",
        mode="working", owner=company.person("lina"), department=company.department("rd-software"),
        anchor_at=at("2026-04-14 09:00"), offset_us=0, due_at=at("2026-04-16 09:00"),
        limit_due_at=at("2026-04-16 09:00"), met_at=at("2026-04-14 09:01"), closed_at=at("2026-04-14 09:01"),
        created_at=at("2026-04-14 09:00"),
    )  # fmt: skip
    with time_machine.travel(at(NOW), tick=False), transaction.atomic():
        pack = review_generate(actor=company.person("liufang"), quarter=Q2).pack
    assert [(c["type"], c["limit"], c["hours"]) for c in pack["fastest"]] == [
        ("需求说明书", "响应", 1.0),
        ("需求说明书", "会议纪要", 6.0),
        ("需求说明书", "验收/审核", 10.5),
    ]


def test_an_empty_quarters_review_says_so_in_words(company, client_for):
    # Its sections showed a bare 「—」 (and, on a phone, the departments' table a card 「部门 —」).
    with time_machine.travel(at("2026-10-02 10:00"), tick=False), transaction.atomic():
        empty = review_generate(actor=company.person("liufang"), quarter=Quarter(2026, 3))
    page = client_for("liufang").get(f"/reports/reviews/{empty.pk}/").content.decode()
    assert '<p class="empty">—</p>' not in page and 'class="empty">—<' not in page
    assert page.count("本季度没有数据。") >= 4
    assert '<td colspan="9" class="empty" data-label="">本季度没有数据。</td>' in page


def test_the_quarterly_review_tab_is_offered_only_to_those_it_opens_for(company, client_for):
    """王强 (an engineer) saw 时限遵守 · 审批步骤 · 季度复盘 above his reports and 季度复盘 answered 404: a tab must lead
    somewhere. The coordinating office, department heads and the general manager keep it."""
    for path in ("/reports/", "/reports/designed/"):
        for username, shown in (("wangqiang", False), ("guoxin", False), ("lina", True), ("liufang", True)):
            page = client_for(username).get(path).content.decode()
            assert ('href="/reports/reviews/"' in page) is shown, (path, username)
            assert client_for(username).get("/reports/reviews/").status_code == (200 if shown else 404)
