"""协作反馈表 after acceptance, reminders until answered or closed, and the 协作总结报告 figures."""

import pytest
import time_machine
from django.db import transaction

from xietong.acceptance.tests.test_acceptance import judge, submit
from xietong.clocks.models import Clock
from xietong.clocks.services import clock_fire_due
from xietong.core.errors import ApplicationError, NotFound
from xietong.core.models import AuditEvent
from xietong.feedback.models import FeedbackInvitation
from xietong.feedback.selectors import request_summary
from xietong.feedback.services import feedback_close, feedback_submit
from xietong.notify.models import InboxMessage
from xietong.requests.models import Request
from xietong.requests.tests.test_request_flow import _published_task, at


@pytest.fixture
def completed(company):
    request, _breakdown, _task = _published_task(company)  # submitted 03-02 09:00, accepted 09:30 (on time)
    request = Request.objects.get(pk=request.pk)
    deliverable = submit(company, request, when="2026-03-05 10:00")
    first, second = request.criteria.order_by("position")
    judge(company, deliverable, "pass", {first.pk: (True, ""), second.pk: (True, "")}, "2026-03-10 11:00")  # late
    return Request.objects.get(pk=request.pk)


def invitation(request, username):
    return FeedbackInvitation.objects.get(request=request, person__username=username)


def answer(company, request, username, scores, suggestion=""):
    with time_machine.travel(at("2026-03-10 15:00"), tick=False), transaction.atomic():
        return feedback_submit(
            actor=company.person(username),
            invitation_id=invitation(request, username).pk,
            communication=scores[0],
            division=scores[1],
            timeliness=scores[2],
            suggestion=suggestion,
        )


def test_scores_outside_1_to_5_are_refused(company, completed):
    with pytest.raises(ApplicationError) as refused:
        answer(company, completed, "lina", (0, 6, None))
    assert refused.value.fields == {
        "communication": "沟通效率请打 1–5 分",
        "division": "分工合理性请打 1–5 分",
        "timeliness": "问题解决及时性请打 1–5 分",
    }
    assert invitation(completed, "lina").state == "pending"


def test_nobody_answers_for_someone_else(company, completed):
    with pytest.raises(NotFound), transaction.atomic():
        feedback_submit(
            actor=company.person("lina"),
            invitation_id=invitation(completed, "guoxin").pk,
            communication=5,
            division=5,
            timeliness=5,
        )


def test_pending_people_are_reminded_every_working_day_until_closed(company, completed):
    clock = Clock.objects.get(
        subject_type="feedback.feedbackinvitation", subject_id=invitation(completed, "zhaolei").pk, kind="respond"
    )
    assert clock.due_at == at("2026-03-12 11:00")  # 2 working days after acceptance
    with time_machine.travel(at("2026-03-12 11:00"), tick=False):
        clock_fire_due()
    reminders = InboxMessage.objects.filter(
        recipient__username="zhaolei",
        notification__kind="reminder",
        notification__title__startswith="【请填写协作反馈】",
    )
    assert reminders.count() == 1
    # The process writes its own reminder and ends it with the clause of its limit (issue 20).
    assert reminders.get().notification.body == (
        "您还没有填写协作反馈表。\n"
        "依据：《企业沟通与协作流程规范》二（四）「验收通过后,发起方组织所有参与方填写《协作反馈表》(附件5)」；"
        "另见：文件未规定填写时限，2 个工作日为本产品默认"
    )
    with time_machine.travel(at("2026-03-14 11:00"), tick=False):  # the re-armed clock: 2 working days later
        clock_fire_due()
    with time_machine.travel(at("2026-03-16 11:00"), tick=False):
        clock_fire_due()
    assert reminders.count() == 2
    with time_machine.travel(at("2026-03-16 12:00"), tick=False), transaction.atomic():
        feedback_close(actor=company.person("guoxin"), request=completed)
    assert invitation(completed, "zhaolei").state == "closed"
    assert not Clock.objects.filter(subject_type="feedback.feedbackinvitation", state="armed").exists()


def test_summary_report_figures(company, completed):
    answer(company, completed, "guoxin", (4, 5, 3), "需求变更流程需优化")
    answer(company, completed, "lina", (5, 4, 4), "跨部门沟通频次不足")
    with time_machine.travel(at("2026-03-10 16:00"), tick=False):
        summary = request_summary(completed)
    assert summary.scores == {"communication": 4.5, "division": 4.5, "timeliness": 3.5}
    assert (summary.answered, summary.invited) == (2, 3)
    rows = {row.label: row for row in summary.limits}
    # 响应: acknowledged in time. 验收: judged on 03-10 11:00, after its 03-09 10:00 limit.
    assert (rows["需求·响应"].on_time, rows["需求·响应"].late, rows["需求·响应"].rate) == (1, 0, 100.0)
    assert (rows["成果·验收/审核"].on_time, rows["成果·验收/审核"].late) == (0, 1)
    assert rows["成果·验收/审核"].rate == 0.0
    # Nobody confirmed the task, and its 1-working-day limit (03-03 10:00) has passed: open and late.
    assert (rows["任务·确认接收"].total, rows["任务·确认接收"].open_late, rows["任务·确认接收"].rate) == (1, 1, 0.0)
    assert summary.suggestions == [("郭鑫", "需求变更流程需优化"), ("李娜", "跨部门沟通频次不足")]


def test_summary_page_and_permission(company, completed, client_for):
    answer(company, completed, "guoxin", (4, 5, 3))
    html = client_for("lina").get(f"/feedback/requests/{completed.pk}/summary/").content.decode()
    assert "协作总结报告" in html and "已收到 1 / 3 份协作反馈" in html
    assert client_for("fengjing").get(f"/feedback/requests/{completed.pk}/summary/").status_code == 404
    assert client_for("fengjing").get(f"/feedback/{invitation(completed, 'lina').pk}/").status_code == 404
    page = client_for("lina").post(f"/feedback/{invitation(completed, 'lina').pk}/", {"communication": "9"})
    assert "沟通效率请打 1–5 分" in page.content.decode()


def test_closing_the_round_files_the_summary_with_the_department_heads_and_the_coordinating_office(company, completed):
    """000 二（四）: the 协作总结报告 is 报部门负责人及企业管理部备案 — each head hears it once, with the scores."""
    from django.utils import translation

    # Chinese as the company's default (a page test that chose English may leave its language on this thread).
    with (
        translation.override("zh-hans"),
        time_machine.travel(at("2026-03-16 12:00"), tick=False),
        transaction.atomic(),
    ):
        feedback_close(actor=company.person("guoxin"), request=completed)
    filed = InboxMessage.objects.filter(notification__title__startswith="【备案】协作总结报告")
    # 产品部's head (requesting), 软件开发部's head (receiving), the coordinating office's head.
    assert sorted(m.recipient.username for m in filed) == ["hujun", "lina", "liufang"]
    assert {m.notification.title for m in filed} == {"【备案】协作总结报告：XQ-2026-0001 智能手表项目-续航优化方案评审"}
    (body,) = {m.notification.body for m in filed}
    assert body.startswith("反馈 ") and "沟通效率" in body and "问题解决及时性" in body
    event = AuditEvent.objects.get(action="feedback.summary.file")
    assert event.object_id == str(completed.pk)
