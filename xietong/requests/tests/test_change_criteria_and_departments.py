"""Change control covers the 验收标准 and the 参与部门及职责 too (《多部门协同作业标准沟通流程》关键执行要点提示
「重要沟通(如需求变更、进度滞后)必须书面同步至所有参与方」): after acceptance they change only by a 需求变更 — the
diff line by line, the new version kept, every participant (a department taken off included) confirming 已阅; a
department added is asked for its head's signature with 2 working days from the change; one taken off is
withdrawn. The form offers both; the versions page shows them."""

import pytest
import time_machine
from django.db import transaction

from xietong.clocks.selectors import open_clock
from xietong.core.errors import ApplicationError
from xietong.notify.models import InboxMessage
from xietong.requests.changes import change_request
from xietong.requests.models import ChangeReceipt, Participation, Request, RequestVersion
from xietong.requests.participants import participants_parse
from xietong.requests.tests.test_milestones_and_changes import accepted_request, act, at

NEW_DEPARTMENTS = "市场部/罗倩：提供3月-5月用户调研原始数据\n客户服务部：整理售后投诉中与续航相关的工单"


def change(company, request, *, when="2026-10-09 16:00", criteria=None, departments=None, data=None):
    taking = None
    if departments is not None:
        taking, problem = participants_parse(departments)
        assert problem == ""
    with time_machine.travel(at(when), tick=False), transaction.atomic():
        return change_request(
            actor=company.person("guoxin"),
            request=Request.objects.get(pk=request.pk),
            reason="客户投诉集中在续航，客服部加入；生产部评估改由下一阶段进行",
            data=data or {},
            criteria=criteria,
            participants=taking,
        )


def test_criteria_and_departments_change_only_by_a_change_sent_to_everyone(company):
    request = accepted_request(company)
    # 生产部's head signed before the change; 市场部's had not yet.
    act(company, request.participations.get(department__code="production"), "xieqiang", "confirm", "2026-09-28 11:00")

    change(
        company,
        request,
        criteria=["待机续航≥5天", "2. 功耗测试报告通过硬件评审会评审"],
        departments=NEW_DEPARTMENTS,
    )
    v1, v2 = RequestVersion.objects.filter(request=request).order_by("number")
    assert v1.snapshot["criteria"] == ["待机续航≥5天"]
    assert v1.snapshot["participants"] == [
        "硬件研发部：—",
        "市场部：提供3月-4月用户调研原始数据（对接人：罗倩）",
        "生产部：评估量产可行性，派1名工程师参与评审会议",
    ]
    production, service = company.department("production").pk, company.department("service").pk
    assert v2.changes == [
        {
            "field": "criteria",
            "label": "验收标准",
            "old": "1. 待机续航≥5天",
            "new": "1. 待机续航≥5天\n2. 功耗测试报告通过硬件评审会评审",
        },
        {
            "field": f"participant:{company.department('marketing').pk}",
            "label": "参与部门“市场部”",
            "old": "提供3月-4月用户调研原始数据（对接人：罗倩）",
            "new": "提供3月-5月用户调研原始数据（对接人：罗倩）",
        },
        {
            "field": f"participant:{production}",
            "label": "参与部门“生产部”",
            "old": "评估量产可行性，派1名工程师参与评审会议",
            "new": "—",
        },
        {
            "field": f"participant:{service}",
            "label": "参与部门“客户服务部”",
            "old": "—",
            "new": "整理售后投诉中与续航相关的工单",
        },
    ]
    assert v2.snapshot["criteria"] == ["待机续航≥5天", "功耗测试报告通过硬件评审会评审"]
    request = Request.objects.get(pk=request.pk)
    assert list(request.criteria.values_list("position", "text")) == [
        (1, "待机续航≥5天"),
        (2, "功耗测试报告通过硬件评审会评审"),
    ]
    rows = {p.department.code: (p.state, p.duties) for p in request.participations.select_related("department")}
    assert rows == {
        "rd-hardware": ("awaiting", ""),  # it signs through the request itself
        "marketing": ("awaiting", "提供3月-5月用户调研原始数据"),
        "production": ("withdrawn", "评估量产可行性，派1名工程师参与评审会议"),
        "service": ("awaiting", "整理售后投诉中与续航相关的工单"),
    }
    # 客户服务部 joins by the change: its head has 2 working days from the change (Friday 10/9 16:00) to sign —
    # 2 h that day, the 调休 Saturday 10/10, and 5.5 h on Monday → 10/12 16:00.
    joined = request.participations.get(department__code="service")
    assert open_clock(joined, "sign").limit_due_at == at("2026-10-12 16:00")
    asked = InboxMessage.objects.filter(recipient__username="dengli", notification__title__startswith="【待签字】")
    assert asked.count() == 1
    # Sent to every participant, the department taken off included; each confirms 已阅.
    receipts = {r.person.username: r.roles for r in ChangeReceipt.objects.filter(change=v2).select_related("person")}
    assert receipts == {
        "hujun": "发起部门负责人",
        "zhaolei": "接收人、接收部门负责人、硬件研发部负责人",
        "gaofeng": "市场部负责人",
        "luoqian": "市场部对接人",
        "dengli": "客户服务部负责人",
        "xieqiang": "生产部负责人",
    }
    body = InboxMessage.objects.filter(recipient__username="xieqiang").latest("id").notification.body
    assert "参与部门“生产部”：评估量产可行性，派1名工程师参与评审会议 → —" in body
    assert "验收标准：1. 待机续航≥5天 → 1. 待机续航≥5天\n2. 功耗测试报告通过硬件评审会评审" in body
    act(company, v2, "xieqiang", "confirm", "2026-10-10 09:00")
    assert ChangeReceipt.objects.get(change=v2, person__username="xieqiang").confirmed_at == at("2026-10-10 09:00")


def test_unchanged_criteria_and_departments_are_no_change_and_wrong_ones_are_refused(company):
    request = accepted_request(company)
    same = "硬件研发部：—\n市场部/罗倩：提供3月-4月用户调研原始数据\n生产部：评估量产可行性，派1名工程师参与评审会议"
    with pytest.raises(ApplicationError, match="没有任何变更"):
        change(company, request, criteria=["1. 待机续航≥5天"], departments=same.replace("硬件研发部：—\n", ""))
    with pytest.raises(ApplicationError) as refused:
        change(company, request, criteria=[" "])
    assert refused.value.fields == {"criteria": "请至少填写一条可量化的验收标准，如“工单分类准确率达95%以上”"}
    assert not RequestVersion.objects.filter(request=request).exists()
    assert Participation.objects.filter(request=request, state="withdrawn").count() == 0


def test_the_change_form_and_the_versions_page_carry_criteria_and_departments(company, client_for):
    request = accepted_request(company)
    with time_machine.travel(at("2026-10-09 16:00"), tick=True):
        client = client_for("guoxin")
        form = client.get(f"/requests/{request.pk}/change/").content.decode()
        assert "验收标准" in form and "参与部门及职责" in form and "市场部/罗倩：提供3月-4月用户调研原始数据" in form
        sent = client.post(
            f"/requests/{request.pk}/change/",
            {
                "title": request.title,
                "background": request.background,
                "goal": request.goal,
                "content": request.content,
                "expected_date": "2026-10-30",
                "priority": "medium",
                "criteria": "待机续航≥5天\n功耗测试报告通过评审",
                "participants": NEW_DEPARTMENTS,
                "reason": "客服部加入",
                "version": request.version,
            },
        )
        assert sent.status_code == 302, sent.content.decode()[:2000]
        page = client.get(f"/requests/{request.pk}/versions/").content.decode()
    assert "参与部门“客户服务部”" in page and "功耗测试报告通过评审" in page
