"""Exceptions and delay requests on a task's page; disputes and exceptions on a request's page."""

from __future__ import annotations

from xietong.risks.forms import DelayForm, DisputeForm, ExceptionForm
from xietong.risks.models import Dispute, ExceptionReport
from xietong.tasks.choices import TaskState


def task_risks_panel(request, task) -> dict:
    running = task.state in (TaskState.PUBLISHED, TaskState.ACCEPTED, TaskState.IN_PROGRESS)
    is_owner = request.user.pk == task.owner_id
    may_raise = running and (is_owner or task.helpers.filter(pk=request.user.pk).exists())
    return {
        "task": task,
        "exceptions": list(task.exception_reports.order_by("-created_at")),
        "delays": list(task.delay_requests.order_by("-created_at")),
        "exception_form": ExceptionForm() if may_raise else None,
        "delay_form": DelayForm() if running and is_owner else None,
    }


def request_risks_panel(request, item) -> dict | None:
    exceptions = list(ExceptionReport.objects.filter(request=item).order_by("-created_at"))
    disputes = list(Dispute.objects.filter(request=item).order_by("-created_at"))
    may_open = item.state in ("accepted", "in_progress", "delivered") and request.user.department_id is not None
    if not exceptions and not disputes and not may_open:
        return None
    return {
        "item": item,
        "exceptions": exceptions,
        "disputes": disputes,
        "dispute_form": DisputeForm() if may_open else None,
    }
