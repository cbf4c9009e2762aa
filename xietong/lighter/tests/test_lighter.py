"""The lighter templates: 客户需求沟通进度同步表 rows, and 新人入职 checklists with owners, due dates and
progress the newcomer's head can follow. Instants are Asia/Shanghai."""

import datetime as dt
import io
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.db import transaction
from openpyxl import load_workbook

from xietong.clocks.models import Clock, Escalation
from xietong.clocks.services import clock_fire_due
from xietong.core.errors import ApplicationError, Forbidden, InvalidState, NotFound
from xietong.lighter.exports import SYNC_COLUMNS
from xietong.lighter.models import CustomerRequirement, Onboarding, SyncRow
from xietong.lighter.services import (
    StepDraft,
    customer_add_row,
    customer_close,
    customer_create,
    onboarding_create,
    onboarding_step_done,
)
from xietong.notify.models import InboxMessage

SH = ZoneInfo("Asia/Shanghai")


def at(text: str) -> dt.datetime:
    return dt.datetime.fromisoformat(text).replace(tzinfo=SH)


def inbox(username):
    return [m.notification.title for m in InboxMessage.objects.filter(recipient__username=username)]


@pytest.fixture
def requirement(company):
    with time_machine.travel(at("2026-05-15 10:00"), tick=False), transaction.atomic():
        return customer_create(
            actor=company.person("tangwen"),
            title="华东区经销商-智能手表续航需求对接",
            customer="华东区经销商（上海）",
            description="客户希望续航不少于 5 天",
        )


def add_row(company, requirement, when, actor="tangwen", **overrides):
    data = dict(
        date=at(when).date(),
        stage="需求收集",
        progress="完成客户初步访谈，整理核心需求 3 项",
        people=[company.person("tangwen")],
        next_step="5月18日前输出需求初稿",
        risk="客户对“续航时长”要求模糊",
        response="5月16日再次电话确认",
    )
    data.update(overrides)
    with time_machine.travel(at(when), tick=False), transaction.atomic():
        return customer_add_row(actor=company.person(actor), requirement=requirement, **data)


def test_sync_table_rows_in_date_order_and_the_excel_layout(company, client_for, requirement):
    assert requirement.number == "KH-2026-0001" and requirement.department.code == "sales"
    add_row(company, requirement, "2026-05-15 17:00")
    add_row(
        company,
        requirement,
        "2026-05-18 16:00",
        stage="需求确认",
        progress="需求初稿已邮件发送客户，等待反馈",
        people=[company.person("tangwen"), company.person("guoxin")],
        next_step="5月20日前收集客户反馈并修改",
        risk="客户反馈可能涉及成本增加",
        response="提前准备备选方案",
    )
    # 郭鑫 (产品部) joined as a participant: he now sees it and may add rows.
    assert client_for("guoxin").get(f"/lighter/customers/{requirement.pk}/").status_code == 200
    assert "【客户需求进度】KH-2026-0001 华东区经销商-智能手表续航需求对接" in inbox("guoxin")
    add_row(
        company,
        requirement,
        "2026-05-20 11:00",
        actor="guoxin",
        stage="方案调整",
        progress="重点优化续航模块",
        people=[company.person("huangmin")],
        next_step="5月22日提交方案终稿",
        risk="",
        response="",
    )
    assert list(SyncRow.objects.values_list("stage", flat=True)) == ["需求收集", "需求确认", "方案调整"]
    response = client_for("tangwen").get(f"/lighter/customers/{requirement.pk}/export.xlsx")
    sheet = load_workbook(io.BytesIO(response.content)).active
    assert (
        [c.value for c in sheet[3]]
        == SYNC_COLUMNS
        == ["日期", "沟通阶段", "进展描述", "参与人", "下一步计划", "风险与应对"]
    )
    assert [c.value for c in sheet[5]] == [
        dt.datetime(2026, 5, 18),
        "需求确认",
        "需求初稿已邮件发送客户，等待反馈",
        "产品部/郭鑫、销售部/唐雯",
        "5月20日前收集客户反馈并修改",
        "客户反馈可能涉及成本增加；应对：提前准备备选方案",
    ]


def test_a_row_needs_every_column_and_no_future_date(company, requirement):
    with pytest.raises(ApplicationError) as refused:
        add_row(
            company,
            requirement,
            "2026-05-15 17:00",
            date=dt.date(2026, 5, 16),
            stage="",
            progress=" ",
            people=[],
            next_step="",
            risk="成本增加",
            response="",
        )
    assert refused.value.fields == {
        "date": "日期 2026-05-16 晚于今天：同步表记录已发生的沟通",
        "stage": "请填写沟通阶段，例如“需求确认”",
        "progress": "请填写进展描述",
        "next_step": "请填写下一步计划，例如“5月20日前收集客户反馈并修改”",
        "people": "请选择参与人",
        "response": "写明风险时请同时写明应对措施",
    }
    assert not SyncRow.objects.exists()


def test_customer_permissions(company, client_for, requirement):
    with pytest.raises(NotFound):
        add_row(company, requirement, "2026-05-15 17:00", actor="hanlei")  # 销售部 member, not involved
    assert client_for("hanlei").get(f"/lighter/customers/{requirement.pk}/").status_code == 404
    assert client_for("songtao").get(f"/lighter/customers/{requirement.pk}/").status_code == 200  # 销售部 head
    outsider = client_for("fengjing")
    for url in (
        f"/lighter/customers/{requirement.pk}/",
        f"/lighter/customers/{requirement.pk}/export.xlsx",
        f"/api/lighter/customers/{requirement.pk}",
    ):
        assert outsider.get(url).status_code == 404, url
    assert outsider.post(f"/lighter/customers/{requirement.pk}/rows/", {"stage": "x"}).status_code == 404
    assert (
        outsider.post(f"/api/lighter/customers/{requirement.pk}/rows", {}, content_type="application/json").status_code
        == 404
    )
    with time_machine.travel(at("2026-05-25 10:00"), tick=False), transaction.atomic():
        customer_close(actor=company.person("tangwen"), requirement=requirement)
    with pytest.raises(InvalidState):
        add_row(company, requirement, "2026-05-26 10:00")


def onboard(company, when="2026-03-02 09:00", actor="lina", **overrides):
    data = dict(
        newcomer=company.person("yangfan"),
        contact=company.person("wangqiang"),
        start_date=dt.date(2026, 3, 2),
        duties="负责 App 消息中心模块的开发与维护",
        process_links="发起需求 /requests/new/\n问题提报 /problems/new/\n员工手册（纸质）",
        steps=[
            StepDraft("领取工牌、办公设备与工位", company.person("zhoujie"), dt.date(2026, 3, 2)),
            StepDraft("岗位职责与部门制度讲解", company.person("lina"), dt.date(2026, 3, 3)),
            StepDraft("熟悉协作流程", company.person("wangqiang"), dt.date(2026, 3, 6)),
        ],
    )
    data.update(overrides)
    with time_machine.travel(at(when), tick=False), transaction.atomic():
        return onboarding_create(actor=company.person(actor), **data)


def test_onboarding_checklist_with_owners_due_dates_and_the_heads_view(company, client_for):
    onboarding = onboard(company)
    assert onboarding.number == "RZ-2026-0001" and onboarding.title == "杨帆入职"
    assert onboarding.links() == [
        ("发起需求", "/requests/new/"),
        ("问题提报", "/problems/new/"),
        ("员工手册（纸质）", ""),
    ]
    clocks = Clock.objects.filter(subject_type="lighter.onboardingstep", kind="due").order_by("due_at")
    assert [c.due_at for c in clocks] == [at("2026-03-02 18:00"), at("2026-03-03 18:00"), at("2026-03-06 18:00")]
    assert "【新人入职】杨帆的入职事项" in inbox("zhoujie")
    assert "【欢迎加入】您的入职安排" in inbox("yangfan")
    # 周杰 (综合管理部) misses his step: he is told, then 软件开发部's head hears it.
    with time_machine.travel(at("2026-03-02 18:00"), tick=False):
        clock_fire_due()
    assert "【已超时】杨帆入职：领取工牌、办公设备与工位" in inbox("zhoujie")
    assert Escalation.objects.get(limit="due").target.username == "lina"
    for username in ("yangfan", "wangqiang", "zhoujie", "lina", "zhangwei"):
        assert client_for(username).get(f"/lighter/onboarding/{onboarding.pk}/").status_code == 200, username
    html = client_for("lina").get(f"/lighter/onboarding/{onboarding.pk}/").content.decode()
    assert 'id="onboarding-progress">0/3<' in html
    steps = list(onboarding.steps.order_by("position"))
    with pytest.raises(Forbidden), time_machine.travel(at("2026-03-03 10:00"), tick=False):
        onboarding_step_done(actor=company.person("yangfan"), step=steps[0])
    for step, who, when in (
        (steps[0], "zhoujie", "2026-03-03 09:30"),
        (steps[1], "lina", "2026-03-03 11:00"),
        (steps[2], "wangqiang", "2026-03-05 16:00"),
    ):
        with time_machine.travel(at(when), tick=False), transaction.atomic():
            onboarding_step_done(actor=company.person(who), step=step)
    onboarding.refresh_from_db()
    assert onboarding.state == "completed" and onboarding.closed_at == at("2026-03-05 16:00")
    assert "【入职完成】杨帆" in inbox("lina")
    assert Clock.objects.get(subject_type="lighter.onboardingstep", subject_id=steps[2].pk, kind="due").met_at == at(
        "2026-03-05 16:00"
    )


def test_onboarding_is_arranged_by_the_head_and_needs_every_part(company, client_for):
    with pytest.raises(Forbidden):
        onboard(company, actor="wangqiang")
    with pytest.raises(ApplicationError) as refused:
        onboard(
            company,
            contact=company.person("yangfan"),
            duties=" ",
            steps=[StepDraft("领取工牌", None, dt.date(2026, 3, 2))],
        )
    assert refused.value.fields == {
        "contact": "对接人不能是新员工本人",
        "duties": "请写明岗位职责",
        "steps": "第 1 项缺少负责人",
    }
    assert not Onboarding.objects.exists() and not Clock.objects.exists()
    onboarding = onboard(company)
    outsider = client_for("fengjing")
    assert outsider.get(f"/lighter/onboarding/{onboarding.pk}/").status_code == 404
    assert outsider.get(f"/api/lighter/onboarding/{onboarding.pk}").status_code == 404
    step = onboarding.steps.first()
    assert outsider.post(f"/lighter/onboarding/steps/{step.pk}/done/").status_code == 404
    assert (
        outsider.post(f"/api/lighter/onboarding/steps/{step.pk}/done", {}, content_type="application/json").status_code
        == 404
    )
    assert outsider.post(f"/lighter/onboarding/{onboarding.pk}/steps/", {"title": "x"}).status_code == 404


def test_pages_create_both_templates(company, client_for):
    client = client_for("tangwen")
    response = client.post("/lighter/customers/new/", {"title": "", "customer": ""})
    assert "请填写需求主题" in response.content.decode() and not CustomerRequirement.objects.exists()
    response = client.post("/lighter/customers/new/", {"title": "华东区经销商-续航需求", "customer": "华东区经销商"})
    item = CustomerRequirement.objects.get()
    assert response.status_code == 302
    today = dt.date.today().isoformat()
    row = client.post(
        f"/lighter/customers/{item.pk}/rows/",
        {
            "date": today,
            "stage": "需求收集",
            "progress": "初访",
            "people": [company.person("tangwen").pk],
            "next_step": "出初稿",
        },
    )
    assert row.status_code == 302 and SyncRow.objects.count() == 1
    lina = client_for("lina")
    assert "领取工牌、办公设备与工位" in lina.get("/lighter/onboarding/new/").content.decode()
    created = lina.post(
        "/lighter/onboarding/new/",
        {
            "newcomer": company.person("yangfan").pk,
            "contact": company.person("wangqiang").pk,
            "start_date": today,
            "duties": "App 开发",
            "step_title_1": "开通账号",
            "step_owner_1": company.person("zhoujie").pk,
            "step_due_1": today,
        },
    )
    assert created.status_code == 302, created.content.decode()[:2000]
    assert Onboarding.objects.get().steps.count() == 1


def test_api_for_both_templates(company, client_for):
    client = client_for("tangwen")
    created = client.post(
        "/api/lighter/customers",
        {"title": "华东区经销商-续航需求", "customer": "华东区经销商"},
        content_type="application/json",
    )
    assert created.status_code == 201 and created.json()["number"] == "KH-2026-0001"
    pk = created.json()["id"]
    row = client.post(
        f"/api/lighter/customers/{pk}/rows",
        {
            "date": dt.date.today().isoformat(),
            "stage": "需求收集",
            "progress": "初访",
            "people_ids": [company.person("tangwen").pk],
            "next_step": "出初稿",
        },
        content_type="application/json",
    )
    assert row.status_code == 201 and row.json()["stage"] == "需求收集"
    bad = client.post(f"/api/lighter/customers/{pk}/rows", {"people_ids": [999999]}, content_type="application/json")
    assert bad.status_code == 400 and bad.json()["fields"] == {"people_ids": "人员不存在：#999999"}
    assert client.get(f"/api/lighter/customers/{pk}").json()["rows"][0]["progress"] == "初访"

    lina = client_for("lina")
    today = dt.date.today().isoformat()
    onboarding = lina.post(
        "/api/lighter/onboarding",
        {
            "newcomer_id": company.person("yangfan").pk,
            "contact_id": company.person("wangqiang").pk,
            "start_date": today,
            "duties": "App 开发",
            "steps": [{"title": "开通账号", "owner_id": company.person("zhoujie").pk, "due_date": today}],
        },
        content_type="application/json",
    )
    assert onboarding.status_code == 201, onboarding.content
    step_id = onboarding.json()["steps"][0]["id"]
    assert (
        client_for("yangfan")
        .post(f"/api/lighter/onboarding/steps/{step_id}/done", {}, content_type="application/json")
        .status_code
        == 403
    )
    done = client_for("zhoujie").post(
        f"/api/lighter/onboarding/steps/{step_id}/done", {"note": "已开通"}, content_type="application/json"
    )
    assert done.status_code == 200 and done.json()["done_at"]
    assert lina.get(f"/api/lighter/onboarding/{onboarding.json()['id']}").json()["state"] == "completed"
