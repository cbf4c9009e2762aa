"""任务跟踪表: the coordinating office takes every meeting's decisions (决议事项) into one table and follows
them up weekly (004 步骤4). The table is an Excel export of the decisions one may see — open ones, and those
closed in the last 7 days; on the first working day of each week from 09:00 the coordinators are sent it."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db import transaction
from django.db.models import Q
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from openpyxl import Workbook
from openpyxl.styles import Alignment, Font, PatternFill

from xietong.core import clock
from xietong.core.spreadsheets import workbook_bytes
from xietong.meetings.choices import ActionState
from xietong.meetings.models import ActionItem
from xietong.meetings.selectors import ActionRow, action_rows
from xietong.notify.models import MessageKind, Notification
from xietong.notify.services import notify
from xietong.org.models import Person

COLUMNS = [
    gettext_lazy("序号"),
    gettext_lazy("会议编号"),
    gettext_lazy("会议名称"),
    gettext_lazy("会议日期"),
    gettext_lazy("决议事项"),
    gettext_lazy("责任部门"),
    gettext_lazy("责任人"),
    gettext_lazy("完成期限"),
    gettext_lazy("跟进状态"),
    gettext_lazy("完成时间"),
    gettext_lazy("完成情况"),
    gettext_lazy("逾期预警至"),
]
WIDTHS = [6, 16, 28, 12, 30, 12, 10, 12, 24, 17, 30, 16]
HEADER_ROW = 3
SEND_AT = dt.time(9, 0)


def tracking_rows(user: Any, now: dt.datetime | None = None) -> list[ActionRow]:
    now = now or clock.now()
    recent = now - dt.timedelta(days=7)
    items = list(
        ActionItem.objects.restrict(user)
        .filter(
            Q(state=ActionState.OPEN) | Q(closed_at__gte=recent, state__in=[ActionState.DONE, ActionState.CANCELLED])
        )
        .select_related("owner", "department", "meeting__project")
        .order_by("due_date", "meeting__start_at", "position")
    )
    return action_rows(items, now)


def _local(value: dt.datetime | None) -> dt.datetime | None:
    return clock.local(value).replace(tzinfo=None) if value is not None else None


def tracking_workbook(rows: list[ActionRow]) -> bytes:
    wb = Workbook()
    ws = wb.active
    ws.title = _("任务跟踪表")
    ws.merge_cells(start_row=1, start_column=1, end_row=1, end_column=len(COLUMNS))
    ws.cell(row=1, column=1, value=_("任务跟踪表（会议决议事项）")).font = Font(bold=True, size=14)
    ws.cell(row=1, column=1).alignment = Alignment(horizontal="center")
    ws.cell(row=2, column=1, value=_("导出时间：%(at)s") % {"at": f"{clock.local():%Y-%m-%d %H:%M}"})
    for col, label in enumerate(COLUMNS, start=1):
        cell = ws.cell(row=HEADER_ROW, column=col, value=str(label))
        cell.font = Font(bold=True)
        cell.fill = PatternFill("solid", fgColor="DCE6F1")
    for index, row in enumerate(rows, start=1):
        item = row.item
        values = [
            index,
            item.meeting.number,
            item.meeting.title,
            clock.local(item.meeting.start_at).date(),
            item.title,
            item.department.name,
            item.owner.display_name,
            item.due_date,
            row.status,
            _local(item.done_at),
            item.note,
            "、".join(row.escalated_to),
        ]
        for col, value in enumerate(values, start=1):
            cell = ws.cell(row=HEADER_ROW + index, column=col, value=value)
            if isinstance(value, dt.datetime):
                cell.number_format = "yyyy-mm-dd hh:mm"
            elif isinstance(value, dt.date):
                cell.number_format = "yyyy-mm-dd"
    for col, width in enumerate(WIDTHS, start=1):
        ws.column_dimensions[ws.cell(row=HEADER_ROW, column=col).column_letter].width = width
    return workbook_bytes(wb)


def tracking_send_due(batch_size: int = 0) -> int:
    """On the week's first working day from 09:00, send each coordinator the week's 任务跟踪表 (once a week)."""
    from xietong.workcal.selectors import default_calendar, engine_for

    now = clock.local()
    today = now.date()
    engine = engine_for(default_calendar())
    week_start = today - dt.timedelta(days=today.weekday())
    first = next(
        (
            week_start + dt.timedelta(days=i)
            for i in range(7)
            if engine.is_working_day(week_start + dt.timedelta(days=i))
        ),
        None,
    )
    if first is None or today < first or (today == first and now.time() < SEND_AT):
        return 0
    sent = 0
    coordinators = list(Person.objects.filter(is_coordinator=True, is_active=True).order_by("pk"))
    keys = {person.pk: f"meeting-tracking:{week_start}:{person.pk}" for person in coordinators}
    # Who was already sent this week's table: one query, not one per coordinator on every pass of the week.
    sent_keys = set(Notification.objects.filter(dedupe_key__in=keys.values()).values_list("dedupe_key", flat=True))
    for person in coordinators:
        key = keys[person.pk]
        if key in sent_keys:
            continue
        rows = tracking_rows(person)
        overdue = sum(1 for r in rows if r.tone == "late")
        with transaction.atomic():
            made = notify(
                recipients=[person],
                kind=MessageKind.INFO,
                title=_("【任务跟踪表】%(d)s 周") % {"d": f"{week_start:%Y-%m-%d}"},
                body=_("会议决议事项 %(n)d 项，其中逾期 %(late)d 项；请导出任务跟踪表逐项跟进。")
                % {"n": len(rows), "late": overdue},
                url=reverse("meeting-tracking"),
                dedupe_key=key,
            )
        sent += 1 if made else 0
    return sent
