"""待我审批 (/approvals/): the open approvals of designed processes waiting on the person, approved one by one
or several at once — each through the runner in its own step, each outcome reported."""

from __future__ import annotations

from django.contrib import messages
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
    if request.method == "POST":
        done, refused = [], []
        for raw in request.POST.getlist("item"):
            if not raw.isdigit():
                continue
            try:
                item = access(request.user, DesignedItem, int(raw))
                run_step(actor=request.user, item=item, step="approve", reason=request.POST.get("reason", ""))
            except ApplicationError as error:
                refused.append(f"{raw}：{error.message}")
            else:
                done.append(item.number)
        if done:
            messages.success(request, _("已同意：%(list)s") % {"list": "、".join(done)})
        for line in refused:
            messages.error(request, line)
        return redirect("designer-approvals")
    tasks = [t for t in waiting_on(request.user) if t.step == t.item.step and t.round == t.item.round]
    return render(request, "designer/approvals.html", {"tasks": tasks})
