"""The item page's actions (同意/拒绝/退回/转交/加签) as an approver uses them on a phone: each box is named (退回到,
转交给, 加签给, 加签方式), and a refused action goes back to the item's page (a redirect, as on a built-in item's:
items.step_views, so a reload sends nothing again) with its message at its own field and everything typed still
there — the opinion, the person chosen, before/after, the step to return to — once; a step no longer offered to
the person (someone moved the item on from another tab) shows the typed text by itself."""

import re

import pytest
import time_machine

from xietong.designer.models import ApprovalTask, DesignedItem
from xietong.designer.tests.support import act, publish, start
from xietong.requests.tests.test_request_flow import at


@pytest.fixture
def claim(company):
    """BX-2026-0001 at 财务会签: 胡军 approved, 冯静 and 何洋 to approve."""
    item = start(company, publish(company))
    act(company, "hujun", item, "approve", "2026-10-09 16:00")
    return DesignedItem.objects.get(pk=item.pk)


def form_of(html, action):
    """The HTML of one action's form on the item page."""
    return html.split(f'id="action-{action}"', 1)[1].split("</form>", 1)[0]


def texts(html, pattern):
    return [re.sub(r"<[^>]+>", "", found).strip() for found in re.findall(pattern, html, re.S)]


def errors(form):
    return texts(form, r'<p class="field-error" role="alert"[^>]*>(.*?)</p>')


def field_in_error(form):
    """The HTML of the form's first input marked as refused (its label, input and message)."""
    return form.split('<div class="action-field has-error">', 1)[1].split("</div>", 1)[0]


def typed(form):
    """What the reason box holds, as the browser reads it (the newline after <textarea> is not content)."""
    return re.findall(r'<textarea name="reason"[^>]*>(?:&#10;)?(.*?)</textarea>', form, re.S)[0]


def refused(client, claim, action, data, when="2026-10-10 09:30"):
    """Send `action` from the item page; refused, it redirects to the page, returned as it then shows."""
    with time_machine.travel(at(when), tick=False):
        response = client.post(f"/p/expense/{claim.pk}/do/{action}/", data)
        assert (response.status_code, response["Location"]) == (302, f"/p/expense/{claim.pk}/")
        return client.get(response["Location"]).content.decode()


def page_of(client, claim):
    with time_machine.travel(at("2026-10-10 09:35"), tick=False):
        return client.get(f"/p/expense/{claim.pk}/").content.decode()


def test_each_action_names_its_boxes(client_for, claim):
    with time_machine.travel(at("2026-10-10 09:30"), tick=False):
        page = client_for("fengjing").get(f"/p/expense/{claim.pk}/").content.decode()
    labels = {
        action: texts(form_of(page, action), r"<label [^>]*>(.*?)</label>")
        for action in ("send_back", "transfer", "add_sign")
    }
    assert labels == {"send_back": ["退回到"], "transfer": ["转交给"], "add_sign": ["加签给", "加签方式"]}
    back = form_of(page, "send_back")
    assert '<label for="to_step_send_back">' in back and '<select id="to_step_send_back" name="to_step">' in back
    assert texts(back, r"<option [^>]*>(.*?)</option>") == ["发起人", "直属上级审批"]
    assert '<label for="to_person_transfer">' in form_of(page, "transfer") and 'id="to_person_transfer"' in form_of(
        page, "transfer"
    )
    assert all(errors(form_of(page, action)) == [] for action in ("approve", "send_back", "transfer", "add_sign"))


def test_a_refused_transfer_keeps_what_was_typed_with_the_reason_at_the_person(client_for, company, claim):
    heyang = company.person("heyang")
    page = refused(
        client_for("heyang"),
        claim,
        "transfer",
        {"version": str(claim.version), "to_person": str(heyang.pk), "reason": "我出差，请代办"},
    )
    form = form_of(page, "transfer")
    assert 'class="action-form has-error"' in page.split('id="action-transfer"')[0].rsplit("<form", 1)[1]
    person = field_in_error(form)
    assert errors(person) == ["不能转交给自己"]
    assert f'<option value="{heyang.pk}"' in person and "何洋（财务部）</option>" in person and " selected>" in person
    assert typed(form) == "我出差，请代办"
    # Only the refused action shows it: the other forms are as they were.
    assert errors(form_of(page, "add_sign")) == [] and typed(form_of(page, "add_sign")) == ""
    assert ApprovalTask.objects.get(item=claim, person=heyang).status == "open"


def test_a_refused_add_sign_keeps_after_and_the_note(client_for, claim):
    page = refused(
        client_for("fengjing"),
        claim,
        "add_sign",
        {"version": str(claim.version), "how": "after", "reason": "请王强看一下技术参数"},
    )
    form = form_of(page, "add_sign")
    assert '<option value="after" selected>' in form
    assert typed(form) == "请王强看一下技术参数"
    assert errors(field_in_error(form)) == ["请选择加签给谁"]


def test_adding_oneself_is_refused_in_the_words_of_add_sign(client_for, company, claim):
    fengjing = company.person("fengjing")
    page = refused(
        client_for("fengjing"),
        claim,
        "add_sign",
        {"version": str(claim.version), "how": "before", "to_person": str(fengjing.pk), "reason": "加签"},
    )
    form = form_of(page, "add_sign")
    assert errors(field_in_error(form)) == ["不能给自己加签"]


def test_a_send_back_to_a_step_not_passed_keeps_the_reason_with_the_message_at_the_step(client_for, claim):
    page = refused(
        client_for("fengjing"),
        claim,
        "send_back",
        {"version": str(claim.version), "to_step": "gm", "reason": "发票抬头不对"},
    )
    form = form_of(page, "send_back")
    step = field_in_error(form)
    assert errors(step) == ["该步骤本次未经过，不能退回到此"]  # 总经理 was skipped: 1,753.50 is not above 50,000
    assert typed(form) == "发票抬头不对"


def test_a_stale_page_says_so_at_the_action_and_keeps_the_opinion(client_for, claim):
    page = refused(client_for("fengjing"), claim, "approve", {"version": str(claim.version - 1), "reason": "同意报销"})
    form = form_of(page, "approve")
    # As on a built-in item's page (items.step_views): the page shown is the current one, so no "refresh".
    assert errors(form) == ["该记录已被他人修改，页面已更新为最新内容：请核对后再提交（您填写的内容已保留）"]
    assert typed(form) == "同意报销"


def test_a_step_its_condition_passed_over_says_so(client_for, company, claim):
    """1,753.50 is not above 50,000: 总经理审批 was listed bare between 胡军's approval and 财务会签, as if still to
    come. It says it was skipped; above 50,000 it is the step at work and says nothing of the kind."""
    with time_machine.travel(at("2026-10-10 09:30"), tick=False):
        page = client_for("guoxin").get(f"/p/expense/{claim.pk}/").content.decode()
    steps = page.split('class="approval-steps"', 1)[1].split("</ol>", 1)[0]
    assert '<strong>总经理审批</strong> <span class="muted">条件不满足，已跳过</span>' in steps
    assert steps.count("条件不满足，已跳过") == 1
    big = start(company, DesignedItem.objects.get(pk=claim.pk).definition_version, amounts=(50000, 0.01))
    act(company, "hujun", big, "approve", "2026-10-09 16:00")
    with time_machine.travel(at("2026-10-10 09:30"), tick=False):
        page = client_for("guoxin").get(f"/p/expense/{big.pk}/").content.decode()
    assert "条件不满足，已跳过" not in page


CONFLICT = "该记录已被他人修改，页面已更新为最新内容：请核对后再提交（您填写的内容已保留）"


def kept_box(html):
    """The read-only box of a refused step the page no longer offers: (what it says, the text kept)."""
    box = html.split('id="step-kept"', 1)[1].split("</div>", 1)[0]
    text = re.search(r'<textarea id="step-kept-text" rows="2" readonly>&#10;(.*?)</textarea>', box, re.S)
    assert text is not None
    return texts(box, r"<p>(.*?)</p>"), text.group(1)


def outside_flash(html):
    return re.sub(r'<ul class="messages">.*?</ul>', "", html, flags=re.S)


def test_a_stale_send_back_after_approving_in_another_tab_keeps_the_reason_in_the_kept_box_once(
    company, client_for, claim
):
    """冯静 approved in tab A; tab B, still showing 退回, sends it with her reason: her task is done, so no 退回 form
    is offered any more — the reason is shown by itself to copy, the conflict said there, and the redirect means a
    reload does not send it again."""
    act(company, "fengjing", claim, "approve", "2026-10-10 09:20", reason="同意")
    fengjing = client_for("fengjing")
    page = refused(
        fengjing,
        claim,
        "send_back",
        {"version": str(claim.version), "to_step": "", "reason": "请补充工作代理人后再提交（旧页面）"},
    )
    assert 'id="action-send_back"' not in page
    assert kept_box(page) == ([CONFLICT], "请补充工作代理人后再提交（旧页面）")
    assert outside_flash(page).count(CONFLICT) == 1  # at the box (and once in the flash at the top)
    task = ApprovalTask.objects.get(item=claim, person=company.person("fengjing"))
    assert (task.status, task.note) == ("approved", "同意")
    assert DesignedItem.objects.get(pk=claim.pk).step == "finance"

    again = page_of(fengjing, claim)  # a later visit: nothing kept, nothing said
    assert 'id="step-kept"' not in again and CONFLICT not in again


def test_a_stale_send_back_still_offered_comes_back_in_its_form_with_the_step_chosen(company, client_for, claim):
    """何洋 approved meanwhile: 冯静's 退回 is still hers to take, on the page as it is now."""
    act(company, "heyang", claim, "approve", "2026-10-10 09:20")
    fengjing = client_for("fengjing")
    page = refused(
        fengjing,
        claim,
        "send_back",
        {"version": str(claim.version), "to_step": "manager", "reason": "请补充工作代理人后再提交（旧页面）"},
    )
    form = form_of(page, "send_back")
    assert typed(form) == "请补充工作代理人后再提交（旧页面）"
    assert errors(form) == [CONFLICT]
    assert '<option value="manager" selected>直属上级审批</option>' in form
    assert f'<input type="hidden" name="version" value="{claim.version + 1}">' in form  # the page is now current
    assert 'id="step-kept"' not in page and outside_flash(page).count(CONFLICT) == 1
    assert (typed(form_of(page, "approve")), errors(form_of(page, "approve"))) == ("", [])

    again = form_of(page_of(fengjing, claim), "send_back")
    assert (typed(again), errors(again), " selected>" in again) == ("", [], False)


def test_a_stale_approve_after_an_add_sign_keeps_the_opinion(company, client_for, claim):
    """冯静 added 王强 before her in tab A; tab B's 同意 is stale and no longer hers to take until he has acted."""
    act(company, "fengjing", claim, "add_sign", "2026-10-10 09:20", to=company.person("wangqiang"), how="before")
    page = refused(
        client_for("fengjing"), claim, "approve", {"version": str(claim.version), "reason": "同意报销（旧页面）"}
    )
    assert 'id="action-approve"' not in page
    assert kept_box(page) == ([CONFLICT], "同意报销（旧页面）")
    assert ApprovalTask.objects.get(item=claim, person=company.person("fengjing")).status != "approved"


def test_a_vague_send_back_keeps_the_reason_and_the_step_to_return_to_once(company, client_for, claim):
    fengjing = client_for("fengjing")
    page = refused(
        fengjing, claim, "send_back", {"version": str(claim.version), "to_step": "manager", "reason": "待定"}
    )
    form = form_of(page, "send_back")
    assert typed(form) == "待定"
    reason = field_in_error(form)
    assert errors(reason) == ["退回原因不能只写“待定”：请直接写明关键信息"]
    assert 'aria-invalid="true" aria-describedby="action-send_back-error"' in reason
    assert errors(form) == ["退回原因不能只写“待定”：请直接写明关键信息"]  # at the box only, not at the form too
    assert '<option value="manager" selected>直属上级审批</option>' in form
    assert DesignedItem.objects.get(pk=claim.pk).step == "finance"

    again = form_of(page_of(fengjing, claim), "send_back")
    assert (typed(again), errors(again), " selected>" in again) == ("", [], False)


def test_a_missing_reason_is_asked_for_at_its_box(client_for, claim):
    page = refused(client_for("fengjing"), claim, "send_back", {"version": str(claim.version), "reason": "  "})
    form = form_of(page, "send_back")
    assert (typed(form), errors(form)) == ("  ", ["请填写退回原因"])
