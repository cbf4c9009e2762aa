"""Meetings and notices in a real browser.

1. 郭鑫 applies for a review meeting; 王建国 (分管领导) approves; 郭鑫 sends the notice; 何洋 declines with
   a reason, 李娜 confirms; 李娜's own application for the same room at an overlapping time is refused.
2. After yesterday's meeting 郭鑫 writes the minutes with two action items and signs them as chair; the
   page shows the items' live state; 王强 completes his from the workbench.
3. 刘芳 publishes a notice whose body carries a script (removed, never run); 王强 follows the robot's link,
   signs in and confirms 已阅; 刘芳 sees the percentage per department.
"""

import datetime as dt

import pytest
import time_machine
from django.db import transaction
from playwright.sync_api import expect

from conftest import screenshot
from xietong.core import clock
from xietong.meetings.defaults import ensure_meeting_types
from xietong.meetings.models import Meeting, MeetingType, Room
from xietong.meetings.schedule import working_days_before
from xietong.meetings.services import meeting_create, meeting_transition
from xietong.notices.models import Notice
from xietong.workcal.selectors import default_calendar, engine_for

pytestmark = pytest.mark.browser


def click_action(page, name: str) -> None:
    page.click(f"button[data-action={name}]")
    page.wait_for_load_state("networkidle")


def rooms() -> None:
    """Rooms, and the meeting types an earlier transactional test may have flushed away."""
    ensure_meeting_types()
    Room.objects.get_or_create(name="第一会议室", defaults={"location": "A座 3 楼 301", "capacity": 16})
    Room.objects.get_or_create(name="第二会议室", defaults={"location": "A座 3 楼 305", "capacity": 8})


def fill_application(page, *, title: str, day: dt.date, start: str, end: str, participants: list[str]) -> None:
    page.fill("input[name=title]", title)
    page.select_option("select[name=project]", label="智能手表项目")
    page.select_option("select[name=meeting_type]", label="跨部门协作会议（≤120 分钟，需分管领导审批）")
    page.fill("input[name=date]", day.isoformat())
    page.fill("input[name=start_time]", start)
    page.fill("input[name=end_time]", end)
    page.select_option("select[name=mode]", label="会议室")
    page.select_option("select[name=room]", label="第一会议室（16 人）")
    page.select_option("select[name=participants]", label=participants)
    page.fill("textarea[name=goal]", "确定续航优化的硬件方案")
    page.fill("textarea[name=agenda]", "硬件方案介绍（20 分钟）\n功耗测试数据（20 分钟）\n讨论与决议（40 分钟）")
    page.fill("textarea[name=materials]", "硬件方案 V2、功耗测试报告")


def test_meeting_application_notice_and_answers(page_for, live_server):
    rooms()
    engine = engine_for(default_calendar())
    day = engine.add_working_days(clock.today(), 5)

    guoxin = page_for("guoxin")
    guoxin.click("nav.mainnav >> text=会议")
    guoxin.click("text=申请会议")
    fill_application(
        guoxin,
        title="智能手表项目-硬件方案评审会",
        day=day,
        start="10:00",
        end="11:30",
        participants=["李娜（软件开发部）", "赵磊（硬件研发部）", "何洋（财务部）"],
    )
    screenshot(guoxin, "meetings-1-application-form")
    guoxin.click("#save-meeting")
    guoxin.wait_for_url("**/meetings/*/")
    assert guoxin.locator("#meeting-state").inner_text() == "草稿"
    click_action(guoxin, "submit")
    assert guoxin.locator("#meeting-state").inner_text() == "待审批"
    screenshot(guoxin, "meetings-2-submitted")
    meeting = Meeting.objects.get()

    wangjianguo = page_for("wangjianguo")
    assert "智能手表项目-硬件方案评审会" in wangjianguo.locator("#wb-meetings").inner_text()
    wangjianguo.click("#wb-meetings >> text=智能手表项目-硬件方案评审会")
    click_action(wangjianguo, "approve")
    assert wangjianguo.locator("#meeting-state").inner_text() == "已批准待通知"

    guoxin.reload()
    click_action(guoxin, "notify")
    assert guoxin.locator("#meeting-state").inner_text() == "已通知"
    assert "已于" in guoxin.locator("#notice-status").inner_text()
    assert "剩余" in guoxin.locator("#clocks").inner_text()

    heyang = page_for("heyang")  # 财务部: outside the project, sees the meeting because he is invited
    heyang.goto(f"{live_server.url}/meetings/{meeting.pk}/")
    heyang.fill("#rsvp textarea[name=reason]", "月末结账，无法参加")
    heyang.click("#rsvp-decline")
    heyang.wait_for_load_state("networkidle")
    assert heyang.locator("#my-response").inner_text() == "请假"
    screenshot(heyang, "meetings-3-declined")

    lina = page_for("lina")
    lina.goto(f"{live_server.url}/meetings/{meeting.pk}/")
    lina.click("#rsvp-accept")
    lina.wait_for_load_state("networkidle")
    assert lina.locator("#my-response").inner_text() == "确认参加"
    guoxin.reload()
    attendance = guoxin.locator("#attendance").inner_text()
    assert "确认参加 2 人 · 请假 1 人 · 待确认 1 人" in attendance and "月末结账" in attendance
    screenshot(guoxin, "meetings-4-noticed")

    # 李娜 tries the same room at an overlapping time: refused, the holder named.
    lina.goto(f"{live_server.url}/meetings/new/")
    fill_application(
        lina, title="Q4 迭代需求评审会", day=day, start="11:00", end="12:00", participants=["刘洋（软件开发部）"]
    )
    lina.click("#save-meeting")
    lina.wait_for_load_state("networkidle")
    error = lina.locator(".field-error").first.inner_text()
    assert "已被 HY-" in error and "「智能手表项目-硬件方案评审会」（10:00–11:30）占用" in error
    screenshot(lina, "meetings-5-room-conflict")
    assert Meeting.objects.count() == 1

    # 李娜 subscribes her calendar: the address is shown once and serves her meetings as iCalendar.
    lina.goto(f"{live_server.url}/meetings/calendar/")
    lina.click("#reset-feed")
    lina.wait_for_load_state("networkidle")
    feed_url = lina.locator("#feed-url").inner_text()
    screenshot(lina, "meetings-9-calendar-feed")
    feed = lina.request.get(feed_url)
    assert feed.status == 200 and "BEGIN:VCALENDAR" in feed.text() and "智能手表项目-硬件方案评审会" in feed.text()
    lina.goto(f"{live_server.url}/meetings/?scope=upcoming")
    assert "智能手表项目-硬件方案评审会" in lina.locator("#meeting-table").inner_text()
    screenshot(lina, "meetings-0-list")

    # An outsider gets the 404 page.
    dengli = page_for("dengli")
    response = dengli.goto(f"{live_server.url}/meetings/{meeting.pk}/")
    assert response.status == 404


def test_minutes_with_action_items_signed_and_tracked(page_for, live_server):
    rooms()
    engine = engine_for(default_calendar())
    today = clock.today()
    held = working_days_before(engine, today, 1)  # the last working day before today
    tz = clock.local().tzinfo
    with time_machine.travel(dt.datetime.combine(working_days_before(engine, held, 4), dt.time(9), tzinfo=tz)):
        from xietong.org.models import Person, Project

        people = {p.username: p for p in Person.objects.all()}
        with transaction.atomic():
            meeting = meeting_create(
                actor=people["guoxin"],
                participants=[people[u] for u in ("lina", "zhaolei", "sunyu", "wangqiang")],
                title="智能手表项目-续航方案评审会",
                project=Project.objects.get(code="smartwatch"),
                meeting_type=MeetingType.objects.get(code="weekly-sync"),
                start_at=dt.datetime.combine(held, dt.time(10), tzinfo=tz),
                end_at=dt.datetime.combine(held, dt.time(10, 30), tzinfo=tz),
                mode="online",
                room=None,
                online_link="腾讯会议 512-376-908",
                goal="确定续航优化方案",
                agenda=["方案介绍", "讨论与决议"],
                materials="",
            ).meeting
            meeting_transition(actor=people["guoxin"], meeting=meeting, name="notify")

    due = engine.add_working_days(today, 3)
    guoxin = page_for("guoxin")
    assert "待编写会议纪要" in guoxin.locator("#wb-meetings").inner_text()
    guoxin.click("#wb-meetings >> text=智能手表项目-续航方案评审会")
    assert "会议纪要" in guoxin.locator("#clocks").inner_text()
    guoxin.click("#write-minutes")
    guoxin.wait_for_url("**/minutes/")
    guoxin.fill("textarea[name=discussion]", "1. 赵磊介绍方案 B；\n2. 孙宇报告功耗基线。")
    guoxin.fill("textarea[name=decisions]", "采用方案 B，量产前完成两轮功耗验证。")
    guoxin.select_option("select[name=departments]", label=["测试部"])
    guoxin.fill("input[name=actions-0-title]", "完成方案 B 的功耗验证")
    guoxin.select_option("select[name=actions-0-owner]", label="王强（软件开发部）")
    guoxin.fill("input[name=actions-0-due_date]", due.isoformat())
    guoxin.fill("input[name=actions-1-title]", "输出量产可行性评估")
    guoxin.select_option("select[name=actions-1-owner]", label="赵磊（硬件研发部）")
    guoxin.fill("input[name=actions-1-due_date]", (due + dt.timedelta(days=7)).isoformat())
    screenshot(guoxin, "meetings-6-minutes-form")
    guoxin.click("#submit-minutes")
    guoxin.wait_for_url("**/meetings/*/#minutes")
    assert guoxin.locator("#minutes-state").inner_text() == "待主持人确认"
    guoxin.click("button[data-minutes-action=approve]")
    guoxin.wait_for_load_state("networkidle")
    assert guoxin.locator("#meeting-state").inner_text() == "纪要已确认"
    assert guoxin.locator("#minutes-state").inner_text() == "已签字确认并分发"
    rows = guoxin.locator("#action-items tbody tr")
    expect(rows).to_have_count(2)
    assert "剩余" in rows.first.inner_text() and "王强" in rows.first.inner_text()
    screenshot(guoxin, "meetings-7-minutes-signed")

    wangqiang = page_for("wangqiang")
    wangqiang.click("#wb-action-items >> text=完成方案 B 的功耗验证")
    wangqiang.fill("textarea[name=reason]", "验证报告已上传")
    click_action(wangqiang, "complete")
    assert wangqiang.locator("#action-state").inner_text() == "已完成"
    screenshot(wangqiang, "meetings-8-action-item-done")
    guoxin.reload()
    assert "按期完成" in guoxin.locator("#action-items").inner_text()


def test_notice_with_script_confirmed_from_the_robot_link(page_for, live_server, browser):
    dialogs: list[str] = []
    liufang = page_for("liufang")
    liufang.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))
    liufang.click("nav.mainnav >> text=通知")
    liufang.click("text=发布通知")
    liufang.fill("input[name=title]", "关于规范跨部门协作流程的通知")
    liufang.select_option("select[name=project]", label="智能手表项目")
    # The editor's HTML as a paste would leave it, hostile parts included: the server sanitises it.
    liufang.locator(".rich-area").evaluate(
        "(area, html) => { area.innerHTML = html; area.dispatchEvent(new Event('input')); }",
        '<p>自下周一起，跨部门需求一律通过协同提交<strong>需求说明书</strong>。</p><script>alert("xss")</script>'
        '<p><img src=x onerror="alert(1)">请于截止前确认。</p>',
    )
    liufang.fill("input[name=effective_date]", (clock.today() + dt.timedelta(days=7)).isoformat())
    liufang.select_option("select[name=target_departments]", label=["软件开发部"])
    liufang.fill("#id_target_people + .picker .picker-search", "hy cw")  # 何洋 of 财务部, by pinyin initials
    liufang.keyboard.press("Enter")
    confirm_by = engine_for(default_calendar()).add_working_days(clock.today(), 3)
    liufang.fill("input[name=confirm_by]", f"{confirm_by.isoformat()}T18:00")
    screenshot(liufang, "notices-1-form")
    liufang.click("#publish-notice")
    liufang.wait_for_url("**/notices/*/")
    assert liufang.locator("#notice-state").inner_text() == "已发布"
    assert liufang.locator("#notice-body script").count() == 0
    assert liufang.locator("#notice-body img").count() == 0
    assert liufang.locator("#notice-body strong").inner_text() == "需求说明书"
    assert liufang.locator("#confirmed-percent").inner_text() == "0%"
    notice = Notice.objects.get()
    assert notice.receipts.count() == 6  # 软件开发部 5 + 何洋

    # 王强 follows the robot's link while signed out: the login page, then the notice, then 已阅.
    context = browser.new_context(locale="zh-CN", viewport={"width": 1280, "height": 860})
    try:
        page = context.new_page()
        page.goto(f"{live_server.url}/notices/{notice.pk}/")
        page.wait_for_url("**/accounts/login/**")
        assert page.url.endswith(f"/accounts/login/?next=/notices/{notice.pk}/")
        page.fill("input[name=username]", "wangqiang")
        page.fill("input[name=password]", "xietong2026")
        page.click("#login-submit")
        page.wait_for_url(f"**/notices/{notice.pk}/")
        screenshot(page, "notices-2-from-robot-link")
        page.click("#confirm-notice")
        page.wait_for_load_state("networkidle")
        assert "您已于" in page.locator("#my-receipt").inner_text()
        screenshot(page, "notices-3-confirmed")
    finally:
        context.close()

    liufang.reload()
    assert liufang.locator("#confirmed-percent").inner_text() == "16%"
    assert "软件开发部" in liufang.locator("#department-receipts").inner_text()
    screenshot(liufang, "notices-4-sender-view")
    assert dialogs == []  # no script ran anywhere
