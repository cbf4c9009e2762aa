"""The main journey in a real browser: 郭鑫 (产品部) sends a request to 软件开发部; 李娜 acknowledges and
accepts it; both sign; they build a 4-task breakdown with a dependency and publish it."""

import datetime as dt

import pytest

from conftest import screenshot
from xietong.requests.models import Request
from xietong.tasks.models import Task

pytestmark = pytest.mark.browser


def click_action(page, name: str) -> None:
    with page.expect_navigation():
        page.click(f"button[data-action={name}]")


def test_request_to_published_breakdown(page_for, live_server):
    expected = (dt.date.today() + dt.timedelta(days=60)).isoformat()
    guoxin = page_for("guoxin")
    guoxin.click("nav.mainnav >> text=需求")
    guoxin.click("text=发起需求")
    guoxin.fill("input[name=title]", "智能手表项目-续航优化方案评审")
    guoxin.select_option("select[name=project]", label="智能手表项目")
    guoxin.select_option("select[name=priority]", label="高")
    guoxin.select_option("select[name=receiving_department]", label="软件开发部")
    guoxin.select_option("select[name=receiver]", label="李娜（软件开发部）")
    guoxin.fill("textarea[name=background]", "用户调研显示续航是首要投诉点")
    guoxin.fill("textarea[name=goal]", "待机续航由 2 天提升到 5 天")
    guoxin.fill("textarea[name=content]", "1. 评估低功耗芯片方案\n2. 优化后台同步策略")
    guoxin.fill("input[name=expected_date]", expected)
    guoxin.fill("textarea[name=criteria]", "待机续航≥5天\n功耗测试报告通过评审")
    screenshot(guoxin, "requests-1-form")
    with guoxin.expect_navigation():
        guoxin.click("#submit-request")
    assert guoxin.locator("#request-state").inner_text() == "待接收"
    assert "剩余" in guoxin.locator("#clocks").inner_text()
    screenshot(guoxin, "requests-2-submitted")
    request = Request.objects.get()

    lina = page_for("lina")
    lina.goto(f"{live_server.url}/requests/{request.pk}/")
    click_action(lina, "acknowledge")
    assert lina.locator("#request-state").inner_text() == "评估中"
    click_action(lina, "accept")
    assert lina.locator("#request-state").inner_text() == "已受理"
    click_action(lina, "sign")
    guoxin.reload()
    click_action(guoxin, "sign")
    assert (
        "✔ 郭鑫" in guoxin.locator(".signatures").inner_text()
        and "✔ 李娜" in guoxin.locator(".signatures").inner_text()
    )
    screenshot(guoxin, "requests-3-accepted-and-signed")

    with guoxin.expect_navigation():
        guoxin.click("text=任务分解表")
    today = dt.date.today()
    tasks = [
        ("功耗基线测试", "孙宇（测试部）", 1, 4, []),
        ("低功耗芯片选型", "赵磊（硬件研发部）", 5, 9, ["1. 功耗基线测试"]),
        ("后台同步策略优化", "王强（软件开发部）", 1, 6, []),
        ("续航验证与报告", "马晓燕（测试部）", 10, 12, ["2. 低功耗芯片选型", "3. 后台同步策略优化"]),
    ]
    for title, owner, start, end, predecessors in tasks:
        guoxin.fill("#add-task input[name=title]", title)
        guoxin.fill("#add-task #id_owner + .picker .picker-search", owner.split("（")[0])  # the people picker
        guoxin.keyboard.press("Enter")
        guoxin.fill("#add-task input[name=start_date]", (today + dt.timedelta(days=start)).isoformat())
        guoxin.fill("#add-task input[name=end_date]", (today + dt.timedelta(days=end)).isoformat())
        guoxin.fill("#add-task textarea[name=completion_criteria]", f"{title}结果经评审通过")
        if predecessors:
            guoxin.select_option("#add-task select[name=predecessors]", label=predecessors)
        with guoxin.expect_navigation():
            guoxin.click("#add-task-submit")
    assert guoxin.locator("#task-table tbody tr").count() == 4
    assert guoxin.locator("svg.gantt").count() == 1
    screenshot(guoxin, "requests-4-breakdown")
    # 李娜 heads 软件开发部, the one participating department: she signs the 分工表 and the RACI.
    lina.goto(guoxin.url)
    with lina.expect_navigation():
        lina.click("#sign-breakdown")
    guoxin.reload()

    with guoxin.expect_navigation():
        guoxin.click("#publish-breakdown")
    assert guoxin.locator("#breakdown-state").inner_text() == "已发布"
    assert set(Task.objects.values_list("state", flat=True)) == {"published"}
    assert Task.objects.get(title="续航验证与报告").predecessors.count() == 2
    screenshot(guoxin, "requests-5-published")

    sunyu = page_for("sunyu")
    assert "功耗基线测试" in sunyu.locator("#wb-tasks").inner_text()
    with sunyu.expect_navigation():
        sunyu.click("#wb-tasks >> text=功耗基线测试")
    click_action(sunyu, "accept")
    assert sunyu.locator("#task-state").inner_text() == "已接收"
    screenshot(sunyu, "requests-6-task-accepted")
