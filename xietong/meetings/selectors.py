"""Reads of meetings and action items, always through the permission filter."""

from __future__ import annotations

import datetime as dt
from collections import Counter, defaultdict
from dataclasses import dataclass
from typing import Any

from django.db.models import Exists, OuterRef, Q, QuerySet
from django.utils.translation import gettext as _

from xietong.clocks.models import Escalation
from xietong.core import clock
from xietong.meetings.choices import ActionState, MeetingState, MinutesState, Response
from xietong.meetings.models import ActionItem, Meeting, Participation
from xietong.meetings.rules import engine_of
from xietong.meetings.schedule import end_of_working_day
from xietong.workcal.spans import span_words

SCOPES = ("upcoming", "todo", "mine", "all")


@dataclass
class MeetingFilters:
    scope: str = "upcoming"
    state: str = ""
    late_notice: bool = False
    q: str = ""


def _my_answer_pending(person) -> Exists:
    return Exists(Participation.objects.filter(meeting=OuterRef("pk"), person=person, response=Response.PENDING))


def awaiting(person) -> Q:
    """Meetings that wait on this person now: an application to approve, an invitation to answer,
    minutes to write or to sign."""
    now = clock.now()
    writer = Q(organizer=person) | Q(recorder=person) | Q(chair=person)
    return (
        Q(state=MeetingState.SUBMITTED, approver=person)
        | Q(state=MeetingState.NOTIFIED, start_at__gt=now, answer_pending=True)
        | Q(organizer=person, state__in=[MeetingState.DRAFT, MeetingState.APPROVED, MeetingState.REJECTED])
        | (
            writer
            & Q(state=MeetingState.NOTIFIED, end_at__lte=now)
            & (Q(minutes__isnull=True) | Q(minutes__state=MinutesState.DRAFT))
        )
        | Q(chair=person, minutes__state=MinutesState.SUBMITTED)
    )


def meeting_list(user, filters: MeetingFilters) -> QuerySet[Meeting]:
    qs: Any = (
        Meeting.objects.restrict(user)
        .select_related("project", "organizer", "room", "meeting_type", "department")
        .annotate(answer_pending=_my_answer_pending(user))
    )
    now = clock.now()
    if filters.scope == "upcoming":
        invited = Participation.objects.filter(meeting=OuterRef("pk"), person=user)
        qs = qs.filter(Exists(invited), end_at__gte=now).exclude(state=MeetingState.CANCELLED)
    elif filters.scope == "todo":
        qs = qs.filter(awaiting(user))
    elif filters.scope == "mine":
        qs = qs.filter(Q(organizer=user) | Q(created_by=user))
    if filters.state:
        qs = qs.filter(state=filters.state)
    if filters.late_notice:
        qs = qs.filter(late_notice=True)
    if filters.q:
        qs = qs.filter(Q(title__icontains=filters.q) | Q(number__icontains=filters.q))
    order = "start_at" if filters.scope in ("upcoming", "todo") else "-start_at"
    # No join can repeat a meeting (the invitation is an EXISTS, minutes are one per meeting): no DISTINCT,
    # which would sort every visible meeting before the page is cut.
    return qs.order_by(order, "pk")


@dataclass
class Attendance:
    rows: list[Participation]
    counts: dict[str, int]


def attendance(meeting: Meeting) -> Attendance:
    rows = list(meeting.participations.select_related("person__department").order_by("role", "person__username"))
    counts = Counter(r.response for r in rows)
    return Attendance(rows, {key: counts.get(key, 0) for key in Response.values})


def my_participation(meeting: Meeting, person) -> Participation | None:
    return meeting.participations.filter(person=person).first()


# --- Action items: their live state ---------------------------------------------------------------
@dataclass
class ActionRow:
    item: ActionItem
    due_at: dt.datetime
    status: str
    tone: str
    escalated_to: list[str]


def action_rows(items: list[ActionItem], now: dt.datetime | None = None) -> list[ActionRow]:
    """Each action item with where it stands now: time left in working time, overdue, done (on time or
    late), and whom an overdue warning reached. Two queries, whatever the number of items."""
    now = now or clock.now()
    escalations: dict[int, list[str]] = defaultdict(list)
    for e in Escalation.objects.filter(
        subject_type="meetings.actionitem", subject_id__in=[i.pk for i in items], target__isnull=False
    ).select_related("target"):
        escalations[e.subject_id].append(e.target.display_name if e.target else "")
    rows = []
    engines: dict[int, Any] = {}
    for item in items:
        engine = engines.setdefault(item.meeting_id, engine_of(item.meeting))
        due = end_of_working_day(engine, item.due_date)
        if item.state == ActionState.DONE and item.done_at is not None:
            on_time = item.done_at <= due
            status, tone = (_("按期完成") if on_time else _("逾期完成")), ("ok" if on_time else "warn")
        elif item.state == ActionState.CANCELLED:
            status, tone = _("已取消"), "muted"
        elif item.state == ActionState.DRAFT:
            status, tone = _("待纪要确认后开始跟踪"), "muted"
        else:
            left = engine.between(now, due)
            if left > dt.timedelta(0):
                status = _("剩余 %(left)s") % {"left": span_words(left, working=True, day=engine.day_length)}
                tone = "warn" if left <= engine.day_length else "ok"
            else:
                late = span_words(-left, working=True, day=engine.day_length)
                status, tone = _("已逾期 %(late)s") % {"late": late}, "late"
        rows.append(ActionRow(item, due, status, tone, escalations.get(item.pk, [])))
    return rows


def meeting_action_rows(meeting: Meeting) -> list[ActionRow]:
    items = list(meeting.action_items.select_related("owner", "department", "meeting__project").order_by("position"))
    return action_rows(items)


def series_followups(meeting: Meeting) -> list[ActionRow]:
    """周例会: decisions of earlier meetings of the series still open (决议事项每周跟踪)."""
    if not meeting.series_id:
        return []
    items = list(
        ActionItem.objects.filter(
            meeting__series_id=meeting.series_id, meeting__start_at__lt=meeting.start_at, state=ActionState.OPEN
        )
        .select_related("owner", "department", "meeting__project")
        .order_by("due_date", "pk")
    )
    return action_rows(items)


ACTION_SCOPES = ("mine", "overdue", "all")


def action_item_list(user, scope: str = "mine") -> QuerySet[ActionItem]:
    qs: Any = ActionItem.objects.restrict(user).select_related("owner", "department", "meeting__project")
    qs = qs.exclude(state=ActionState.DRAFT)
    if scope == "mine":
        qs = qs.filter(owner=user, state=ActionState.OPEN)
    elif scope == "overdue":
        qs = qs.filter(state=ActionState.OPEN, due_date__lt=clock.today())
    return qs.order_by("due_date", "pk")
