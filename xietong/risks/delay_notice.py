"""负责人需提前2天提交《延期申请》 (《企业内部沟通指南与协作工具》二（一）步骤3), as a policy: the application is
due by the end of the working day N working days before the task's planned end (N from the policy
delay/*/notice, "2d"); a late one is refused with the reason at its field — or, when an administrator set the
policy to 仅标记, filed and marked a late filing."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.utils.translation import gettext as _

from xietong.clocks.basis import policy_basis
from xietong.clocks.choices import WhenLate
from xietong.clocks.durations import duration_text
from xietong.clocks.services import policy_for
from xietong.core.i18n import month_day_time
from xietong.workcal.engine import parse_duration

DEFAULT_DAYS = 2  # when no policy is active: the documents' 2 days


@dataclass(frozen=True)
class FilingDeadline:
    due_at: dt.datetime  # the last instant an application may be filed on time
    late: bool
    refuse: bool  # late and the policy refuses late applications
    message: str  # the refusal, in words, with its limit and clause


def filing_deadline(engine, end_date: dt.date, now: dt.datetime) -> FilingDeadline:
    policy = policy_for("delay", "notice")
    days = parse_duration(policy.duration).days if policy is not None else DEFAULT_DAYS
    # The working days up to the planned end, latest first: on time while `days` of them are still ahead.
    working = [d for d in engine.working_days(end_date - dt.timedelta(days=60 + 3 * days), end_date)]
    working.reverse()
    last_day = working[days] if len(working) > days else end_date - dt.timedelta(days=days)
    due_at = engine.day_end(last_day)
    late = now > due_at
    refuse = late and policy is not None and policy.when_late == WhenLate.REFUSE
    limit = duration_text(policy.duration, policy.mode) if policy is not None else _("%(n)d 个工作日") % {"n": days}
    message = _(
        "延期申请须在原计划完成日（%(end)s）前至少 %(limit)s提交，最晚 %(due)s；现已逾期，不能提交，请与项目经理沟通。%(basis)s"
    ) % {
        "end": end_date.isoformat(),
        "limit": limit,
        "due": month_day_time(due_at),
        "basis": policy_basis(policy),
    }
    return FilingDeadline(due_at, late, refuse, message)
