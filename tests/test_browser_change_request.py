"""需求变更 in a real browser: 郭鑫 changes an accepted multi-department request — a refused send keeps what he
typed and says why at the field — then the version page shows the diff (old → new) and who has confirmed
已阅; 罗倩 (市场部's contact) confirms 已阅 there. Also read on a phone (390×844)."""

import datetime as dt

import pytest
from django.db import transaction

from conftest import screenshot
from xietong.items.runner import run_step
from xietong.requests.milestones import milestone_add
from xietong.requests.models import Request, RequestVersion
from xietong.requests.participants import participants_parse
from xietong.requests.services import request_create

pytestmark = pytest.mark.browser


def accepted(company) -> Request:
    taking, _problem = participants_parse("市场部/罗倩：提供用户调研数据\n生产部：评估量产可行性")
    with transaction.atomic():
        request = request_create(
            actor=company.person("guoxin"),
            criteria=["待机续航≥5天"],
            submit=True,
            participants=taking,
            title="智能手表项目-硬件方案评审",
            project=company.project("smartwatch"),
            receiving_department=company.department("rd-hardware"),
            receiver=None,
            background="保证硬件方案满足成本控制与用户体验目标",
            goal="确认用户调研数据，评估量产可行性",
            content="1. 市场部提供调研数据；2. 生产部评估量产可行性",
            expected_date=dt.date.today() + dt.timedelta(days=60),
            priority="medium",
        )
        run_step(actor=company.person("zhaolei"), item=request, step="accept")
        milestone_add(
            actor=company.person("guoxin"),
            request=Request.objects.get(pk=request.pk),
            title="原型设计稿（V1）",
            owner=company.person("huangmin"),
            workday=10,
            start_date=dt.date.today(),
        )
    return Request.objects.get(pk=request.pk)


def test_a_change_request_is_sent_diffed_and_read(page_for, live_server, live_company):
    request = accepted(live_company)
    old_date = request.expected_date.isoformat()
    new_date = (request.expected_date - dt.timedelta(days=7)).isoformat()
    guoxin = page_for("guoxin")
    guoxin.goto(f"{live_server.url}/requests/{request.pk}/")
    assert "第10个工作日" in guoxin.locator("#milestones").inner_text()
    assert "依据：《多部门协同作业标准沟通流程》二" in guoxin.locator("#milestones").inner_text()
    with guoxin.expect_navigation():
        guoxin.click("#request-change")
    guoxin.fill("input[name=expected_date]", new_date)
    with guoxin.expect_navigation():
        guoxin.click("#send-change")  # no reason: refused at its field, the new date kept
    assert guoxin.locator(".field.has-error").inner_text().count("请填写变更原因") == 1
    assert guoxin.input_value("input[name=expected_date]") == new_date
    guoxin.fill("textarea[name=reason]", "客户要求提前上市")
    with guoxin.expect_navigation():
        guoxin.click("#send-change")
    assert guoxin.url.endswith(f"/requests/{request.pk}/versions/")
    diff = guoxin.locator("#v2 table.diff").inner_text()
    assert "期望完成时间" in diff and old_date in diff and new_date in diff
    assert "已阅 0/5" in guoxin.locator("#v2").inner_text()
    screenshot(guoxin, "change-request-1-sent")

    luoqian = page_for("luoqian")
    luoqian.goto(f"{live_server.url}/requests/{request.pk}/")
    assert "V2 需求变更待您确认“已阅”。" in luoqian.locator("#changes").inner_text()
    luoqian.goto(f"{live_server.url}/requests/{request.pk}/versions/")
    with luoqian.expect_navigation():
        luoqian.click("#v2 button:has-text('已阅')")
    assert "已阅 1/5" in luoqian.locator("#v2").inner_text()
    receipts = luoqian.locator("#v2 .receipts").inner_text()
    assert "罗倩" in receipts and "市场部对接人" in receipts
    version = RequestVersion.objects.get(request=request, number=2)
    assert version.receipts.get(person__username="luoqian").confirmed_at is not None

    luoqian.set_viewport_size({"width": 390, "height": 844})
    luoqian.reload()
    width = luoqian.evaluate("document.documentElement.scrollWidth")
    assert width <= 390  # nothing runs off the side of a phone
    screenshot(luoqian, "change-request-2-phone")
