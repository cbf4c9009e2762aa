"""The progress section on a task's page."""

from __future__ import annotations

from xietong.progress.forms import ProgressForm
from xietong.tasks.choices import TaskState


def task_progress_panel(request, task) -> dict:
    updates = list(task.progress_updates.select_related("author", "help_from"))
    may_post = task.state == TaskState.IN_PROGRESS and (
        request.user.pk == task.owner_id or task.helpers.filter(pk=request.user.pk).exists()
    )
    return {
        "task": task,
        "updates": updates,
        "form": ProgressForm(task=task) if may_post else None,
        "user_id": request.user.pk,
    }
