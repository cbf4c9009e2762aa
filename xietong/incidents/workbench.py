from django.urls import reverse
from django.utils.translation import gettext as _

from xietong.core.workbench import WorkbenchEntry, WorkbenchSection
from xietong.incidents.choices import ACTIVE_STATES, IncidentState
from xietong.incidents.selectors import incident_list, live_state, open_actions_of


def incidents_of(person) -> WorkbenchSection:
    entries = []
    # Still needing action: active, or resolved with the review to hold. Filtered in the query, so ten
    # newer closed incidents cannot hide an open one.
    waiting = incident_list(person, "mine").filter(state__in=[*ACTIVE_STATES, IncidentState.RESOLVED])
    for incident in waiting[:10]:
        state = live_state(incident)
        late = any(d.overdue for d in [*state.deadlines, *([state.status] if state.status else [])])
        meta = incident.get_state_display()
        if state.status is not None:
            meta += _(" · 状态更新%(text)s") % {"text": state.status.text}
        entries.append(
            WorkbenchEntry(
                f"{incident.number} {incident.title}", incident.get_absolute_url(), meta, "late" if late else "warn"
            )
        )
    for action in open_actions_of(person)[:10]:
        entries.append(
            WorkbenchEntry(
                f"{action.number} {action.title}",
                action.get_absolute_url(),
                _("改进措施 · 截止 %(due)s") % {"due": f"{action.due_date:%m-%d}"},
            )
        )
    return WorkbenchSection(
        key="incidents",
        title=_("紧急事项与改进措施"),
        entries=entries,
        empty_text=_("没有需要您处理的紧急事项。"),
        more_url=reverse("incident-list"),
    )
