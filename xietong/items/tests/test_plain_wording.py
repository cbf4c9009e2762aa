"""Vague wording (000, 002: 请确认、事、待定、详见附件) is refused on every process's subject and required text, by
one shared rule: when a draft is sent (a meeting noticed, a request submitted) or, for an item live from the
start, when it is created (an exception). The refusal is at the field; a text that merely refers to an
attachment is fine; a draft may still carry a vague subject."""

import pytest
import time_machine
from django.db import transaction

from xietong.core.errors import ApplicationError
from xietong.items.plain_wording import vague_text, vague_title
from xietong.meetings.models import Meeting
from xietong.meetings.tests.helpers import act, apply
from xietong.progress.tests.test_progress import running_task
from xietong.requests.tests.test_request_flow import at, new_request
from xietong.risks.models import ExceptionReport
from xietong.risks.services import exception_raise


def test_the_rule_itself():
    assert [vague_title(t) for t in ("请确认。", " 事 ", "智能手表项目-硬件方案评审")] == [True, True, False]
    assert [vague_text(t) for t in ("待定", "详见附件。", "方案见附件第 3 页，核心是换低功耗芯片", "")] == [
        True,
        True,
        False,
        False,
    ]


def test_a_meeting_whose_goal_is_only_to_be_decided_is_not_noticed(company):
    meeting = apply(company, type_code="kickoff", goal="待定").meeting  # a draft may say so
    with pytest.raises(ApplicationError) as refused:
        act(company, meeting, "guoxin", "notify", "2026-03-04 09:00")
    assert refused.value.fields == {"goal": "会议目标不能只写“待定”：请直接写明关键信息"}
    assert Meeting.objects.get(pk=meeting.pk).state == "draft"


def test_a_request_titled_please_confirm_is_saved_as_a_draft_but_not_submitted(company):
    draft = new_request(company, when="2026-03-02 10:00", submit=False, title="请确认")
    assert draft.state == "draft"
    with pytest.raises(ApplicationError) as refused:
        new_request(company, when="2026-03-02 10:05", title="请确认")
    assert "主题“请确认”过于模糊" in refused.value.fields["title"]


def test_an_exception_that_only_points_to_an_attachment_is_refused_when_raised(company):
    task = running_task(company)
    with (
        pytest.raises(ApplicationError) as refused,
        time_machine.travel(at("2026-10-09 10:00"), tick=False),
        transaction.atomic(),
    ):
        exception_raise(
            actor=company.person("wangqiang"),
            task=task,
            discovered_at=at("2026-10-09 09:30"),
            problem="详见附件",
            impact="续航目标可能延后一周",
            proposal="与厂商沟通定制版本",
            severity="normal",
            expected_resolution=None,
        )
    assert refused.value.fields == {"problem": "问题详情不能只写“详见附件”：请直接写明关键信息"}
    assert not ExceptionReport.objects.exists()
