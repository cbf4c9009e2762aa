from django.urls import reverse
from django.utils.translation import gettext as _

from xietong.core.workbench import WorkbenchEntry, WorkbenchSection
from xietong.problems.selectors import ProblemFilters, problem_list


def problems_waiting(person) -> WorkbenchSection:
    todo = problem_list(person, ProblemFilters(scope="todo")).select_related(None)
    items = list(todo.only("pk", "number", "title", "state", "urgency")[:10])
    return WorkbenchSection(
        key="problems",
        title=_("待我处理的问题"),
        entries=[
            WorkbenchEntry(
                f"{p.number} {p.title}",
                p.get_absolute_url(),
                f"{p.get_state_display()} · {p.get_urgency_display()}",
                "late" if getattr(p, "is_late", False) else "",
            )
            for p in items
        ],
        empty_text=_("没有等待您处理的问题。"),
        more_url=reverse("problem-list") + "?scope=todo",
    )
