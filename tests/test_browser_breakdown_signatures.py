"""The heads-signing gate on the breakdown page, in a real browser: 郭鑫 cannot publish before every
participating department's head has signed the 分工表 and the RACI (the refusal names who is awaited); he sends
it for signature; 谢强 (生产部) finds it on his workbench and signs it from his phone; then it is published."""

import datetime as dt
from pathlib import Path

import pytest
from django.db import transaction

from conftest import screenshot
from xietong.items.runner import run_step
from xietong.requests.models import Request
from xietong.requests.participants import participants_parse
from xietong.requests.services import request_create
from xietong.tasks.models import BreakdownSignature, Task
from xietong.tasks.services import breakdown_open, task_create

pytestmark = pytest.mark.browser
SHOTS = Path("/work/notes/shots")


def accepted_request(company) -> Request:
    taking, problem = participants_parse("生产部：评估量产可行性，派1名工程师参与评审会议")
    assert problem == ""
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
            content="1. 硬件研发部评估方案；2. 生产部评估量产可行性",
            expected_date=dt.date.today() + dt.timedelta(days=60),
            priority="medium",
        )
        for username, step, item in (
            ("zhaolei", "accept", request),
            ("guoxin", "sign", None),
            ("zhaolei", "sign", None),
        ):
            run_step(actor=company.person(username), item=item or Request.objects.get(pk=request.pk), step=step)
        production = request.participations.get(department__code="production")
        run_step(actor=company.person("xieqiang"), item=production, step="confirm")
        breakdown = breakdown_open(actor=company.person("guoxin"), request=request)
        today = dt.date.today()
        task_create(
            actor=company.person("guoxin"),
            breakdown=breakdown,
            title="功耗基线测试",
            completion_criteria="输出功耗测试报告，待机续航≥5天",
            owner=company.person("zhaolei"),
            start_date=today + dt.timedelta(days=1),
            end_date=today + dt.timedelta(days=7),
            priority="medium",
        )
    return request


def test_the_breakdown_is_published_only_after_every_participating_head_signed(page_for, live_server, live_company):
    request = accepted_request(live_company)
    url = f"{live_server.url}/tasks/breakdown/{request.pk}/"

    guoxin = page_for("guoxin")
    guoxin.goto(url)
    assert "输出功耗测试报告，待机续航≥5天" in guoxin.locator("#task-table").inner_text()
    assert guoxin.locator("#signatures-awaited").inner_text() == "尚待签字：硬件研发部（赵磊）、生产部（谢强）"
    with guoxin.expect_navigation():
        guoxin.click("#publish-breakdown")
    assert guoxin.locator(".messages").inner_text().strip() == (
        "发布前各参与部门负责人须在分工表及 RACI 上签字，尚待：硬件研发部（赵磊）、生产部（谢强）"
    )
    assert guoxin.locator("#breakdown-state").inner_text() == "编制中"
    with guoxin.expect_navigation():
        guoxin.click("#ask-signatures")
    assert guoxin.locator("#sign-breakdown").count() == 0  # not a head of a participating department

    zhaolei = page_for("zhaolei")
    zhaolei.goto(url)
    with zhaolei.expect_navigation():
        zhaolei.click("#sign-breakdown")

    xieqiang = page_for("xieqiang")
    xieqiang.set_viewport_size({"width": 390, "height": 844})
    assert "智能手表项目-硬件方案评审" in xieqiang.locator("#wb-breakdown-signatures").inner_text()
    with xieqiang.expect_navigation():
        xieqiang.click("#wb-breakdown-signatures >> text=智能手表项目-硬件方案评审")
    assert xieqiang.locator("#signatures-awaited").inner_text() == "尚待签字：生产部（谢强）"
    SHOTS.mkdir(parents=True, exist_ok=True)
    xieqiang.screenshot(path=str(SHOTS / "breakdown-head-signs-390x844.png"))
    with xieqiang.expect_navigation():
        xieqiang.click("#sign-breakdown")
    assert xieqiang.locator("#sign-breakdown").count() == 0
    assert "谢强" in xieqiang.locator("#signature-table").inner_text()
    xieqiang.screenshot(path=str(SHOTS / "breakdown-head-signed-390x844.png"), full_page=True)
    assert set(BreakdownSignature.objects.values_list("signed_by__username", flat=True)) == {"zhaolei", "xieqiang"}

    guoxin.reload()
    with guoxin.expect_navigation():
        guoxin.click("#publish-breakdown")
    assert guoxin.locator("#breakdown-state").inner_text() == "已发布"
    assert set(Task.objects.values_list("state", flat=True)) == {"published"}
    screenshot(guoxin, "breakdown-signed-and-published")
