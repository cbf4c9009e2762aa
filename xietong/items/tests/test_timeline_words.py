"""The timeline reads in words: a step recorded on another item's timeline (a 分工表's publish, a feedback
invitation answered — both on the request's) showed its own state codes (「状态：草稿 → published」,
「pending → answered」), and a problem's 解决方案 showed its measures as Python dicts
(「{'measure': '…', 'owner': 19, 'due_date': '2026-12-03'}」)."""

import re

from xietong.items.selectors import timeline
from xietong.problems.tests.test_problem_flow import dispatch, file_problem, plan
from xietong.requests.tests.test_request_flow import _published_task
from xietong.requests.views import FIELD_LABELS


def test_a_breakdown_published_on_the_requests_timeline_names_its_own_states(company):
    request, _breakdown, _task = _published_task(company)
    published = [e for e in timeline(request, FIELD_LABELS) if e.event.action == "breakdown.publish"]
    assert [e.details for e in published] == [[("状态", "编制中", "已发布")]]
    starts = [e for e in timeline(request, FIELD_LABELS) if e.event.action == "request.start"]
    assert all(after == "执行中" for e in starts for _f, _b, after in e.details)  # the request's own states stay


def test_a_problems_plan_lists_its_measures_with_owner_and_date(company, client_for):
    problem = dispatch(company, file_problem(company))
    plan(company, problem, "2026-10-08 11:00")
    html = client_for("lina").get(f"/problems/{problem.pk}/").content.decode()
    timeline_html = html[html.index('id="timeline"') :]
    text = re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", timeline_html))
    assert (
        "解决措施：1. 为工单表补齐复合索引（李娜，计划完成 2026-10-12）；2. 安排 500 并发压测（孙宇，计划完成 2026-10-14）"
        in text
    )
    assert "'measure'" not in timeline_html and "&#x27;measure&#x27;" not in timeline_html
