"""A refused form keeps what was typed and shows every error at its own field (issue 23): the progress update
and the 异常问题反馈表 on a task's page (which stays open in its <details>), and the 协作反馈表's scores."""

import pytest
from django.db import transaction

from xietong.acceptance.tests.test_acceptance import judge
from xietong.acceptance.tests.test_acceptance import submit as submit_deliverable
from xietong.feedback.models import FeedbackInvitation
from xietong.requests.models import Request
from xietong.requests.tests.test_request_flow import _published_task
from xietong.risks.models import ExceptionReport
from xietong.tasks.services import task_transition

pytestmark = pytest.mark.browser


def submit(page, selector: str) -> None:
    with page.expect_navigation():
        page.click(selector)


def field_errors(page, scope: str) -> dict[str, str]:
    """{field name: its error} for every field of the form under `scope` that shows one."""
    return page.eval_on_selector_all(
        f"{scope} .field.has-error",
        """fields => Object.fromEntries(fields.map(f => [
            f.querySelector('input, select, textarea').name, f.querySelector('.field-error').innerText]))""",
    )


def running_task(company):
    _request, _breakdown, task = _published_task(company)
    zhaolei = company.person("zhaolei")
    for name in ("accept", "start"):
        with transaction.atomic():
            task = task_transition(actor=zhaolei, task=task, name=name)
    return task


def test_a_refused_progress_update_keeps_the_text_and_shows_the_error_at_its_field(page_for, live_server, live_company):
    task = running_task(live_company)
    page = page_for("zhaolei")
    page.goto(f"{live_server.url}/tasks/{task.pk}/")
    page.fill("#progress textarea[name=text]", "已完成硬件方案初稿，芯片选型待定")
    page.fill("#progress textarea[name=next_step]", "明日评审功耗")
    page.check("#progress input[name=needs_help]")
    submit(page, "#post-progress")  # no percentage, and 【需协助】 without saying who

    assert page.input_value("#progress textarea[name=text]") == "已完成硬件方案初稿，芯片选型待定"
    assert page.input_value("#progress textarea[name=next_step]") == "明日评审功耗"
    assert page.is_checked("#progress input[name=needs_help]")
    assert field_errors(page, "#progress") == {"percent": "这个字段是必填项。"}
    assert page.evaluate("document.activeElement.name") == "percent"
    assert task.progress_updates.count() == 0

    page.fill("#progress input[name=percent]", "60")
    submit(page, "#post-progress")
    assert field_errors(page, "#progress") == {"help_from": "标记【需协助】时请指明需要谁协助"}
    assert page.input_value("#progress textarea[name=text]") == "已完成硬件方案初稿，芯片选型待定"
    assert page.input_value("#progress input[name=percent]") == "60"


def test_a_refused_exception_report_stays_open_with_every_error_at_its_field(page_for, live_server, live_company):
    task = running_task(live_company)
    page = page_for("zhaolei")
    page.goto(f"{live_server.url}/tasks/{task.pk}/")
    page.click("#risks details:has(#raise-exception) summary")
    page.fill("#risks details:has(#raise-exception) input[name=title]", "芯片缺货")
    page.fill("#risks details:has(#raise-exception) textarea[name=problem]", "主控芯片交期延至 6 周")
    page.select_option("#risks details:has(#raise-exception) select[name=severity]", "major")
    submit(page, "#raise-exception")

    assert page.evaluate("document.querySelector('#risks details:has(#raise-exception)').open") is True
    assert page.input_value("#risks details:has(#raise-exception) input[name=title]") == "芯片缺货"
    assert page.input_value("#risks details:has(#raise-exception) textarea[name=problem]") == "主控芯片交期延至 6 周"
    assert page.input_value("#risks details:has(#raise-exception) select[name=severity]") == "major"
    assert field_errors(page, "#risks details:has(#raise-exception)") == {
        "discovered_at": "这个字段是必填项。",
        "impact": "这个字段是必填项。",
        "proposal": "这个字段是必填项。",
    }
    assert ExceptionReport.objects.count() == 0


def test_a_refused_feedback_keeps_the_chosen_scores_and_the_suggestion(page_for, live_server, live_company):
    request, _breakdown, _task = _published_task(live_company)
    deliverable = submit_deliverable(live_company, Request.objects.get(pk=request.pk), when="2026-03-05 10:00")
    first, second = request.criteria.order_by("position")
    judge(live_company, deliverable, "pass", {first.pk: (True, ""), second.pk: (True, "")}, "2026-03-10 11:00")
    invitation = FeedbackInvitation.objects.get(request=request, person__username="guoxin")
    page = page_for("guoxin")
    page.goto(f"{live_server.url}/feedback/{invitation.pk}/")
    page.check("input[name=communication][value='4']")
    page.fill("textarea[name=suggestion]", "需求变更流程需优化")
    submit(page, "#submit-feedback")

    assert page.is_checked("input[name=communication][value='4']")
    assert page.input_value("textarea[name=suggestion]") == "需求变更流程需优化"
    assert field_errors(page, "form") == {
        "division": "分工合理性请打 1–5 分",
        "timeliness": "问题解决及时性请打 1–5 分",
    }
    assert FeedbackInvitation.objects.get(pk=invitation.pk).state == "pending"
    assert Request.objects.get(pk=request.pk).state == "completed"
