"""The request page's forms at the acceptance's end — 发起结果确认表, 签字确认结果, 上线 and 提交复盘报告: a refusal
comes back as the page (400) with the Chinese message at its field and what was typed kept; never a 500."""

import re

import pytest
import time_machine
from django.db import transaction

from xietong.acceptance.models import ResultConfirmation, Retrospective
from xietong.acceptance.retrospective import retrospective_go_live
from xietong.acceptance.tests.test_result_confirmation import SUMMARY, completed  # noqa: F401
from xietong.org.models import Project
from xietong.requests.models import Request
from xietong.requests.tests.test_request_flow import act, at


def field_errors(html: str, name: str) -> list[str]:
    """The messages shown in the field block of the input named `name`."""
    block = re.search(
        rf'<div class="field[^"]*has-error[^"]*">(?:(?!<div class="field).)*?name="{name}".*?</div>', html, re.S
    )
    return re.findall(r'<p class="field-error" role="alert">([^<]*)</p>', block.group(0)) if block else []


def form_errors(html: str) -> list[str]:
    return re.findall(r'<div class="form-errors" role="alert"><p>([^<]*)</p>', html)


def test_issuing_without_a_summary_shows_at_the_field(company, completed, client_for):  # noqa: F811
    request, guoxin = completed, client_for("guoxin")
    page = guoxin.get(f"/requests/{request.pk}/").content.decode()
    assert 'id="result-confirmation-issue"' in page
    assert 'data-action="confirm_results"' not in page.split('id="result-confirmation"')[0]  # not in the action card

    with time_machine.travel(at("2026-03-06 10:50"), tick=False):
        response = guoxin.post(f"/acceptance/requests/{request.pk}/result-confirmation/issue/", {"reason": "  "})
    assert response.status_code == 400
    html = response.content.decode()
    assert field_errors(html, "reason") == ["请汇总最终方案/成果，供关键接收人签字确认"]
    assert not ResultConfirmation.objects.filter(request=request).exists()

    # Vague wording is refused at the same field, the words typed kept.
    with time_machine.travel(at("2026-03-06 10:55"), tick=False):
        response = guoxin.post(f"/acceptance/requests/{request.pk}/result-confirmation/issue/", {"reason": "详见附件"})
    assert response.status_code == 400
    html = response.content.decode()
    assert len(field_errors(html, "reason")) == 1
    assert re.search(r'<textarea name="reason"[^>]*>\s*详见附件</textarea>', html)

    with time_machine.travel(at("2026-03-06 11:00"), tick=False):
        response = guoxin.post(f"/acceptance/requests/{request.pk}/result-confirmation/issue/", {"reason": SUMMARY})
    assert response.status_code == 302 and response["Location"] == f"/requests/{request.pk}/#result-confirmation"
    assert ResultConfirmation.objects.get(request=request).summary == SUMMARY


def test_signing_from_the_page_and_a_refused_signature(company, completed, client_for):  # noqa: F811
    request = completed
    act(company, request, "guoxin", "confirm_results", "2026-03-06 11:00", reason=SUMMARY)
    version = Request.objects.get(pk=request.pk).version
    lina = client_for("lina")
    assert 'id="result-confirmation-sign"' in lina.get(f"/requests/{request.pk}/").content.decode()

    # A stale page: someone else changed the request since; the refusal stands above the form, nothing signed.
    with time_machine.travel(at("2026-03-06 11:05"), tick=False):
        response = lina.post(f"/acceptance/requests/{request.pk}/result-confirmation/sign/", {"version": version - 1})
    assert response.status_code == 400
    assert form_errors(response.content.decode()) == ["该记录已被他人修改，请刷新后查看最新内容再提交"]

    # Not a key receiver: no form to stand at, so the refusal shows above the page.
    with time_machine.travel(at("2026-03-06 11:06"), tick=False):
        response = client_for("guoxin").post(f"/acceptance/requests/{request.pk}/result-confirmation/sign/")
    assert response.status_code == 400
    assert "您不是待签字的关键接收人" in response.content.decode()

    with time_machine.travel(at("2026-03-06 11:10"), tick=False):
        response = lina.post(f"/acceptance/requests/{request.pk}/result-confirmation/sign/", {"version": version})
    assert response.status_code == 302
    signed = request.result_confirmation.signatures.get(person=company.person("lina"))
    assert signed.signed_at == at("2026-03-06 11:10")
    assert client_for("heyang").post(f"/acceptance/requests/{request.pk}/result-confirmation/sign/").status_code == 404


def test_go_live_refusals_at_the_field_with_the_time_typed_kept(company, completed, client_for):  # noqa: F811
    request, lina = completed, client_for("lina")
    url = f"/acceptance/requests/{request.pk}/go-live/"
    with time_machine.travel(at("2026-09-30 15:00"), tick=False):
        response = lina.post(url, {"went_live_at": "2026-09-30T16:00"})
        assert response.status_code == 400
        html = response.content.decode()
        assert field_errors(html, "went_live_at") == ["上线时间不能晚于现在"]
        assert 'value="2026-09-30T16:00"' in html

        response = lina.post(url, {"went_live_at": "9月30日下午"})
        assert response.status_code == 400
        html = response.content.decode()
        assert field_errors(html, "went_live_at") == ["上线时间格式有误，如 2026-09-30 14:30"]
        assert 'value="9月30日下午"' in html
        assert not Retrospective.objects.filter(request=request).exists()

        response = lina.post(url, {"went_live_at": "2026-09-30T14:30"})
        assert response.status_code == 302
    assert Retrospective.objects.get(request=request).went_live_at == at("2026-09-30 14:30")

    # Recorded already: the form is no longer offered, the refusal shows above the page.
    with time_machine.travel(at("2026-09-30 15:10"), tick=False):
        response = lina.post(url, {"went_live_at": "2026-09-30T14:40"})
    assert response.status_code == 400
    assert "这份需求已记录上线" in response.content.decode()
    assert client_for("heyang").post(url).status_code == 404


def test_filing_the_retrospective_without_lessons_shows_at_the_field(company, completed, client_for):  # noqa: F811
    request = completed
    Project.objects.filter(code="smartwatch").update(lead=company.person("huangmin"))
    with time_machine.travel(at("2026-09-30 15:00"), tick=False), transaction.atomic():
        item = retrospective_go_live(actor=company.person("lina"), request=request)
    url = f"/acceptance/retrospectives/{item.pk}/file/"
    huangmin = client_for("huangmin")
    with time_machine.travel(at("2026-10-09 10:00"), tick=False):
        response = huangmin.post(url, {"report": " "})
    assert response.status_code == 400
    assert field_errors(response.content.decode(), "report") == ["请写明复盘总结的经验教训，如“需求变更流程需优化”"]

    with time_machine.travel(at("2026-10-09 10:05"), tick=False):
        response = client_for("guoxin").post(url, {"report": "需求变更流程需优化"})
    assert response.status_code == 400
    assert "只有项目经理 黄敏 可以提交复盘报告" in response.content.decode()
    assert Retrospective.objects.get(pk=item.pk).state == "due"

    with time_machine.travel(at("2026-10-09 10:10"), tick=False):
        response = huangmin.post(url, {"report": "需求变更流程需优化"})
    assert response.status_code == 302
    assert Retrospective.objects.get(pk=item.pk).state == "filed"
    assert client_for("heyang").post(url, {"report": "x"}).status_code == 404


@pytest.mark.parametrize("path", ["result-confirmation/issue/", "result-confirmation/sign/", "go-live/"])
def test_a_get_is_not_a_500(company, completed, client_for, path):  # noqa: F811
    assert client_for("guoxin").get(f"/acceptance/requests/{completed.pk}/{path}").status_code == 405
