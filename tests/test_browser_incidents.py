"""An emergency in a real browser: 王强 reports it from the header of any page; 李娜 names the team;
王强 confirms he is in place and posts status; a missed status update raises the banner; 李娜 resolves
it, the customer notice is drafted and published, and the review assigns an improvement action."""

import datetime as dt

import pytest

from conftest import screenshot
from xietong.clocks.models import Clock
from xietong.clocks.services import clock_fire_due
from xietong.core import clock
from xietong.incidents.models import ImprovementAction, Incident

pytestmark = pytest.mark.browser


def test_report_respond_resolve_review(page_for, live_server):
    wangqiang = page_for("wangqiang")
    wangqiang.click("#report-emergency")
    wangqiang.wait_for_url("**/incidents/report/")
    wangqiang.click("#submit-incident")  # nothing filled in: refused, nothing saved
    assert "请描述发生了什么" in wangqiang.locator(".field-error").first.inner_text()
    assert not Incident.objects.exists()
    wangqiang.fill("textarea[name=description]", "官网无法访问，用户反馈量激增")
    wangqiang.fill("textarea[name=scope]", "全国用户，约 1000+ 访问/分钟")
    wangqiang.fill("textarea[name=measures_taken]", "重启服务器无效")
    screenshot(wangqiang, "incidents-1-report")
    wangqiang.click("#submit-incident")
    wangqiang.wait_for_url("**/incidents/*/")
    assert wangqiang.locator("#incident-state").inner_text() == "待组建小组"
    assert wangqiang.locator("#incident-lead").inner_text() == "王建国"  # 分管领导牵头
    screenshot(wangqiang, "incidents-2-reported")
    incident = Incident.objects.get()

    wangjianguo = page_for("wangjianguo")  # the 分管领导 leads: the incident waits on his workbench
    assert incident.number in wangjianguo.locator("#wb-incidents").inner_text()
    lina = page_for("lina")  # the head of the responsible department steers it too
    lina.goto(f"{live_server.url}/incidents/{incident.pk}/")
    lina.select_option("select[name=member_1]", label="王强（软件开发部）")
    lina.fill("input[name=duty_1]", "排查服务器日志")
    lina.select_option("select[name=member_2]", label="陈静（软件开发部）")
    lina.fill("input[name=duty_2]", "联系云服务商")
    lina.click("#team-submit")
    lina.wait_for_load_state("networkidle")
    assert lina.locator("#incident-state").inner_text() == "处置中"
    assert lina.locator("#team tbody tr").count() == 2

    wangqiang.reload()
    wangqiang.fill("input[name=ready_note]", "已在排查 nginx 与应用日志")
    wangqiang.click("#ack-submit")
    wangqiang.wait_for_load_state("networkidle")
    assert "✔" in wangqiang.locator("#team").inner_text()
    wangqiang.fill("#post-update textarea[name=body]", "初步判断为数据库连接池溢出，正在扩容")
    wangqiang.click("#update-submit")
    wangqiang.wait_for_load_state("networkidle")
    assert "数据库连接池溢出" in wangqiang.locator("#live-timeline").inner_text()
    assert "剩余" in wangqiang.locator("#next-update").locator("..").inner_text()
    screenshot(wangqiang, "incidents-3-responding")

    # Half an hour passes without a status update: the clock fires, the page shows the banner.
    late = clock.now() - dt.timedelta(minutes=1)
    Clock.objects.filter(subject_id=incident.pk, limit="status", state="armed").update(due_at=late, limit_due_at=late)
    clock_fire_due()
    lina.reload()
    banner = lina.locator("#status-banner")
    assert banner.is_visible() and "状态更新已超时" in banner.inner_text()
    screenshot(lina, "incidents-4-status-overdue")

    lina.fill("#resolve textarea[name=cause]", "当日发布的会话模块未释放数据库连接，连接池溢出")
    lina.fill("#resolve textarea[name=measures]", "回滚发布并扩容连接池")
    lina.click("#resolve-submit")
    lina.wait_for_load_state("networkidle")
    assert lina.locator("#incident-state").inner_text() == "已解决待复盘"
    assert "连接池溢出" in lina.locator("textarea[name=text]").input_value()
    screenshot(lina, "incidents-5-resolved")
    lina.fill("#customer-notice textarea[name=recipients]", "users@example.com")
    lina.click("#notice-publish")
    lina.wait_for_load_state("networkidle")
    assert "已于" in lina.locator("#customer-notice h2").inner_text()

    lina.fill("#review textarea[name=summary]", "发布前缺少连接池容量评估")
    lina.fill("input[name=action_title_1]", "发布检查单增加连接池容量评估")
    lina.select_option("select[name=action_owner_1]", label="陈静（软件开发部）")
    lina.fill("input[name=action_due_1]", (dt.date.today() + dt.timedelta(days=7)).isoformat())
    lina.click("#review-submit")
    lina.wait_for_load_state("networkidle")
    assert lina.locator("#incident-state").inner_text() == "已复盘"
    assert "发布检查单增加连接池容量评估" in lina.locator("#improvements").inner_text()
    screenshot(lina, "incidents-6-reviewed")
    assert ImprovementAction.objects.get().owner.username == "chenjing"


def test_robot_link_opens_the_report_form_after_login(browser, live_server, live_company):
    context = browser.new_context(locale="zh-CN", viewport={"width": 1280, "height": 860})
    page = context.new_page()
    page.goto(f"{live_server.url}/incidents/report/?description=官网无法访问&scope=全国用户")
    page.wait_for_url("**/accounts/login/**")
    page.fill("input[name=username]", "chenjing")
    page.fill("input[name=password]", "xietong2026")
    page.click("#login-submit")
    page.wait_for_url("**/incidents/report/**")
    assert page.locator("textarea[name=description]").input_value() == "官网无法访问"
    assert page.locator("textarea[name=scope]").input_value() == "全国用户"
    context.close()
