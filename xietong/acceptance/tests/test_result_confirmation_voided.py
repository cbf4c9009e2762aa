"""退回重做 after the 结果确认表 was issued (003 三 步骤4「请所有关键接收人线上签字确认」「未确认结果的事项不得关闭」): the
results change, so the form and the signatures already given are voided — audited on the request, everyone on the
form told — and the request is not closed until the form is issued again on the new results and signed again."""

import pytest

from xietong.acceptance.models import ResultConfirmation
from xietong.acceptance.tests.test_acceptance import judge, submit
from xietong.acceptance.tests.test_result_confirmation import SUMMARY, completed, lines  # noqa: F401
from xietong.core.errors import ApplicationError, Forbidden, InvalidState
from xietong.core.models import AuditEvent
from xietong.notify.models import InboxMessage
from xietong.requests.models import Request
from xietong.requests.tests.test_request_flow import act, at

REASON = "市场部要求补充竞品续航对比数据"
AGAIN = "续航优化 A 方案定稿，补充竞品续航对比数据 V1.0"


def fresh(request):
    return Request.objects.get(pk=request.pk)


def inbox(title_start):
    found = InboxMessage.objects.filter(notification__title__startswith=title_start).select_related("recipient")
    return sorted((m.recipient.username, m.notification.body) for m in found)


def test_sending_back_voids_the_signatures_and_the_form_is_issued_and_signed_again(company, completed):  # noqa: F811
    request = completed
    act(company, request, "guoxin", "confirm_results", "2026-03-06 11:00", reason=SUMMARY)
    act(company, fresh(request), "lina", "sign_results", "2026-03-06 11:10")
    act(company, fresh(request), "luoqian", "sign_results", "2026-03-06 11:20")

    with pytest.raises(Forbidden, match="只有发起方可以退回重做"):
        act(company, fresh(request), "lina", "send_back", "2026-03-06 11:30", reason=REASON)
    with pytest.raises(ApplicationError) as refused:
        act(company, fresh(request), "guoxin", "send_back", "2026-03-06 11:35")
    assert refused.value.fields == {"reason": "请写明退回原因：哪些成果需要修改或补充，如“补充竞品续航对比数据”"}

    act(company, fresh(request), "guoxin", "send_back", "2026-03-06 11:40", reason=REASON)
    assert fresh(request).state == "in_progress"
    form = ResultConfirmation.objects.get(request=request)
    assert (form.voided_at, form.confirmed_at) == (at("2026-03-06 11:40"), None)
    event = AuditEvent.objects.get(action="request.send_back", object_id=str(request.pk))
    assert (event.actor.username, event.before, event.after) == (
        "guoxin",
        {"state": "completed"},
        {
            "state": "in_progress",
            "reason": REASON,
            "result_confirmation_voided": form.pk,
            "voided_signatures": [
                ["李娜", "软件开发部", "2026-03-06T11:10:00+08:00"],
                ["罗倩", "市场部", "2026-03-06T11:20:00+08:00"],
            ],
            "voided_awaiting": ["谢强"],
        },
    )
    voided = "此前的《结果确认表》及其签字已作废；成果重新验收通过后，发起人将重新发起结果确认表，届时请重新签字确认。"
    body = f"郭鑫 将需求退回重做（{REASON}），{voided}"
    assert inbox("【结果确认表已作废】") == [("lina", body), ("luoqian", body), ("xieqiang", body)]
    assert inbox("【退回重做】") == [
        ("lina", f"郭鑫 将已验收通过的需求退回重做：{REASON}。请修改或补充成果后重新提交验收。")
    ]
    # The voided form takes no more signatures; the page says it is void.
    with pytest.raises(InvalidState):
        act(company, fresh(request), "xieqiang", "sign_results", "2026-03-06 11:45")

    # The new results: a further deliverable handed in and accepted; the request is complete again.
    deliverable = submit(company, fresh(request), "2026-03-09 10:00", name="竞品续航对比数据")
    first, second = request.criteria.order_by("position")
    judge(company, deliverable, "pass", {first.pk: (True, ""), second.pk: (True, "")}, "2026-03-09 14:00")
    assert fresh(request).state == "completed"

    with pytest.raises(InvalidState) as refused:
        act(company, fresh(request), "guoxin", "close", "2026-03-09 14:10")
    assert str(refused.value) == (
        "需求退回重做后，原《结果确认表》及其签字已作废：请重新发起，由全部关键接收人重新签字确认后再关闭需求"
        "（未确认结果的事项不得关闭）"
    )
    with pytest.raises(Forbidden, match="您不是待签字的关键接收人"):
        act(company, fresh(request), "xieqiang", "sign_results", "2026-03-09 14:15")

    act(company, fresh(request), "guoxin", "confirm_results", "2026-03-09 14:20", reason=AGAIN)
    form = ResultConfirmation.objects.get(request=request)
    assert (form.summary, form.issued_at, form.voided_at, form.confirmed_at) == (
        AGAIN,
        at("2026-03-09 14:20"),
        None,
        None,
    )
    assert lines(request) == [
        ("receiver", "软件开发部", "lina", None),
        ("participant", "市场部", "luoqian", None),
        ("participant", "生产部", "xieqiang", None),
    ]
    reissued = AuditEvent.objects.filter(action="request.confirm_results", object_id=str(request.pk)).order_by("at")
    assert [e.after.get("reissued", False) for e in reissued] == [False, True]
    asked = InboxMessage.objects.filter(notification__title__startswith="【待签字】结果确认表")
    assert sorted(m.recipient.username for m in asked) == ["lina", "lina", "luoqian", "luoqian", "xieqiang", "xieqiang"]

    with pytest.raises(InvalidState) as refused:
        act(company, fresh(request), "guoxin", "close", "2026-03-09 14:25")
    assert str(refused.value) == (
        "《结果确认表》尚待 李娜（软件开发部）、罗倩（市场部）、谢强（生产部） 签字确认，不能关闭需求（未确认结果的事项不得关闭）"
    )
    for username, when in (("lina", "14:30"), ("luoqian", "14:40"), ("xieqiang", "14:50")):
        act(company, fresh(request), username, "sign_results", f"2026-03-09 {when}")
    assert ResultConfirmation.objects.get(request=request).confirmed_at == at("2026-03-09 14:50")
    act(company, fresh(request), "guoxin", "close", "2026-03-09 15:00")
    assert fresh(request).state == "closed"


def test_the_page_and_the_api_show_the_voided_form(company, completed, client_for):  # noqa: F811
    request = completed
    act(company, request, "guoxin", "confirm_results", "2026-03-06 11:00", reason=SUMMARY)
    act(company, fresh(request), "lina", "sign_results", "2026-03-06 11:10")
    act(company, fresh(request), "guoxin", "send_back", "2026-03-06 11:40", reason=REASON)
    guoxin = client_for("guoxin")
    page = guoxin.get(f"/requests/{request.pk}/").content.decode()
    assert "需求已于 2026-03-06 11:40 退回重做，以下《结果确认表》及其签字已作废" in page
    assert "已签字（已作废）" in page
    body = guoxin.get(f"/api/result-confirmations/{request.pk}").json()
    assert (body["voided_at"], body["confirmed_at"]) == ("2026-03-06T11:40:00+08:00", None)
    actions = [a["name"] for a in client_for("lina").get(f"/api/requests/{request.pk}/actions").json()]
    assert "sign_results" not in actions


def test_a_voided_form_no_longer_says_everyone_confirmed(company, completed, client_for):  # noqa: F811
    # Signed by all, then sent back: the page kept 「全部关键接收人已于 … 签字确认。」 under the 已作废 notice.
    request = completed
    act(company, request, "guoxin", "confirm_results", "2026-03-06 11:00", reason=SUMMARY)
    for username in ("lina", "luoqian", "xieqiang"):
        act(company, fresh(request), username, "sign_results", "2026-03-06 11:30")
    page = client_for("guoxin").get(f"/requests/{request.pk}/").content.decode()
    assert "全部关键接收人已于 2026-03-06 11:30 签字确认。" in page
    act(company, fresh(request), "guoxin", "send_back", "2026-03-06 11:40", reason=REASON)
    page = client_for("guoxin").get(f"/requests/{request.pk}/").content.decode()
    assert "以下《结果确认表》及其签字已作废" in page
    assert "全部关键接收人已于" not in page
