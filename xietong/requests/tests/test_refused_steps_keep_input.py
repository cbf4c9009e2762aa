"""A step refused on the request's page (a reason too vague or missing, a page gone stale) comes back to that
page with the step's form as it was sent: the reason typed still in its box, the refusal in Chinese at that
box (or, for a stale page, at the form, saying someone else changed the request), once — a later visit shows
the empty form again. Nothing is half-done."""

import re

import pytest
import time_machine
from django.db import transaction

from xietong.items.runner import run_step
from xietong.requests.models import Request
from xietong.requests.tests.test_request_flow import at, new_request

CONFLICT = "该记录已被他人修改，页面已更新为最新内容：请核对后再提交（您填写的内容已保留）"


@pytest.fixture
def submitted(company):
    """郭鑫's request, sent to 李娜 (软件开发部) on 2026-09-30."""
    return new_request(company, when="2026-09-30 17:30")


def form_of(html: str, action: str) -> str:
    """One action's form on the item page."""
    return html.split(f'id="action-{action}"', 1)[1].split("</form>", 1)[0]


def typed(form: str) -> str:
    """What the form's reason box holds, as the browser reads it (the newline after <textarea> is not content)."""
    text = re.search(r'<textarea name="reason"[^>]*>&#10;(.*?)</textarea>', form, re.S)
    assert text is not None
    return text.group(1)


def errors(html: str) -> list[str]:
    return re.findall(r'<p class="field-error" role="alert"[^>]*>(.*?)</p>', html, re.S)


def step(client, request, action, reason, version=None):
    with time_machine.travel(at("2026-10-08 10:00"), tick=False):
        return client.post(
            f"/requests/{request.pk}/do/{action}/",
            {"version": str(request.version if version is None else version), "reason": reason},
        )


def page(client, request) -> str:
    with time_machine.travel(at("2026-10-08 10:01"), tick=False):
        response = client.get(f"/requests/{request.pk}/")
    assert response.status_code == 200
    return response.content.decode()


def test_a_vague_reason_comes_back_in_its_box_with_the_error_at_it_once(client_for, submitted):
    lina = client_for("lina")
    response = step(lina, submitted, "request_changes", "待定")
    assert (response.status_code, response["Location"]) == (302, f"/requests/{submitted.pk}/")

    html = page(lina, submitted)
    form = form_of(html, "request_changes")
    assert typed(form) == "待定"
    assert errors(form) == ["修改建议不能只写“待定”：请直接写明关键信息"]
    assert '<div class="action-reason action-field has-error">' in form
    assert 'aria-invalid="true" aria-describedby="action-request_changes-error"' in form
    # Only that form: the other step's box is empty and says nothing.
    assert (typed(form_of(html, "reject")), errors(form_of(html, "reject"))) == ("", [])
    assert Request.objects.get(pk=submitted.pk).state == "submitted"

    again = page(lina, submitted)  # a later visit: the form is fresh
    assert (typed(form_of(again, "request_changes")), errors(again)) == ("", [])


def test_a_clear_reason_afterwards_is_taken(client_for, submitted):
    lina = client_for("lina")
    step(lina, submitted, "request_changes", "待定")
    page(lina, submitted)
    response = step(lina, submitted, "request_changes", "请把“续航提升到 5 天”拆成待机与连续使用两项指标")
    assert (response.status_code, response["Location"]) == (302, f"/requests/{submitted.pk}/")
    saved = Request.objects.get(pk=submitted.pk)
    assert (saved.state, saved.decision_note) == ("change_requested", "请把“续航提升到 5 天”拆成待机与连续使用两项指标")
    assert errors(page(lina, submitted)) == []


def test_a_missing_reason_is_asked_for_at_its_box_and_what_was_typed_stays(client_for, submitted):
    lina = client_for("lina")
    step(lina, submitted, "reject", "   ")
    form = form_of(page(lina, submitted), "reject")
    assert typed(form) == "   "
    assert errors(form) == ["请填写替代方案"]
    assert Request.objects.get(pk=submitted.pk).state == "submitted"


def test_a_stale_page_says_someone_changed_the_request_and_keeps_the_text(company, client_for, submitted):
    """李娜 confirmed receipt from the message card on her phone; the page open on her desk is one version behind."""
    lina = client_for("lina")
    stale = submitted.version
    with time_machine.travel(at("2026-10-08 09:30"), tick=False), transaction.atomic():
        run_step(actor=company.person("lina"), item=submitted, step="acknowledge")
    response = step(lina, submitted, "request_changes", "验收标准缺少功耗测试的环境条件", version=stale)
    assert response.status_code == 302

    html = page(lina, submitted)
    form = form_of(html, "request_changes")
    assert typed(form) == "验收标准缺少功耗测试的环境条件"
    assert errors(form) == [CONFLICT]
    assert f'<input type="hidden" name="version" value="{stale + 1}">' in form  # the page is now current
    assert Request.objects.get(pk=submitted.pk).state == "acknowledged"

    # Reviewed, sent again from that form: taken.
    step(lina, submitted, "request_changes", "验收标准缺少功耗测试的环境条件", version=stale + 1)
    assert Request.objects.get(pk=submitted.pk).state == "change_requested"


def test_a_step_no_longer_offered_still_shows_what_was_typed(company, client_for, submitted):
    """郭鑫 withdrew the request while 李娜 was writing her alternative: no 拒绝 form any more, her text is shown."""
    lina = client_for("lina")
    with time_machine.travel(at("2026-10-08 09:30"), tick=False), transaction.atomic():
        run_step(actor=company.person("guoxin"), item=submitted, step="withdraw", reason="项目取消，不再需要")
    step(lina, submitted, "reject", "建议改用现有低功耗方案 A，两周内可交付", version=submitted.version)

    html = page(lina, submitted)
    assert 'id="action-reject"' not in html
    kept = html.split('id="step-kept"', 1)[1].split("</div>", 1)[0]
    assert CONFLICT in kept
    assert re.search(r"<textarea [^>]*readonly>&#10;(.*?)</textarea>", kept, re.S).group(1) == (  # type: ignore[union-attr]
        "建议改用现有低功耗方案 A，两周内可交付"
    )
    assert 'id="step-kept"' not in page(lina, submitted)
