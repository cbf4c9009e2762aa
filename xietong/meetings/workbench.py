from django.urls import reverse
from django.utils.translation import gettext as _

from xietong.core import clock
from xietong.core.workbench import WorkbenchEntry, WorkbenchSection, register_section
from xietong.meetings.choices import MeetingState, MinutesState
from xietong.meetings.selectors import MeetingFilters, action_item_list, action_rows, meeting_list


def _why(meeting, person) -> tuple[str, str]:
    now = clock.now()
    when = f"{clock.local(meeting.start_at):%m-%d %H:%M}"
    minutes = getattr(meeting, "minutes", None)
    if meeting.state == MeetingState.SUBMITTED and meeting.approver_id == person.pk:
        return _("待您审批 · %(w)s") % {"w": when}, "warn"
    if meeting.state == MeetingState.NOTIFIED and meeting.end_at <= now:
        if minutes is not None and minutes.state == MinutesState.SUBMITTED:
            return _("纪要待您签字确认"), "warn"
        return _("待编写会议纪要"), "warn"
    if meeting.state == MeetingState.NOTIFIED and getattr(meeting, "answer_pending", False):
        return _("请确认参会 · %(w)s") % {"w": when}, "warn"
    return f"{meeting.get_state_display()} · {when}", ""


def my_meetings(person) -> WorkbenchSection:
    todo = meeting_list(person, MeetingFilters(scope="todo")).select_related(None).select_related("minutes")
    fields = ("pk", "number", "title", "state", "start_at", "end_at", "approver_id", "minutes__state")
    items = list(todo.only(*fields)[:10])
    entries = []
    for m in items:
        meta, tone = _why(m, person)
        entries.append(WorkbenchEntry(f"{m.number} {m.title}", m.get_absolute_url(), meta, tone))
    return WorkbenchSection(
        key="meetings",
        title=_("待我处理的会议"),
        entries=entries,
        empty_text=_("没有等待您处理的会议。"),
        more_url=reverse("meeting-list") + "?scope=todo",
    )


def my_action_items(person) -> WorkbenchSection:
    rows = action_rows(list(action_item_list(person, "mine")[:10]))
    return WorkbenchSection(
        key="action-items",
        title=_("我的决议事项"),
        entries=[
            WorkbenchEntry(
                f"{r.item.number} {r.item.title}",
                r.item.get_absolute_url(),
                r.status,
                "late" if r.tone == "late" else ("warn" if r.tone == "warn" else ""),
            )
            for r in rows
        ],
        empty_text=_("没有进行中的决议事项。"),
        more_url=reverse("action-item-list"),
    )


register_section("meetings", my_meetings, order=40)
register_section("action-items", my_action_items, order=45)
