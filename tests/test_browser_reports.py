"""The reports dashboard in a real browser: charts rendered, a bar opened as its drill-down, a
department opened as its people; then the quarterly review generated and a proposal approved."""

import pytest
import time_machine

from conftest import screenshot
from xietong.clocks.models import ClockPolicy
from xietong.reports.tests.fixture import NOW, build
from xietong.requests.tests.test_request_flow import at

pytestmark = pytest.mark.browser


def click(page, selector: str) -> None:
    with page.expect_navigation():
        page.click(selector)


def test_dashboard_drill_down_and_people(page_for, live_server, live_company):
    build(live_company)
    url = live_server.url
    with time_machine.travel(at(NOW), tick=True):  # the fixture's "now"; ticking, so the browser's timers run
        gm = page_for("chenzhiqiang")
        gm.goto(f"{url}/reports/?period=2026Q2")
        assert gm.locator("#kpi-rate").inner_text() == "60.0%"
        assert gm.locator("svg.chart").count() == 5
        assert gm.locator("#figures tbody tr").count() == 2
        screenshot(gm, "reports-1-dashboard")

        click(gm, "#figures tr[data-key^=d] >> nth=0 >> td:nth-child(4) a")  # 软件开发部 · 超时完成
        assert gm.locator("#drill-count").inner_text() == "共 1 条"
        assert "超时完成" in gm.locator("#drill").inner_text()
        screenshot(gm, "reports-2-drill")

        gm.goto(f"{url}/reports/?period=2026Q2")
        click(gm, "#figures tbody tr >> nth=0 >> th a")  # 软件开发部 → its people
        assert [t.strip() for t in gm.locator("#figures tbody th").all_inner_texts()] == [
            "李娜",
            "王强",
            "刘洋",
            "陈静",
            "杨帆",
        ]
        screenshot(gm, "reports-3-people")


def test_quarterly_review_generated_and_a_proposal_approved(page_for, live_server, live_company):
    build(live_company)
    url = live_server.url
    with time_machine.travel(at("2026-07-03 10:00"), tick=True):
        liufang = page_for("liufang")
        liufang.goto(f"{url}/reports/reviews/")
        liufang.select_option("#review-period", "2026Q2")
        click(liufang, "form[action$='generate/'] button")
        assert "登录故障修复需求" in liufang.locator("body").inner_text()
        liufang.click("#proposals summary")
        liufang.fill("#p-title", "高优先级需求响应时限放宽至 3 小时")
        policy = ClockPolicy.objects.get(process="request", priority="high", kind="respond")
        liufang.select_option("#p-policy", str(policy.pk))
        liufang.fill("#p-duration", "3")  # a number and its unit (小时), not "3h" typed by hand
        liufang.select_option("select[name=new_duration_unit]", "h")
        liufang.fill("#p-content", "本季度响应超时集中在上午会议时段")
        click(liufang, "#proposals form button[type=submit]")
        screenshot(liufang, "reports-4-review")

        gm = page_for("chenzhiqiang")
        gm.goto(liufang.url)
        click(gm, "#proposals button[value=approve]")
        assert "已批准" in gm.locator("#proposals").inner_text()
        assert "自 2026-10-01 起生效" in gm.locator("#proposals").inner_text()  # 纳入下季度规范更新
        policy.refresh_from_db()
        assert (policy.duration, policy.change_from) == ("2h", at("2026-10-01 00:00"))
        screenshot(gm, "reports-5-approved")


@pytest.mark.parametrize("locale", ["zh-CN", "en-US"])
def test_the_coordinator_picks_the_typical_cases_on_a_phone(page_for, live_server, live_company, locale):
    """At 390 px wide, in Chinese and in English: 刘芳 opens the review the worker generated, ticks two
    candidates, saves; the page lists them under 复盘会讨论的典型案例 and nothing scrolls sideways."""
    from xietong.reports.models import QuarterlyReview
    from xietong.reports.review import review_generate_due

    build(live_company)
    url = live_server.url
    with time_machine.travel(at("2026-06-30 09:00"), tick=True):
        review_generate_due()
        review = QuarterlyReview.objects.get(year=2026, quarter=2)
        liufang = page_for("liufang", locale=locale)
        liufang.set_viewport_size({"width": 390, "height": 844})
        liufang.goto(f"{url}/reports/reviews/{review.pk}/")
        if locale == "en-US" and liufang.locator("button[name=language][value=en]").count():
            click(liufang, "button[name=language][value=en]")  # the browser's language did not decide it
        heading = "Typical cases for the review meeting" if locale == "en-US" else "复盘会讨论的典型案例"
        assert liufang.locator("#cases h2").inner_text() == heading
        liufang.click("#cases summary")
        boxes = liufang.locator("#cases input[name=case]")
        assert boxes.count() == 2
        boxes.nth(0).check()
        boxes.nth(1).check()
        click(liufang, "#cases button[type=submit]")
        assert liufang.locator("ol.picked-cases li").count() == 2
        assert liufang.evaluate("document.documentElement.scrollWidth") <= 390
        screenshot(liufang, f"reports-6-picked-cases-{locale}")
    review.refresh_from_db()
    assert len(review.selected_cases) == 2
