"""The problem's clocks: not dispatched within its limit, every coordinator hears it (not only the
clock's owner); the progress cadence keeps the default overdue message to the owner."""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext as _

from xietong.clocks.wording import clause_line, clock_limit_text
from xietong.notify.models import MessageKind, Urgency
from xietong.notify.services import notify
from xietong.problems.choices import ProblemState
from xietong.problems.process import coordinators


def problem_clock_due(clock, problem) -> dict[str, Any] | None:
    if clock.limit != "dispatch" or problem.state != ProblemState.FILED:
        return None
    people = coordinators()
    notify(
        recipients=people,
        kind=MessageKind.OVERDUE,
        title=_("【分派超时】%(problem)s") % {"problem": problem},
        body=_("问题提报已超过 %(limit)s仍未分派，请综合管理部尽快审核并分派主责部门。")
        % {"limit": clock_limit_text(clock)}
        + clause_line(clock),
        url=problem.get_absolute_url(),
        subject=problem,
        urgency=Urgency.URGENT,
        dedupe_key=f"clock:{clock.pk}",
    )
    return {"notified": [p.pk for p in people]}
