"""结果确认表 (《企业协作沟通标准化平台使用指南》三 步骤4「发起人通过“结果确认表”汇总最终方案/成果，请所有关键接收人线上签字
确认」「未确认结果的事项不得关闭」): once every deliverable has passed, the initiator sums up the results; the receiver and
every participating department's contact sign on the platform, each signature audited on the request; the request
is not closed until all have signed. The page, the API and the export show the form."""

import io

import pytest
from openpyxl import load_workbook

from xietong.acceptance.models import ResultSignature
from xietong.acceptance.tests.test_acceptance import judge, submit
from xietong.core.errors import ApplicationError, Forbidden, InvalidState
from xietong.core.models import AuditEvent
from xietong.notify.models import InboxMessage
from xietong.requests.models import Participation, Request
from xietong.requests.tests.test_request_flow import _published_task, act, at

SUMMARY = "续航优化 A 方案定稿：典型场景续航 5.3–5.6 天，功耗测试报告 V1.0 评审通过"


@pytest.fixture
def completed(company):
    return complete(company)


def complete(company):
    """A request whose only deliverable has passed, with two participating departments and a withdrawn one."""
    request, _breakdown, _task = _published_task(company)
    taking = Participation.State.CONFIRMED
    Participation.objects.create(
        request=request,
        position=2,
        department=company.department("marketing"),
        contact=company.person("luoqian"),
        duties="提供用户调研数据",
        state=taking,
    )
    Participation.objects.create(
        request=request, position=3, department=company.department("production"), duties="评估量产", state=taking
    )
    Participation.objects.create(
        request=request, position=4, department=company.department("finance"), duties="预算", state="withdrawn"
    )
    deliverable = submit(company, Request.objects.get(pk=request.pk))
    first, second = request.criteria.order_by("position")
    judge(company, deliverable, "pass", {first.pk: (True, ""), second.pk: (True, "")}, "2026-03-06 10:00")
    request = Request.objects.get(pk=request.pk)
    assert request.state == "completed"
    return request


def lines(request):
    return [
        (s.role, s.department.name, s.person.username, s.signed_at)
        for s in ResultSignature.objects.filter(confirmation__request=request).order_by("position")
    ]


def test_every_key_receiver_signs_before_the_request_closes(company, completed):
    request = completed
    with pytest.raises(InvalidState) as refused:
        act(company, request, "guoxin", "close", "2026-03-06 10:30")
    assert str(refused.value) == (
        "请先发起《结果确认表》，由全部关键接收人线上签字确认后再关闭需求（未确认结果的事项不得关闭）"
    )
    with pytest.raises(Forbidden):
        act(company, request, "lina", "confirm_results", "2026-03-06 10:40", reason=SUMMARY)
    with pytest.raises(ApplicationError) as refused:
        act(company, request, "guoxin", "confirm_results", "2026-03-06 10:50")
    assert refused.value.fields == {"reason": "请汇总最终方案/成果，供关键接收人签字确认"}

    act(company, Request.objects.get(pk=request.pk), "guoxin", "confirm_results", "2026-03-06 11:00", reason=SUMMARY)
    # The receiver for the receiving department; the participating departments' contact, else their head.
    assert lines(request) == [
        ("receiver", "软件开发部", "lina", None),
        ("participant", "市场部", "luoqian", None),
        ("participant", "生产部", "xieqiang", None),
    ]
    asked = InboxMessage.objects.filter(notification__title__startswith="【待签字】结果确认表")
    assert sorted(m.recipient.username for m in asked) == ["lina", "luoqian", "xieqiang"]
    assert asked[0].notification.body == f"郭鑫 汇总了最终方案/成果，请在平台上签字确认：{SUMMARY}"

    with pytest.raises(Forbidden, match="您不是待签字的关键接收人"):
        act(company, Request.objects.get(pk=request.pk), "gaofeng", "sign_results", "2026-03-06 11:05")
    act(company, Request.objects.get(pk=request.pk), "lina", "sign_results", "2026-03-06 11:10")
    act(company, Request.objects.get(pk=request.pk), "luoqian", "sign_results", "2026-03-06 11:20")
    with pytest.raises(InvalidState) as refused:
        act(company, Request.objects.get(pk=request.pk), "guoxin", "close", "2026-03-06 11:25")
    assert str(refused.value) == "《结果确认表》尚待 谢强（生产部） 签字确认，不能关闭需求（未确认结果的事项不得关闭）"

    act(company, Request.objects.get(pk=request.pk), "xieqiang", "sign_results", "2026-03-06 11:30")
    assert [line[3] for line in lines(request)] == [
        at("2026-03-06 11:10"),
        at("2026-03-06 11:20"),
        at("2026-03-06 11:30"),
    ]
    assert request.result_confirmation.confirmed_at == at("2026-03-06 11:30")
    signed = AuditEvent.objects.filter(action="request.sign_results", object_id=str(request.pk)).order_by("at")
    assert [(e.actor.username, e.after["signed_for"], e.after["awaiting"]) for e in signed] == [
        ("lina", "软件开发部", ["罗倩", "谢强"]),
        ("luoqian", "市场部", ["谢强"]),
        ("xieqiang", "生产部", []),
    ]
    done = InboxMessage.objects.filter(notification__title__startswith="【结果已确认】")
    assert sorted(m.recipient.username for m in done) == ["guoxin", "lina", "luoqian"]

    act(company, Request.objects.get(pk=request.pk), "guoxin", "close", "2026-03-06 14:00")
    assert Request.objects.get(pk=request.pk).state == "closed"


def test_the_form_on_the_page_in_the_api_and_in_the_export(company, completed, client_for):
    request = completed
    act(company, request, "guoxin", "confirm_results", "2026-03-06 11:00", reason=SUMMARY)
    act(company, Request.objects.get(pk=request.pk), "lina", "sign_results", "2026-03-06 11:10")
    guoxin = client_for("guoxin")

    page = guoxin.get(f"/requests/{request.pk}/").content.decode()
    assert 'id="result-confirmation"' in page and SUMMARY in page
    assert "<td>软件开发部（接收方）</td><td>李娜</td>" in page
    assert "<td>生产部（参与部门）</td><td>谢强</td>" in page

    body = guoxin.get(f"/api/result-confirmations/{request.pk}").json()
    assert (body["summary"], body["issued_by"], body["issued_at"], body["confirmed_at"]) == (
        SUMMARY,
        "郭鑫",
        "2026-03-06T11:00:00+08:00",
        None,
    )
    assert [(s["department"], s["person"], s["signed_at"]) for s in body["signatures"]] == [
        ("软件开发部", "李娜", "2026-03-06T11:10:00+08:00"),
        ("市场部", "罗倩", None),
        ("生产部", "谢强", None),
    ]
    assert client_for("heyang").get(f"/api/result-confirmations/{request.pk}").status_code == 404

    response = guoxin.get(f"/acceptance/requests/{request.pk}/result-confirmation.xlsx")
    rows = [[c.value for c in row] for row in load_workbook(io.BytesIO(response.content)).active.iter_rows()]
    assert rows[0][0] == "结果确认表"
    assert ["最终方案/成果汇总", SUMMARY] in [r[:2] for r in rows]
    assert ["续航测试报告", "V1.0", "通过"] in [r[:3] for r in rows]
    assert [1, "软件开发部", "接收方", "李娜", "已签字", "2026-03-06 11:10"] in rows
    assert [3, "生产部", "参与部门", "谢强", "待签字", None] in rows
