"""A problem in a real browser: 曹静 files it with evidence; 刘芳 (综合管理部) dispatches it; 李娜 reports
progress and the solution; 曹静 confirms; the ledger and the case library show it. Then the lighter
templates' pages."""

import datetime as dt

import pytest

from conftest import screenshot
from xietong.problems.models import Problem

pytestmark = pytest.mark.browser


def test_file_dispatch_progress_solve_confirm(page_for, live_server, tmp_path):
    caojing = page_for("caojing")
    caojing.click("nav.mainnav >> text=问题")
    caojing.click("text=提报问题")
    caojing.fill("input[name=title]", "客服工单系统高峰期响应缓慢")
    caojing.select_option("select[name=project]", label="售后服务响应流程优化")
    caojing.select_option("select[name=urgency]", label="高")
    caojing.fill("input[name=expected_date]", (dt.date.today() + dt.timedelta(days=20)).isoformat())
    caojing.fill("textarea[name=background]", "双十一预热期间客服咨询量翻倍")
    caojing.fill("textarea[name=current_state]", "高峰期打开工单平均需 12 秒，客服反馈频繁卡顿")
    caojing.fill("textarea[name=impact]", "客服部全员；客户平均等待时间由 2 分钟升至 6 分钟")
    evidence = tmp_path / "工单耗时统计.csv"
    evidence.write_text("时段,平均耗时\n10:00,12.1\n", encoding="utf-8")
    caojing.set_input_files("input[name=evidence]", str(evidence))
    screenshot(caojing, "problems-1-form")
    caojing.click("#submit-problem")
    caojing.wait_for_url("**/problems/*/")
    assert caojing.locator("#problem-state").inner_text() == "待部门负责人审核"
    assert "工单耗时统计V1-" in caojing.locator("#attachments").inner_text()
    problem = Problem.objects.get()

    dengli = page_for("dengli")  # 曹静's department head signs the 问题提报表 before 综合管理部 sees it
    dengli.goto(f"{live_server.url}/problems/{problem.pk}/")
    dengli.click("button[data-action=endorse]")
    dengli.wait_for_load_state("networkidle")
    assert dengli.locator("#problem-state").inner_text() == "待分派"
    assert "剩余" in dengli.locator("#clocks").inner_text()  # 1 working day to dispatch
    assert dengli.locator("#endorsed-at").inner_text() != "待审核"

    liufang = page_for("liufang")
    assert problem.number in liufang.locator("#wb-problems").inner_text()
    liufang.click(f"#wb-problems >> text={problem.number}")
    liufang.select_option("#dispatch select[name=lead_department]", label="软件开发部")
    liufang.check("#dispatch label:has-text('测试部') input")
    liufang.fill("#dispatch input[name=deadline]", (dt.date.today() + dt.timedelta(days=10)).isoformat())
    liufang.fill("#dispatch textarea[name=basis]", "工单系统由软件开发部负责，测试部配合压测")
    screenshot(liufang, "problems-2-dispatch")
    liufang.click("#dispatch-submit")
    liufang.wait_for_load_state("networkidle")
    assert liufang.locator("#problem-state").inner_text() == "已分派"
    assert "王建国" in liufang.locator("#dispatch-notice").inner_text()  # the division leader is copied

    lina = page_for("lina")
    lina.goto(f"{live_server.url}/problems/{problem.pk}/")
    assert lina.locator("#progress").count() == 0  # no progress before a 解决方案
    lina.fill("#plan-form input[name=measure_1]", "为工单列表查询补充复合索引")
    lina.select_option("#plan-form select[name=owner_1]", label="李娜（软件开发部）")
    lina.fill("#plan-form input[name=due_date_1]", (dt.date.today() + dt.timedelta(days=5)).isoformat())
    lina.fill("#plan-form textarea[name=consultation]", "已与测试部约定本周四压测")
    lina.click("#plan-submit")
    lina.wait_for_load_state("networkidle")
    assert "为工单列表查询补充复合索引" in lina.locator("#plan").inner_text()
    lina.fill("#progress textarea[name=progress]", "已定位到工单列表查询缺少索引")
    lina.fill("#progress textarea[name=next_step]", "今晚执行索引变更")
    lina.click("#progress-submit")
    lina.wait_for_load_state("networkidle")
    assert lina.locator("#problem-state").inner_text() == "处理中"
    assert lina.locator("#updates tbody tr").count() == 1
    screenshot(lina, "problems-3-progress")
    lina.click("#solution summary")
    lina.fill("#solution textarea[name=measures]", "增加复合索引；列表分页加载")
    lina.fill("#solution textarea[name=effect]", "压测 500 并发平均 0.8 秒")
    screenshot(lina, "problems-3b-solution")
    lina.click("#solution-submit")
    lina.wait_for_load_state("networkidle")
    assert lina.locator("#problem-state").inner_text() == "已解决待确认"

    caojing.reload()
    caojing.click("button[data-action=confirm]")
    caojing.wait_for_load_state("networkidle")
    assert caojing.locator("#problem-state").inner_text() == "已确认关闭"
    screenshot(caojing, "problems-4-confirmed")

    liufang.goto(f"{live_server.url}/problems/ledger/")
    assert problem.number in liufang.locator("#ledger-table").inner_text()
    screenshot(liufang, "problems-5-ledger")
    liufang.goto(f"{live_server.url}/problems/cases/")
    liufang.fill("#case-search input[name=q]", "复合索引")
    liufang.click("#case-search button")
    liufang.wait_for_load_state("networkidle")
    assert problem.number in liufang.locator(".case").first.inner_text()
    screenshot(liufang, "problems-6-cases")


def test_lighter_templates_pages(page_for, live_server):
    tangwen = page_for("tangwen")
    tangwen.click("nav.mainnav >> text=客户需求")
    tangwen.click("text=新建客户需求")
    tangwen.fill("input[name=title]", "华东区经销商-智能手表续航需求对接")
    tangwen.fill("input[name=customer]", "华东区经销商（上海）")
    tangwen.click("#customer-submit")
    tangwen.wait_for_url("**/lighter/customers/*/")
    tangwen.fill("#add-row input[name=stage]", "需求收集")
    tangwen.fill("#add-row textarea[name=progress]", "完成客户初步访谈，整理核心需求 3 项")
    tangwen.fill("#add-row textarea[name=next_step]", "2 个工作日内输出需求初稿")
    tangwen.fill("#add-row textarea[name=risk]", "客户对“续航时长”要求模糊")
    tangwen.fill("#add-row textarea[name=response]", "再次电话确认典型场景")
    tangwen.click("#row-submit")
    tangwen.wait_for_load_state("networkidle")
    assert "需求收集" in tangwen.locator("#sync-table").inner_text()
    screenshot(tangwen, "lighter-1-customer-sync")

    lina = page_for("lina")
    lina.goto(f"{live_server.url}/lighter/onboarding/new/")
    lina.select_option("select[name=newcomer]", label="杨帆（软件开发部）")
    lina.select_option("select[name=contact]", label="王强（软件开发部）")
    lina.fill("textarea[name=duties]", "负责 App 消息中心模块的开发与维护")
    lina.fill("textarea[name=process_links]", "发起需求 /requests/new/\n问题提报 /problems/new/")
    today = dt.date.today()
    for i, owner in enumerate(["周杰（综合管理部）", "李娜（软件开发部）", "王强（软件开发部）"], start=1):
        lina.select_option(f"select[name=step_owner_{i}]", label=owner)
        lina.fill(f"input[name=step_due_{i}]", (today + dt.timedelta(days=i)).isoformat())
    for i in (4, 5):
        lina.fill(f"input[name=step_title_{i}]", "")
    screenshot(lina, "lighter-2-onboarding-form")
    lina.click("#onboarding-submit")
    lina.wait_for_url("**/lighter/onboarding/*/")
    lina.click("button[data-step='2']")
    lina.wait_for_load_state("networkidle")
    assert lina.locator("#onboarding-progress").inner_text() == "1/3"
    screenshot(lina, "lighter-3-onboarding")
