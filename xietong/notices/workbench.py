"""The notices waiting for the person's 已阅 (the workbench section of the notice process)."""

from django.urls import reverse
from django.utils.translation import gettext as _

from xietong.core import clock
from xietong.core.workbench import WorkbenchEntry, WorkbenchSection
from xietong.notices.selectors import notice_list


def notices_to_confirm(person) -> WorkbenchSection:
    now = clock.now()
    entries = []
    todo = notice_list(person, "todo").select_related(None)
    for n in todo.only("pk", "number", "title", "requires_confirmation", "confirm_by")[:10]:
        if n.requires_confirmation and n.confirm_by is not None:
            late = n.confirm_by < now
            meta = _("请于 %(t)s 前确认") % {"t": f"{clock.local(n.confirm_by):%m-%d %H:%M}"}
            entries.append(
                WorkbenchEntry(f"{n.number} {n.title}", n.get_absolute_url(), meta, "late" if late else "warn")
            )
        else:
            entries.append(WorkbenchEntry(f"{n.number} {n.title}", n.get_absolute_url(), _("未读")))
    return WorkbenchSection(
        key="notices",
        title=_("待我确认的通知"),
        entries=entries,
        empty_text=_("没有待您确认的通知。"),
        more_url=reverse("notice-list") + "?scope=todo",
    )
