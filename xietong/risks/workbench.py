"""我的工作台 › 待我审批的延期申请: a 延期申请 waits on two approvers (the project lead and the initiating
department's head); each sees it here until they have decided, whoever holds the time limit."""

from __future__ import annotations

from django.db.models import Q
from django.utils.translation import gettext as _

from xietong.core.workbench import WorkbenchEntry, WorkbenchSection
from xietong.risks.models import DelayRequest
from xietong.risks.process import roles_left


def delays_awaiting(person) -> WorkbenchSection | None:
    candidates = (
        DelayRequest.objects.filter(state=DelayRequest.State.PENDING)
        .filter(Q(task__project__lead=person) | Q(task__request__requesting_department__head=person))
        .select_related("task__project__lead", "task__request__requesting_department__head", "created_by")
        .order_by("created_at", "pk")[:20]
    )
    waiting = [d for d in candidates if roles_left(person, d)]
    if not waiting:
        return None
    return WorkbenchSection(
        key="delays",
        title=_("待我审批的延期申请"),
        entries=[
            WorkbenchEntry(
                d.title,
                d.get_absolute_url(),
                _("%(who)s 申请延至 %(date)s") % {"who": d.created_by.display_name, "date": f"{d.new_end_date:%m-%d}"},
                "warn",
            )
            for d in waiting[:10]
        ],
    )
