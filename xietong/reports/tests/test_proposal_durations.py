"""A proposal's new time limit is a number and a unit, and reads in words (issue 23): the form asked for
"2h / 1d" typed by hand and the proposal showed "3h"."""

import re

import time_machine

from xietong.clocks.models import ClockPolicy
from xietong.reports.models import ImprovementProposal
from xietong.reports.tests.test_review import review  # noqa: F401 (fixture)
from xietong.requests.tests.test_request_flow import at


def test_a_limit_is_given_as_number_and_unit_and_shown_in_words(company, client_for, review):  # noqa: F811
    policy = ClockPolicy.objects.get(process="request", priority="high", kind="respond")
    liufang = client_for("liufang")
    page = liufang.get(f"/reports/reviews/{review.pk}/").content.decode()
    assert 'name="new_duration_n"' in page and 'name="new_duration_unit"' in page
    assert "2h / 1d" not in page
    assert f'<option value="{policy.pk}">需求协作 · 高优先级 · 响应：2 个工作小时</option>' in page
    form = {"title": "高优先级需求响应时限放宽至 3 小时", "content": "超时集中在上午会议时段", "policy": policy.pk}
    with time_machine.travel(at("2026-07-03 10:00"), tick=False):
        refused = liufang.post(
            f"/reports/reviews/{review.pk}/proposals/",
            {**form, "title": "", **{"new_duration_n": "3", "new_duration_unit": "h"}},
        )
        assert refused.status_code == 400
        kept = refused.content.decode()
        assert 'name="new_duration_n" value="3"' in kept and '<option value="h" selected>' in kept
        done = liufang.post(
            f"/reports/reviews/{review.pk}/proposals/",
            {
                **form,
                "new_duration_n": "3",
                "new_duration_unit": "h",
                "new_remind_before_n": "30",
                "new_remind_before_unit": "m",
            },
        )
    assert done.status_code == 302
    proposal = ImprovementProposal.objects.get()
    assert (proposal.new_duration, proposal.new_remind_before, proposal.new_escalate_after) == ("3h", "30m", "")
    shown = re.sub(r"\s+", " ", liufang.get(f"/reports/reviews/{review.pk}/").content.decode())
    assert "时限 3 个工作小时 提前提醒 30 分钟" in shown
