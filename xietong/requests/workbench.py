from django.urls import reverse
from django.utils.translation import gettext as _

from xietong.core.workbench import WorkbenchEntry, WorkbenchSection
from xietong.requests.selectors import RequestFilters, request_list


def requests_waiting(person) -> WorkbenchSection:
    # Only what an entry shows: no joined rows to build (the list page's select_related is for its table).
    todo = request_list(person, RequestFilters(scope="todo")).select_related(None)
    items = list(todo.only("pk", "number", "title", "state")[:10])
    return WorkbenchSection(
        key="requests",
        title=_("待我处理的需求"),
        entries=[
            WorkbenchEntry(
                f"{r.number} {r.title}",
                r.get_absolute_url(),
                r.get_state_display(),
                "late" if getattr(r, "is_late", False) else "",
            )
            for r in items
        ],
        empty_text=_("没有等待您处理的需求。"),
        more_url=reverse("request-list") + "?scope=todo",
    )
