"""The emergency page as 004 三（三） reads, in a real browser: 王强 reports; the 分管领导 王建国 leads by default;
王强 files the 紧急事项报告 (its 1-hour clock is met), 王建国 the 应急方案 (2 hours); 李娜 reports progress to the
分管领导 and the next report is due 4 hours later; after the resolution the 用户告知函 is sent by email and the page
says where it went."""

import datetime as dt
from pathlib import Path

import pytest

from xietong.clocks.models import Clock
from xietong.core import clock
from xietong.incidents.models import Incident
from xietong.notify.models import Delivery

pytestmark = pytest.mark.browser
SHOTS = Path("/work/notes/shots")


def shot(page, name):
    if SHOTS.is_dir():
        page.screenshot(path=str(SHOTS / f"{name}.png"), full_page=True)


def test_report_plan_leader_report_and_the_notice_sent(page_for, live_server):
    wangqiang = page_for("wangqiang")
    wangqiang.click("#report-emergency")
    wangqiang.wait_for_url("**/incidents/report/")
    wangqiang.fill("textarea[name=description]", "官网无法访问，用户反馈量激增")
    wangqiang.click("#submit-incident")
    wangqiang.wait_for_url("**/incidents/*/")
    assert wangqiang.locator("#incident-lead").inner_text() == "王建国"
    incident = Incident.objects.get()
    assert "1 小时内" in wangqiang.locator("#written-report").inner_text()
    wangqiang.click("#written-report-submit")  # empty: refused at its field, nothing saved
    assert "请填写紧急事项报告" in wangqiang.locator("#written-report .field-error").first.inner_text()
    wangqiang.fill("#written-report textarea[name=report]", "官网 502；全国用户受影响；已扩容")
    wangqiang.click("#written-report-submit")
    wangqiang.wait_for_load_state("networkidle")
    assert "官网 502" in wangqiang.locator("#detailed-report").inner_text()
    assert Clock.objects.get(subject_id=incident.pk, kind="written_report").met_at is not None

    wangjianguo = page_for("wangjianguo")
    wangjianguo.goto(f"{live_server.url}/incidents/{incident.pk}/")
    assert "2 小时内" in wangjianguo.locator("#plan").inner_text()
    wangjianguo.fill("#plan textarea[name=plan]", "技术组回滚发布；客服组统一口径")
    wangjianguo.click("#plan-submit")
    wangjianguo.wait_for_load_state("networkidle")
    assert "技术组回滚发布" in wangjianguo.locator("#emergency-plan").inner_text()
    shot(wangjianguo, "emergency-1-report-and-plan")

    lina = page_for("lina")
    lina.goto(f"{live_server.url}/incidents/{incident.pk}/")
    lina.fill("#leader-report textarea[name=body]", "已回滚发布，访问恢复 80%")
    started = clock.now()
    lina.click("#leader-report-submit")
    lina.wait_for_load_state("networkidle")
    assert "下次汇报须在" in lina.locator(".messages").inner_text()
    due = Clock.objects.get(subject_id=incident.pk, kind="leader_report", state="armed").due_at
    assert dt.timedelta(hours=4) <= due - started < dt.timedelta(hours=4, minutes=1)
    lina.fill("#resolve textarea[name=cause]", "会话模块未释放数据库连接")
    lina.fill("#resolve textarea[name=measures]", "回滚发布并扩容连接池")
    lina.click("#resolve-submit")
    lina.wait_for_load_state("networkidle")
    lina.fill("#customer-notice textarea[name=recipients]", "不是邮箱")
    lina.click("#notice-publish")
    lina.wait_for_load_state("networkidle")
    assert "邮箱地址有误" in lina.locator("#customer-notice .field-error").first.inner_text()
    assert lina.locator("#customer-notice textarea[name=recipients]").input_value() == "不是邮箱"  # kept
    lina.fill("#customer-notice textarea[name=recipients]", "users@example.com")
    lina.click("#notice-publish")
    lina.wait_for_load_state("networkidle")
    assert "users@example.com" in lina.locator("#notice-sent-to").inner_text()
    shot(lina, "emergency-2-notice-sent")
    assert Delivery.objects.filter(address="users@example.com", channel_kind="email").count() == 1
