"""待我审批 (/approvals/): the open approvals of designed processes waiting on the person, approved one by one
or several at once — each through the runner in its own step, each outcome reported."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.db.models import F
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from xietong.core.errors import ApplicationError
from xietong.core.http import AuthedRequest
from xietong.core.permissions import access
from xietong.designer.models import DesignedItem
from xietong.designer.workbench import waiting_on
from xietong.items.runner import run_step


@require_http_methods(["GET", "POST"])
def approvals(request: AuthedRequest) -> HttpResponse:
    reason = ""
    if request.method == "POST":
        chosen = [raw for raw in request.POST.getlist("item") if raw.isdigit()]
        reason = request.POST.get("reason", "")
        if not chosen:  # nothing ticked: say so, keep the opinion typed
            messages.error(request, _("请先勾选要同意的事项"))
            return _page(request, reason, status=400)
        done, refused = [], []
        for raw in chosen:
            item = None
            try:
                item = access(request.user, DesignedItem, int(raw))
                run_step(actor=request.user, item=item, step="approve", reason=reason)
            except ApplicationError as error:
                # The item's number as the person sees it in the list, never its database id.
                refused.append(f"{item.number if item is not None else _('所选事项')}：{error.message}")
            else:
                done.append(item.number)
        if done:
            messages.success(request, _("已同意：%(list)s") % {"list": "、".join(done)})
        for line in refused:
            messages.error(request, line)
        return redirect("designer-approvals")
    return _page(request, reason)


def _page(request: AuthedRequest, reason: str, status: int = 200) -> HttpResponse:
    tasks = [t for t in waiting_on(request.user) if t.step == t.item.step and t.round == t.item.round]
    return render(request, "designer/approvals.html", {"tasks": _with_due(tasks), "reason": reason}, status=status)


def _with_due(tasks: list[Any]) -> list[Any]:
    """Each task with its approver's own deadline (issue 21: every approver holds a clock of the step's limit):
    t.due (an aware instant, or None when the step has no limit) and t.overdue. One query for the page."""
    from xietong.clocks.models import Clock, ClockState
    from xietong.core import clock as time_source
    from xietong.designer.approver_deadlines import task_part

    parts = {task_part(t.pk): t for t in tasks}
    for t in tasks:
        t.due, t.overdue = None, False
    if not parts:
        return tasks
    now = time_source.now()
    armed = (
        Clock.objects.filter(
            subject_type=DesignedItem._meta.label_lower,
            subject_id__in={t.item_id for t in tasks},
            part__in=parts,
            state__in=(ClockState.ARMED, ClockState.PAUSED, ClockState.FIRED),  # fired: run out, still not done
            kind=F("limit"),
        )
        .order_by("pk")
        .values_list("part", "due_at")
    )
    for part, due_at in armed:
        task = parts[part]
        task.due, task.overdue = due_at, due_at <= now
    return tasks
