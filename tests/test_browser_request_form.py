"""The 需求说明书 form says everything at once (issue 23): it validated in two rounds (the form's own fields,
then on a second submit what submitting needs), and the fields submitting needs carried no *."""

import pytest

from xietong.requests.models import Request

pytestmark = pytest.mark.browser


def errors(page) -> dict[str, str]:
    return page.eval_on_selector_all(
        "form .field.has-error",
        """fields => Object.fromEntries(fields.map(f => [
            f.querySelector('input, select, textarea').name, f.querySelector('.field-error').innerText]))""",
    )


def starred(page) -> list[str]:
    return page.eval_on_selector_all(
        "form .field:has(label .req)", "fields => fields.map(f => f.querySelector('input, select, textarea').name)"
    )


def test_submitting_an_empty_request_names_every_missing_field_in_one_round(page_for, live_server, live_company):
    page = page_for("guoxin")
    page.goto(f"{live_server.url}/requests/new/")
    assert starred(page) == [
        "title",
        "project",
        "priority",
        "requesting_department",
        "requester",
        "receiving_department",
        "background",
        "goal",
        "content",
        "expected_date",
        "criteria",
    ]
    page.fill("textarea[name=goal]", "将响应时间缩短至 24 小时")
    with page.expect_navigation():
        page.click("#submit-request")
    assert errors(page) == {
        "title": "这个字段是必填项。",
        "project": "这个字段是必填项。",
        "receiving_department": "这个字段是必填项。",
        "background": "请填写需求背景",
        "content": "请填写具体内容",
        "expected_date": "这个字段是必填项。",
        "criteria": "请至少填写一条可量化的验收标准，如“工单分类准确率达95%以上”",
    }
    assert page.input_value("textarea[name=goal]") == "将响应时间缩短至 24 小时"
    assert Request.objects.count() == 0
