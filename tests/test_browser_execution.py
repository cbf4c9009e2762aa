"""Execution and closure in a real browser: a progress update with 【需协助】, the answer, a deliverable
sent back for rework, version 2 accepted, and the feedback that closes the loop."""

import pytest

from conftest import screenshot
from xietong.acceptance.models import Deliverable
from xietong.requests.models import Request
from xietong.requests.tests.test_request_flow import _published_task

pytestmark = pytest.mark.browser


def click(page, selector: str) -> None:
    with page.expect_navigation():
        page.click(selector)


def test_progress_to_feedback(page_for, live_server, live_company, tmp_path):
    request, _breakdown, task = _published_task(live_company)
    url = live_server.url

    zhaolei = page_for("zhaolei")
    zhaolei.goto(f"{url}/tasks/{task.pk}/")
    click(zhaolei, "button[data-action=accept]")
    click(zhaolei, "button[data-action=start]")
    zhaolei.fill("#progress textarea[name=text]", "已完成硬件方案初稿 60%，芯片选型待定")
    zhaolei.fill("#progress input[name=percent]", "60")
    zhaolei.check("#progress input[name=needs_help]")
    zhaolei.select_option("#progress select[name=help_from]", label="李娜（软件开发部）")
    click(zhaolei, "#post-progress")
    assert "【需协助】" in zhaolei.locator("#progress").inner_text()
    screenshot(zhaolei, "execution-1-progress-help")

    lina = page_for("lina")
    lina.goto(f"{url}/tasks/{task.pk}/")
    lina.fill("#progress textarea[name=answer]", "已安排陈静协助评估功耗")
    click(lina, "#progress button:has-text('答复')")
    assert "已答复" in lina.locator("#progress").inner_text()

    report = tmp_path / "续航测试报告.pdf"
    report.write_bytes(b"%PDF-1.4 test report")
    lina.goto(f"{url}/requests/{request.pk}/")
    lina.click("#deliverables summary")
    lina.fill("#deliverables input[name=name]", "续航测试报告")
    lina.set_input_files("#deliverables input[name=file]", str(report))
    click(lina, "#submit-deliverable")  # no 成果交付说明: refused at each field, the name kept
    errors = lina.eval_on_selector_all(
        "#deliverables .field.has-error",
        "fs => Object.fromEntries(fs.map(f => [f.querySelector('input, textarea').name, "
        "f.querySelector('.field-error').innerText]))",
    )
    assert errors == {
        "release": "这个字段是必填项。",
        "features": "这个字段是必填项。",
        "test_report": "请填写测试报告（测试范围、结果与结论），或上传测试报告文件",
    }
    assert lina.input_value("#deliverables input[name=name]") == "续航测试报告"
    lina.fill("#deliverables input[name=release]", "V1.0")
    lina.fill("#deliverables textarea[name=features]", "三种场景功耗数据\n续航估算")
    lina.set_input_files("#deliverables input[name=file]", str(report))
    click(lina, "#submit-deliverable")  # 测试报告 neither written nor attached
    assert lina.inner_text("#deliverables .field.has-error .field-error") == (
        "请填写测试报告（测试范围、结果与结论），或上传测试报告文件"
    )
    lina.set_input_files("#deliverables input[name=file]", str(report))
    lina.set_input_files("#deliverables input[name=test_report_file]", str(report))
    click(lina, "#submit-deliverable")
    assert lina.locator("#deliverable-state").inner_text() == "待验收"
    screenshot(lina, "execution-2-deliverable-submitted")
    deliverable = Deliverable.objects.get()

    guoxin = page_for("guoxin")
    guoxin.goto(f"{url}/acceptance/{deliverable.pk}/")
    criteria = list(Request.objects.get(pk=request.pk).criteria.order_by("position"))
    guoxin.check(f"input[name=criterion-{criteria[0].pk}][value=pass]")
    guoxin.check(f"input[name=criterion-{criteria[1].pk}][value=fail]")
    guoxin.fill(f"input[name=reason-{criteria[1].pk}]", "缺少低温场景数据")
    guoxin.select_option("select[name=outcome]", label="需整改")
    guoxin.fill("#judge textarea[name=reason]", "请补充 -10℃ 场景测试")
    click(guoxin, "#submit-verdict")
    assert guoxin.locator("#deliverable-state").inner_text() == "需整改"
    screenshot(guoxin, "execution-3-rework")

    lina.goto(f"{url}/acceptance/{deliverable.pk}/")
    click(lina, "#start-rework")
    lina.fill("#resubmit-form textarea[name=note]", "已补充低温场景")
    lina.fill("#resubmit-form input[name=release]", "V1.0")
    lina.fill("#resubmit-form textarea[name=features]", "三种场景功耗数据\n低温场景数据")
    lina.fill("#resubmit-form textarea[name=test_report]", "-10℃ 续航 5.2 天，通过")
    click(lina, "#resubmit")  # the same 版本号 again
    assert lina.inner_text("#resubmit-form .field.has-error .field-error") == (
        "版本号 V1.0 已用于此前提交的版本，请填写新的版本号"
    )
    lina.fill("#resubmit-form input[name=release]", "V1.1")
    lina.set_input_files("#resubmit-form input[name=file]", str(report))
    click(lina, "#resubmit")
    assert lina.locator("h1").inner_text().startswith("续航测试报告 V2")

    guoxin.goto(f"{url}/acceptance/{deliverable.pk}/")
    for criterion in criteria:
        guoxin.check(f"input[name=criterion-{criterion.pk}][value=pass]")
    guoxin.select_option("select[name=outcome]", label="通过")
    click(guoxin, "#submit-verdict")
    assert guoxin.locator("#deliverable-state").inner_text() == "通过"
    screenshot(guoxin, "execution-4-accepted")
    assert Request.objects.get(pk=request.pk).state == "completed"

    guoxin.goto(f"{url}/requests/{request.pk}/")
    click(guoxin, "text=填写我的协作反馈")
    for name, score in (("communication", "4"), ("division", "5"), ("timeliness", "3")):
        guoxin.check(f"input[name={name}][value='{score}']")
    guoxin.fill("textarea[name=suggestion]", "需求变更流程需优化")
    click(guoxin, "#submit-feedback")
    guoxin.goto(f"{url}/feedback/requests/{request.pk}/summary/")
    scores = guoxin.locator("#scores").inner_text()
    assert "4" in scores and "5" in scores and "需求变更流程需优化" in guoxin.content()
    screenshot(guoxin, "execution-5-summary")
