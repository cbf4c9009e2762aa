from django.urls import reverse
from django.utils.translation import gettext as _

from xietong.core import clock
from xietong.core.i18n import short_day
from xietong.core.workbench import WorkbenchEntry, WorkbenchSection
from xietong.tasks.listing import OPEN_STATES
from xietong.tasks.models import Task


def my_tasks(person) -> WorkbenchSection:
    today = clock.today()
    tasks = (
        Task.objects.restrict(person)
        .filter(owner=person, state__in=OPEN_STATES)
        .order_by("end_date")
        .only("pk", "number", "title", "state", "end_date")[:10]
    )
    entries = []
    for t in tasks:
        late = t.end_date < today
        meta = _("%(state)s · 截止 %(d)s") % {"state": t.get_state_display(), "d": short_day(t.end_date)}
        entries.append(WorkbenchEntry(f"{t.number} {t.title}", t.get_absolute_url(), meta, "late" if late else ""))
    return WorkbenchSection(
        key="tasks",
        title=_("我负责的任务"),
        entries=entries,
        empty_text=_("没有进行中的任务。"),
        more_url=reverse("task-list"),
    )
