"""协作总结报告: scores, on-time rates of every clock in the request's life, escalations, suggestions."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field

from django.db.models import Avg, F
from django.utils.translation import gettext_lazy

from xietong.clocks.models import Clock, ClockState, Escalation, clock_limit_label
from xietong.core import clock as time_source
from xietong.feedback.models import Feedback, FeedbackInvitation
from xietong.requests.models import Request


@dataclass
class LimitRow:
    label: str
    total: int = 0
    on_time: int = 0
    late: int = 0
    open_late: int = 0

    @property
    def rate(self) -> float | None:
        judged = self.on_time + self.late + self.open_late
        return round(100 * self.on_time / judged, 1) if judged else None

    def add(self, c: Clock, now) -> str:
        """Count one limit clock; returns its outcome (on_time / late / open_late / "" when not judged).
        The reports (按时率 per department and person) count with this same rule."""
        self.total += 1
        outcome = clock_outcome(c, now)
        if outcome == "on_time":
            self.on_time += 1
        elif outcome == "late":
            self.late += 1
        elif outcome == "open_late":
            self.open_late += 1
        return outcome


def clock_outcome(c: Clock, now) -> str:
    """on_time: met by its due time; late: met after it; open_late: ran out and nothing met it (whether
    or not the worker has fired it yet); "" : still running, or cancelled without being met."""
    if c.met_at is not None:
        return "on_time" if c.met_at <= c.limit_due_at else "late"
    if c.closed_at is None and (c.state == ClockState.FIRED or c.limit_due_at < now):
        return "open_late"
    return ""


@dataclass
class Summary:
    request: Request
    scores: dict[str, float | None]
    answered: int
    invited: int
    limits: list[LimitRow]
    escalations: dict[int, int]
    suggestions: list[tuple[str, str]] = field(default_factory=list)


def related_subjects(request: Request) -> list[tuple[str, list[int]]]:
    """Every item in the request's life that carries clocks."""
    from xietong.acceptance.models import Deliverable
    from xietong.risks.models import DelayRequest, Dispute, ExceptionReport
    from xietong.tasks.models import Task

    task_ids = list(Task.objects.filter(request=request).values_list("pk", flat=True))
    return [
        ("requests.request", [request.pk]),
        ("tasks.task", task_ids),
        ("risks.exceptionreport", list(ExceptionReport.objects.filter(request=request).values_list("pk", flat=True))),
        ("risks.delayrequest", list(DelayRequest.objects.filter(task_id__in=task_ids).values_list("pk", flat=True))),
        ("risks.dispute", list(Dispute.objects.filter(request=request).values_list("pk", flat=True))),
        ("acceptance.deliverable", list(Deliverable.objects.filter(request=request).values_list("pk", flat=True))),
    ]


def request_summary(request: Request) -> Summary:
    invitations = FeedbackInvitation.objects.filter(request=request)
    feedback = Feedback.objects.filter(invitation__request=request)
    averages = feedback.aggregate(
        communication=Avg("communication"), division=Avg("division"), timeliness=Avg("timeliness")
    )
    rows: dict[str, LimitRow] = {}
    now = time_source.now()
    escalations: Counter[int] = Counter()
    for subject_type, ids in related_subjects(request):
        if not ids:
            continue
        for c in Clock.objects.filter(subject_type=subject_type, subject_id__in=ids, kind=F("limit")):
            label = clock_limit_label(c)
            row = rows.setdefault(
                f"{subject_type}:{c.limit}", LimitRow(f"{_TYPE_LABELS.get(subject_type, '')}·{label}")
            )
            row.add(c, now)
        for e in Escalation.objects.filter(subject_type=subject_type, subject_id__in=ids):
            escalations[e.level] += 1
    suggestions = [
        (f.invitation.person.display_name, f.suggestion)
        for f in feedback.select_related("invitation__person").order_by("at", "pk")
        if f.suggestion
    ]
    return Summary(
        request,
        {k: round(v, 2) if v is not None else None for k, v in averages.items()},
        feedback.count(),
        invitations.count(),
        list(rows.values()),
        dict(sorted(escalations.items())),
        suggestions,
    )


_TYPE_LABELS = {
    "requests.request": gettext_lazy("需求"),
    "tasks.task": gettext_lazy("任务"),
    "risks.exceptionreport": gettext_lazy("异常"),
    "risks.delayrequest": gettext_lazy("延期"),
    "risks.dispute": gettext_lazy("分歧"),
    "acceptance.deliverable": gettext_lazy("成果"),
}
