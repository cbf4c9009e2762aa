"""A refused step comes back the same way on every built-in item page that has step buttons (items.step_views):
the generic /p/<key>/ page, a problem, a meeting and its minutes and action items, a department's row on a request, a customer
requirement's 闭环 — what was typed in its form, the refusal at it, shown once. (The request page in depth:
requests/tests/test_refused_steps_keep_input.py.)"""

import datetime as dt
import re

import time_machine
from django.db import transaction

from xietong.items.runner import run_step
from xietong.items.tests.test_step_refusals import submitted  # noqa: F401
from xietong.lighter.tests.test_lighter import requirement  # noqa: F401
from xietong.meetings.models import ActionItem
from xietong.meetings.tests.helpers import apply, noticed
from xietong.meetings.tests.test_meeting_pages import closed  # noqa: F401
from xietong.meetings.tests.test_minutes import sign, write
from xietong.problems.models import Problem
from xietong.problems.tests.test_problem_flow import file_problem
from xietong.requests.tests.test_participating_departments import new_request
from xietong.requests.tests.test_refused_steps_keep_input import errors, form_of, typed
from xietong.requests.tests.test_request_flow import at

D = dt.date


def refused_then_shown(client, do_url: str, page_url: str, data: dict, when: str) -> tuple[str, str]:
    """POST the step (refused: back to the page), then the page as it comes back and as a later visit shows it."""
    with time_machine.travel(at(when), tick=False):
        response = client.post(do_url, data)
        assert response.status_code == 302 and response["Location"].startswith(page_url)
        return client.get(page_url).content.decode(), client.get(page_url).content.decode()


def test_the_generic_process_page(client_for, submitted):  # noqa: F811
    html, later = refused_then_shown(
        client_for("hujun"),
        f"/p/seal/{submitted.pk}/do/reject/",
        f"/p/seal/{submitted.pk}/",
        {"version": str(submitted.version), "reason": ""},
        "2026-10-08 10:00",
    )
    form = form_of(html, "reject")
    assert (typed(form), errors(form)) == ("", ["请填写驳回原因"])
    assert errors(later) == []


def test_a_problem_returned_by_the_department_head(company, client_for):
    problem = file_problem(company, endorse=None)  # waiting for 邓丽 (客服部) to endorse
    html, later = refused_then_shown(
        client_for("dengli"),
        f"/problems/{problem.pk}/do/return_filing/",
        f"/problems/{problem.pk}/",
        {"version": str(problem.version), "reason": "同上"},
        "2026-10-08 10:00",
    )
    form = form_of(html, "return_filing")
    assert (typed(form), errors(form)) == ("同上", ["退回原因不能只写“同上”：请直接写明关键信息"])
    assert typed(form_of(later, "return_filing")) == ""
    assert Problem.objects.get(pk=problem.pk).state == "endorsing"


def test_a_meetings_action_item(client_for, closed):  # noqa: F811
    """郭鑫 (the organizer) cancels 王强's action item with a reason that says nothing."""
    _meeting, item = closed
    html, later = refused_then_shown(
        client_for("guoxin"),
        f"/meetings/actions/{item.pk}/do/cancel/",
        f"/meetings/actions/{item.pk}/",
        {"reason": "待定"},
        "2026-03-11 10:00",
    )
    form = form_of(html, "cancel")
    assert (typed(form), errors(form)) == ("待定", ["原因不能只写“待定”：请直接写明关键信息"])
    assert errors(later) == []
    assert ActionItem.objects.get(pk=item.pk).state == "open"
    with time_machine.travel(at("2026-03-11 10:00"), tick=False):
        owners = client_for("wangqiang").get(f"/meetings/actions/{item.pk}/").content.decode()
    assert 'placeholder="完成情况（可选）"' in form_of(owners, "complete")  # an optional box says so


def test_a_departments_row_on_the_request_page(company, client_for):
    """生产部's head signs from a page one version behind (he named 于海 协作负责人 meanwhile): the row says so."""
    request = new_request(company)
    production = request.participations.get(department__code="production")
    stale = production.version
    with time_machine.travel(at("2026-10-08 09:00"), tick=False), transaction.atomic():
        run_step(
            actor=company.person("xieqiang"),
            item=production,
            step="name_coordinator",
            inputs={"coordinator": company.person("yuhai")},
        )
    html, later = refused_then_shown(
        client_for("xieqiang"),
        f"/requests/{request.pk}/departments/{production.pk}/do/confirm/",
        f"/requests/{request.pk}/",
        {"version": str(stale)},
        "2026-10-08 10:00",
    )
    rows = html.split('id="participants"', 1)[1].split("</ul>", 1)[0].split("<li ")
    assert {
        name: errors(row) for row in rows for name in ("市场部", "生产部") if f"<strong>{name}</strong>" in row
    } == {
        "市场部": [],
        "生产部": ["该记录已被他人修改，页面已更新为最新内容：请核对后再提交"],  # nothing typed to keep
    }
    assert errors(later) == []
    production.refresh_from_db()
    assert production.state == "awaiting"


def test_a_customer_requirement_closed_meanwhile(company, client_for, requirement):  # noqa: F811
    """唐文 closed it; 宋涛 (销售部's head) presses 需求已闭环 on a page still open: told why, under the header."""
    with time_machine.travel(at("2026-05-25 10:00"), tick=False), transaction.atomic():
        run_step(actor=company.person("tangwen"), item=requirement, step="close", reason="客户已确认方案")
    html, later = refused_then_shown(
        client_for("songtao"),
        f"/lighter/customers/{requirement.pk}/close/",
        f"/lighter/customers/{requirement.pk}/",
        {},
        "2026-05-25 10:05",
    )
    assert re.search(r'id="close-refused">(.*?)</p>', html).group(1) == "当前状态为“已闭环”，不能执行“需求已闭环”"  # type: ignore[union-attr]
    assert 'id="close-refused"' not in later


def test_a_meeting_and_its_minutes(company, client_for):
    """A meeting's steps and its minutes' go through services of their own, and come back the same way."""
    meeting = noticed(company)  # 郭鑫 organises and chairs, 10 March
    write(company, meeting, "2026-03-10 14:00", [("完成方案 B 的功耗验证", "wangqiang", D(2026, 3, 20))])
    sign(company, meeting, "guoxin", "submit", "2026-03-10 14:10")
    guoxin = client_for("guoxin")
    html, later = refused_then_shown(
        guoxin,
        f"/meetings/{meeting.pk}/minutes/do/return/",
        f"/meetings/{meeting.pk}/",
        {"reason": "见附件"},
        "2026-03-10 15:00",
    )
    form = html.split('id="minutes-action-return"', 1)[1].split("</form>", 1)[0]
    assert (typed(form), errors(form)) == ("见附件", ["退回意见不能只写“见附件”：请直接写明关键信息"])
    assert errors(later) == []

    other = apply(company, start="2026-03-12 10:00", end="2026-03-12 11:00").meeting  # still a draft
    html, _later = refused_then_shown(
        guoxin,
        f"/meetings/{other.pk}/do/submit/",
        f"/meetings/{other.pk}/",
        {"version": str(other.version - 1)},
        "2026-03-03 11:00",
    )
    assert errors(form_of(html, "submit")) == ["该记录已被他人修改，页面已更新为最新内容：请核对后再提交"]
