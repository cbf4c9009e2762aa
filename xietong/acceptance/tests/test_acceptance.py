"""成果交付与验收: 2 working days to judge, reasons per criterion, rework within 1 working day and a second
version; when everything passes the request is complete and every participant is asked for feedback."""

import pytest
import time_machine
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import transaction

from xietong.acceptance.models import Deliverable
from xietong.acceptance.services import (
    deliverable_resubmit,
    deliverable_start_rework,
    deliverable_submit,
    deliverable_verdict,
)
from xietong.clocks.models import Clock
from xietong.core.errors import ApplicationError, Forbidden
from xietong.feedback.models import FeedbackInvitation
from xietong.requests.models import Request
from xietong.requests.tests.test_request_flow import _published_task, at


def clock_of(deliverable, kind):
    return Clock.objects.filter(subject_type="acceptance.deliverable", subject_id=deliverable.pk, kind=kind).latest(
        "pk"
    )


@pytest.fixture
def work(company):
    request, _breakdown, task = _published_task(company)
    return Request.objects.get(pk=request.pk), task


def submit(company, request, when="2026-03-05 10:00", name="续航测试报告"):
    with time_machine.travel(at(when), tick=False), transaction.atomic():
        return deliverable_submit(
            actor=company.person("lina"),
            request=request,
            name=name,
            form="electronic",
            note="含三种场景的功耗数据",
            upload=SimpleUploadedFile("report.pdf", b"%PDF v1", "application/pdf"),
            release="V1.0",
            features="待机、通话、运动三种场景功耗数据\n续航估算表",
            test_report="3 台样机典型场景续航 5.3–5.6 天，全部达标",
        )


def judge(company, deliverable, outcome, results, when, reason="", who="guoxin"):
    with time_machine.travel(at(when), tick=False), transaction.atomic():
        return deliverable_verdict(
            actor=company.person(who), deliverable=deliverable, outcome=outcome, reason=reason, results=results
        )


def test_rework_loop_with_two_versions_then_acceptance_and_feedback(company, work):
    request, _task = work
    deliverable = submit(company, request)
    assert Request.objects.get(pk=request.pk).state == "delivered"
    assert deliverable.acceptor.username == "guoxin"  # the requester by default
    assert clock_of(deliverable, "review").due_at == at("2026-03-09 10:00")  # 2 working days, over the weekend
    first, second = request.criteria.order_by("position")

    with pytest.raises(ApplicationError) as refused:
        judge(company, deliverable, "rework", {first.pk: (True, ""), second.pk: (False, "")}, "2026-03-06 10:00")
    assert refused.value.fields == {
        "results": "未达标的标准须写明原因：第2条",
        "reason": "需整改或不通过时须给出具体修改意见",
    }
    with pytest.raises(Forbidden, match="只有指定的验收人 郭鑫 可以验收"):
        judge(
            company, deliverable, "pass", {first.pk: (True, ""), second.pk: (True, "")}, "2026-03-06 10:00", who="lina"
        )

    judge(
        company,
        deliverable,
        "rework",
        {first.pk: (True, ""), second.pk: (False, "缺少低温场景数据")},
        "2026-03-06 10:00",
        reason="补充 -10℃ 场景",
    )
    deliverable.refresh_from_db()
    assert deliverable.state == "rework" and Request.objects.get(pk=request.pk).state == "in_progress"
    assert clock_of(deliverable, "review").met_at == at("2026-03-06 10:00")
    assert clock_of(deliverable, "rework").due_at == at("2026-03-09 10:00")  # rework starts within 1 working day

    with time_machine.travel(at("2026-03-06 15:00"), tick=False), transaction.atomic():
        deliverable_start_rework(actor=company.person("lina"), deliverable=deliverable)
        deliverable_resubmit(
            actor=company.person("lina"),
            deliverable=deliverable,
            note="已补充低温场景",
            upload=SimpleUploadedFile("report-v2.pdf", b"%PDF v2", "application/pdf"),
            release="V1.1",
            features="三种场景功耗数据\n-10℃ 低温场景数据",
            test_report_file=SimpleUploadedFile("低温测试.pdf", b"%PDF cold", "application/pdf"),
        )
    deliverable.refresh_from_db()
    assert (deliverable.version, deliverable.state) == (2, "submitted")
    names = list(deliverable.submissions.order_by("version").values_list("attachment__name", flat=True))
    assert names == ["续航测试报告V1-20260305.pdf", "续航测试报告V2-20260306.pdf"]
    assert clock_of(deliverable, "review").due_at == at("2026-03-10 15:00")

    judge(
        company, deliverable, "pass", {first.pk: (True, ""), second.pk: (True, "低温续航 5.2 天")}, "2026-03-09 11:00"
    )
    request.refresh_from_db()
    assert request.state == "completed"
    invited = set(FeedbackInvitation.objects.filter(request=request).values_list("person__username", flat=True))
    assert invited == {"guoxin", "lina", "zhaolei"}  # both sides and the task owner


def test_pass_with_a_failed_criterion_is_refused(company, work):
    request, _task = work
    deliverable = submit(company, request)
    first, second = request.criteria.order_by("position")
    with pytest.raises(ApplicationError) as refused:
        judge(company, deliverable, "pass", {first.pk: (True, ""), second.pk: (False, "数据不全")}, "2026-03-06 10:00")
    assert refused.value.fields == {"outcome": "有验收标准未达标，不能判定为通过"}
    with pytest.raises(ApplicationError) as refused:
        judge(company, deliverable, "pass", {first.pk: (True, "")}, "2026-03-06 10:00")
    assert refused.value.fields == {"results": "请逐条判定验收标准：第2条 未判定"}
    assert Deliverable.objects.get(pk=deliverable.pk).state == "submitted"


def test_only_the_receiving_side_submits(company, work):
    request, _task = work
    with pytest.raises(Forbidden), transaction.atomic():
        deliverable_submit(actor=company.person("guoxin"), request=request, name="报告")


def test_acceptance_report_excel_and_permissions(company, work, client_for):
    import io

    from openpyxl import load_workbook

    request, _task = work
    deliverable = submit(company, request)
    first, second = request.criteria.order_by("position")
    judge(
        company,
        deliverable,
        "fail",
        {first.pk: (False, "续航仅 3 天"), second.pk: (False, "未评审")},
        "2026-03-06 10:00",
        reason="方案不可行",
    )
    response = client_for("guoxin").get(f"/acceptance/{deliverable.pk}/report.xlsx")
    rows = [[c.value for c in row] for row in load_workbook(io.BytesIO(response.content)).active.iter_rows()]
    assert ["交付物名称", "续航测试报告"] in [r[:2] for r in rows]
    assert ["结论", "不通过", "郭鑫"] in [r[:3] for r in rows]
    assert [1, "待机续航≥5天", "未达标", "续航仅 3 天"] in [r[:4] for r in rows]
    outsider = client_for("fengjing")
    assert outsider.get(f"/acceptance/{deliverable.pk}/").status_code == 404
    assert outsider.get(f"/acceptance/{deliverable.pk}/report.xlsx").status_code == 404
    assert outsider.post(f"/acceptance/{deliverable.pk}/judge/", {"outcome": "pass"}).status_code == 404
    assert client_for("lina").get(f"/acceptance/{deliverable.pk}/").status_code == 200
