"""内部事务通知确认单: targets, 已阅 receipts counted per department, reminders to the pending ones, the
non-confirmers' lists to their department heads at the deadline, sanitised bodies, robot links, 404s."""

import datetime as dt
from io import BytesIO
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.db import transaction
from django.test import Client
from openpyxl import load_workbook

from xietong.clocks.models import Clock
from xietong.clocks.services import clock_fire_due
from xietong.core.errors import ApplicationError, Forbidden
from xietong.core.models import AuditEvent
from xietong.notices.models import Notice, NoticeReceipt
from xietong.notices.selectors import receipt_summary
from xietong.notices.services import notice_confirm, notice_create, notice_transition
from xietong.notify.models import Channel, Delivery, InboxMessage

SH = ZoneInfo("Asia/Shanghai")
CONFIRMED = ["zhangwei", "lina", "wangqiang", "liuyang", "zhaolei", "sunyu", "maxiaoyan", "zhuhong"]
CONFIRMED += ["hujun", "guoxin", "heyang"]

NOTICE_CLAUSE = "\n依据：《内部沟通与协调工作机制》二（一）「明确“已阅”确认要求」"


def at(text: str) -> dt.datetime:
    return dt.datetime.fromisoformat(text).replace(tzinfo=SH)


def publish(
    company, *, when="2026-03-09 10:00", departments=("rd", "product"), people=("heyang",), send=True, **overrides
):
    """刘芳 (综合管理部) publishes a notice to 研发中心 (with its three departments), 产品部 and 何洋 (a draft when
    not `send`)."""
    data = dict(
        title="关于规范跨部门协作流程的通知",
        project=company.project("smartwatch"),
        body="<p>自 3 月 16 日起，跨部门需求一律通过协同提交<strong>需求说明书</strong>。</p>",
        body_format="html",  # as the form's editor sends it
        effective_date=dt.date(2026, 3, 16),
        requires_confirmation=True,
        confirm_by=at("2026-03-13 18:00"),
    )
    data.update(overrides)
    with time_machine.travel(at(when), tick=False), transaction.atomic():
        return notice_create(
            actor=company.person("liufang"),
            departments=[company.department(code) for code in departments],
            people=[company.person(u) for u in people],
            publish=send,
            **data,
        )


def confirm(company, notice, usernames, when="2026-03-10 09:00"):
    with time_machine.travel(at(when), tick=False), transaction.atomic():
        for username in usernames:
            notice_confirm(actor=company.person(username), notice=notice)


def titles(username: str, prefix: str) -> list[str]:
    rows = InboxMessage.objects.filter(recipient__username=username, notification__title__startswith=prefix)
    return list(rows.values_list("notification__title", flat=True))


def fire(when: str) -> int:
    with time_machine.travel(at(when), tick=False):
        return clock_fire_due()


def test_departments_include_their_sub_departments_and_the_sender_is_not_asked(company):
    notice = publish(company)
    assert (notice.number, notice.state) == ("TZ-2026-0001", "published")
    assert NoticeReceipt.objects.filter(notice=notice).count() == 17
    assert set(NoticeReceipt.objects.values_list("person__username", flat=True)) >= {"zhangwei", "xuming", "heyang"}
    assert not NoticeReceipt.objects.filter(person__username="liufang").exists()
    assert titles("xuming", "【请确认】") == ["【请确认】关于规范跨部门协作流程的通知"]
    body = InboxMessage.objects.get(recipient__username="xuming").notification.body
    assert body == (
        "生效日期：2026-03-16\n自 3 月 16 日起，跨部门需求一律通过协同提交需求说明书。\n"
        "请于 3月13日 18:00 前打开通知并点击“已阅”确认。"
    )
    clocks = {c.kind: c for c in Clock.objects.filter(subject_type="notices.notice", subject_id=notice.pk)}
    assert clocks["confirm"].due_at == at("2026-03-13 18:00")
    assert clocks["remind"].due_at == at("2026-03-13 14:00")  # 4 working hours before


def test_everyone_reaches_every_active_person_but_the_sender(company):
    notice = publish(company, departments=(), people=(), target_everyone=True, title="关于清明节放假安排的通知")
    from xietong.org.models import Person

    assert notice.receipts.count() == Person.objects.filter(is_active=True).count() - 1


def test_read_receipt_counts_by_department_with_percentages(company):
    notice = publish(company)
    confirm(company, notice, CONFIRMED)
    summary = receipt_summary(notice)
    assert (summary.overall.confirmed, summary.overall.total, summary.overall.percent) == (11, 17, 64)
    assert [(d.label, d.confirmed, d.pending, d.percent) for d in summary.departments] == [
        ("财务部", 1, 0, 100),
        ("研发中心", 1, 0, 100),
        ("软件开发部", 3, 2, 60),
        ("硬件研发部", 1, 2, 33),
        ("测试部", 3, 0, 100),
        ("产品部", 2, 2, 50),
    ]
    # Confirming twice changes nothing; someone not on the list cannot confirm.
    confirm(company, notice, ["lina"], when="2026-03-11 09:00")
    assert NoticeReceipt.objects.get(person__username="lina").confirmed_at == at("2026-03-10 09:00")
    assert AuditEvent.objects.filter(action="notice.confirm", actor__username="lina").count() == 1
    with pytest.raises(Forbidden, match="您不在本通知的确认名单中"):
        confirm(company, notice, ["luoqian"])  # a project member, not a recipient


def test_reminder_to_the_pending_then_lists_to_their_department_heads(company):
    notice = publish(company)
    confirm(company, notice, CONFIRMED)
    assert fire("2026-03-13 14:00") == 1
    pending = ["chenjing", "yangfan", "huangmin", "xuming", "linxue", "heli"]
    for username in pending:
        assert titles(username, "【待确认】") == ["【待确认】关于规范跨部门协作流程的通知"], username
    assert not titles("lina", "【待确认】")

    assert fire("2026-03-13 18:00") == 1  # the limit; its single-target escalation is withdrawn
    lists = {
        m.recipient.username: m.notification.body
        for m in InboxMessage.objects.filter(notification__title__startswith="【未确认名单】").select_related(
            "recipient", "notification"
        )
    }
    assert lists == {
        "lina": "截至 3月13日 18:00，您部门以下 2 人仍未确认：陈静（软件开发部）、杨帆（软件开发部）。请督促确认。"
        + NOTICE_CLAUSE,
        "zhaolei": "截至 3月13日 18:00，您部门以下 2 人仍未确认：黄敏（硬件研发部）、徐明（硬件研发部）。请督促确认。"
        + NOTICE_CLAUSE,
        "hujun": "截至 3月13日 18:00，您部门以下 2 人仍未确认：林雪（产品部）、何丽（产品部）。请督促确认。"
        + NOTICE_CLAUSE,
    }
    assert titles("liufang", "【确认截止】") == ["【确认截止】关于规范跨部门协作流程的通知：6 人未确认"]
    assert not InboxMessage.objects.filter(notification__title__startswith="【升级").exists()
    assert fire("2026-03-20 18:00") == 0  # nothing left armed
    notice.refresh_from_db()
    assert [r["head_name"] for r in notice.deadline_report] == ["李娜", "赵磊", "胡军"]

    # A late confirmation still counts, on the record as late.
    confirm(company, notice, ["chenjing"], when="2026-03-16 09:00")
    assert AuditEvent.objects.get(action="notice.confirm", actor__username="chenjing").after["late"] is True


def test_all_confirmed_meets_the_limit_and_nobody_is_chased(company):
    notice = publish(company, departments=(), people=("heyang", "wangqiang"))
    confirm(company, notice, ["heyang", "wangqiang"])
    assert Clock.objects.get(subject_id=notice.pk, subject_type="notices.notice", kind="confirm").met_at == at(
        "2026-03-10 09:00"
    )
    assert fire("2026-03-20 18:00") == 0
    assert not InboxMessage.objects.filter(notification__title__startswith="【待确认】").exists()


def test_manual_reminder_goes_only_to_the_pending(company):
    notice = publish(company, departments=(), people=("heyang", "wangqiang"))
    confirm(company, notice, ["heyang"])
    with time_machine.travel(at("2026-03-11 10:00"), tick=False), transaction.atomic():
        notice_transition(actor=company.person("liufang"), notice=notice, name="remind")
    assert titles("wangqiang", "【待确认】") and not titles("heyang", "【待确认】")
    assert AuditEvent.objects.get(action="notice.remind").after == {"reminded": [company.person("wangqiang").pk]}


@pytest.mark.parametrize(
    ("overrides", "field", "message"),
    [
        (dict(departments=(), people=()), "targets", "请至少选择一个通知对象：指定人员、涉及部门或全体人员"),
        (dict(confirm_by=None), "confirm_by", "需确认的通知请填写确认截止时间"),
        (dict(confirm_by=at("2026-03-01 18:00")), "confirm_by", "确认截止时间 2026-03-01 18:00 已经过去"),
        (dict(body="<script>alert(1)</script>"), "body", "请填写通知内容"),
        (dict(title="  "), "title", "请填写通知主题"),
    ],
)
def test_bad_notices_are_refused_and_nothing_saved(company, overrides, field, message):
    with pytest.raises(ApplicationError) as refused:
        publish(company, **overrides)
    assert refused.value.fields[field] == message
    assert not Notice.objects.exists() and not NoticeReceipt.objects.exists()


def test_script_in_a_body_is_removed_and_never_reaches_the_page(company, client_for):
    hostile = (
        '<p>请各部门<strong>周五前</strong>提交</p><script>alert("x")</script>'
        '<img src=x onerror="alert(1)"><a href="javascript:alert(1)" onclick="steal()">链接</a>'
        '<a href="https://example.com/guide">指引</a>'
    )
    with pytest.raises(ApplicationError) as refused:
        publish(company, body=hostile)
    assert refused.value.fields == {
        "body": "链接“javascript:alert(1)”不是有效的网址：请使用 http:// 或 https:// 开头的完整网址"
    }
    notice = publish(company, body=hostile.replace('href="javascript:alert(1)" ', ""))
    assert notice.body == (
        "<p>请各部门<strong>周五前</strong>提交</p>"
        '<a rel="noopener noreferrer">链接</a>'
        '<a href="https://example.com/guide" rel="noopener noreferrer">指引</a>'
    )
    Notice.objects.filter(pk=notice.pk).update(body=hostile)  # even a row written around the service
    html = client_for("wangqiang").get(f"/notices/{notice.pk}/").content.decode()
    assert "<strong>周五前</strong>" in html
    for bad in ("<script>alert", "onerror", "javascript:", "onclick", "<img"):
        assert bad not in html, bad


def test_robot_message_links_to_the_notice_and_confirming_works_after_login(company):
    Channel.objects.create(
        kind="dingtalk", name="全公司群", url="https://oapi.dingtalk.com/robot/send?access_token=abc"
    )
    notice = publish(company)
    robot = Delivery.objects.get(channel__name="全公司群")
    assert robot.notification.url == f"/notices/{notice.pk}/"
    browser = Client()
    response = browser.get(robot.notification.url)
    assert response.status_code == 302 and response["Location"] == f"/accounts/login/?next=/notices/{notice.pk}/"
    response = browser.post(
        f"/accounts/login/?next=/notices/{notice.pk}/",
        {"username": "wangqiang", "password": "xietong2026", "next": f"/notices/{notice.pk}/"},
    )
    assert response.status_code == 302 and response["Location"] == f"/notices/{notice.pk}/"
    page = browser.get(response["Location"]).content.decode()
    assert 'id="confirm-notice"' in page
    with time_machine.travel(at("2026-03-10 09:30"), tick=False):
        browser.post(f"/notices/{notice.pk}/confirm/")
    assert NoticeReceipt.objects.get(person__username="wangqiang").confirmed_at == at("2026-03-10 09:30")
    assert "您已于 2026-03-10 09:30 确认已阅" in browser.get(f"/notices/{notice.pk}/").content.decode()


def test_outsider_gets_404_everywhere_and_a_recipient_sees_only_their_own_receipt(company, client_for):
    notice = publish(company)
    outsider = client_for("dengli")  # 客户服务部: not targeted, not in the project
    for url in (
        f"/notices/{notice.pk}/",
        f"/notices/{notice.pk}/edit/",
        f"/notices/{notice.pk}/export.xlsx",
        f"/api/notices/{notice.pk}",
        f"/api/notices/{notice.pk}/receipts",
    ):
        assert outsider.get(url).status_code == 404, url
    for url in (
        f"/notices/{notice.pk}/confirm/",
        f"/notices/{notice.pk}/do/withdraw/",
        f"/items/notices.notice/{notice.pk}/comments/",
        f"/api/notices/{notice.pk}/confirm",
        f"/api/notices/{notice.pk}/transitions/withdraw",
    ):
        response = (
            outsider.post(url, {"reason": "x"}, content_type="application/json")
            if url.startswith("/api/")
            else outsider.post(url, {"reason": "x", "body": "x"})
        )
        assert response.status_code == 404, url
    assert notice.number not in outsider.get("/notices/?scope=all").content.decode()
    assert outsider.get("/api/notices/?scope=all").json()["count"] == 0

    recipient = client_for("wangqiang")
    page = recipient.get(f"/notices/{notice.pk}/").content.decode()
    assert "已阅" in page and "确认情况" not in page
    assert recipient.get(f"/api/notices/{notice.pk}/receipts").status_code == 404
    # 李娜 heads 软件开发部, whose people were asked: she follows the counts.
    assert client_for("lina").get(f"/api/notices/{notice.pk}/receipts").json()["overall"]["total"] == 17


def test_sender_page_and_excel_export_in_the_templates_columns(company, client_for):
    notice = publish(company)
    confirm(company, notice, CONFIRMED)
    liufang = client_for("liufang")
    html = liufang.get(f"/notices/{notice.pk}/").content.decode()
    assert "64%" in html and "已确认 11 / 17 人，待确认 6 人" in html and "硬件研发部" in html
    workbook = load_workbook(BytesIO(liufang.get(f"/notices/{notice.pk}/export.xlsx").content))
    sheet = workbook.active
    assert [c.value for c in sheet[3]][:7] == [
        "通知主题",
        "通知内容",
        "涉及部门",
        "生效日期",
        "需确认人员",
        "所在部门",
        "确认状态",
    ]
    rows = {row[4]: row for row in sheet.iter_rows(min_row=4, values_only=True)}
    assert rows["李娜"][6] == "已确认" and rows["陈静"][6] == "待确认"
    assert rows["李娜"][2] == "研发中心、产品部、何洋"


def test_api_publish_and_confirm(company, client_for):
    liufang = client_for("liufang")
    payload = {
        "title": "关于启用协同平台的通知",
        "project_id": company.project("smartwatch").pk,
        "body": "请全员于本周内登录协同。",
        "effective_date": "2026-03-16",
        "confirm_by": "2026-03-13T18:00:00+08:00",
        "target_person_ids": [company.person("wangqiang").pk, 999999],
        "publish": True,
    }
    with time_machine.travel(at("2026-03-09 10:00"), tick=False):
        response = liufang.post("/api/notices/", payload, content_type="application/json")
        assert response.status_code == 400 and response.json()["fields"] == {
            "target_person_ids": "以下人员不存在：#999999"
        }
        payload["target_person_ids"] = []
        response = liufang.post("/api/notices/", payload, content_type="application/json")
        assert response.json()["fields"] == {"targets": "请至少选择一个通知对象：指定人员、涉及部门或全体人员"}
        assert not Notice.objects.exists()
        payload["target_person_ids"] = [company.person("wangqiang").pk]
        created = liufang.post("/api/notices/", payload, content_type="application/json")
        assert created.status_code == 201 and created.json()["state"] == "published"
        notice_id = created.json()["id"]
        assert client_for("wangqiang").post(f"/api/notices/{notice_id}/confirm").json()["confirmed_at"]
    summary = liufang.get(f"/api/notices/{notice_id}/receipts").json()
    assert summary["overall"] == {"label": "合计", "total": 1, "confirmed": 1, "pending": 0, "percent": 100}


def test_lists_and_the_workbench(company, client_for):
    notice = publish(company)
    wangqiang = client_for("wangqiang")
    with time_machine.travel(at("2026-03-10 09:00"), tick=False):
        home = wangqiang.get("/").content.decode()
    assert "待我确认的通知" in home and "关于规范跨部门协作流程的通知" in home and "请于 03-13 18:00 前确认" in home
    assert notice.number in wangqiang.get("/notices/?scope=todo").content.decode()
    assert notice.number in client_for("liufang").get("/notices/?scope=sent").content.decode()
    confirm(company, notice, ["wangqiang"])
    assert notice.number not in wangqiang.get("/notices/?scope=todo").content.decode()
    assert wangqiang.get("/api/notices/?scope=all").json()["count"] == 1


def test_a_publish_refused_from_the_edit_page_saves_nothing_and_the_corrected_form_publishes(company, client_for):
    """刘芳 edits her draft, takes every recipient off and clicks 发布: refused at 通知对象 with what she typed — and
    nothing saved, so that sending the corrected page again is not taken for someone else's edit."""
    draft = publish(company, departments=("rd",), people=(), send=False, body="<p>初稿</p>")
    liufang = client_for("liufang")
    form = {
        "title": "关于规范跨部门协作流程的通知（修订）",
        "project": company.project("smartwatch").pk,
        "body": "<p>修订后的正文</p>",
        "body_format": "html",
        "effective_date": "2026-03-16",
        "requires_confirmation": "on",
        "confirm_by": "2026-03-13T18:00",
        "version": draft.version,
        "publish": "1",
    }
    with time_machine.travel(at("2026-03-09 11:00"), tick=False):
        refused = liufang.post(f"/notices/{draft.pk}/edit/", form)
        assert refused.status_code == 200 and "修订后的正文" in refused.content.decode()
        kept = Notice.objects.get(pk=draft.pk)
        assert (kept.title, kept.version, kept.state) == ("关于规范跨部门协作流程的通知", draft.version, "draft")
        form["target_departments"] = [company.department("rd").pk]
        published = liufang.post(f"/notices/{draft.pk}/edit/", form)
    assert published.status_code == 302
    notice = Notice.objects.get(pk=draft.pk)
    assert (notice.title, notice.state) == ("关于规范跨部门协作流程的通知（修订）", "published")
