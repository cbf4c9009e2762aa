"""The progress section on a task's page."""

from __future__ import annotations

from xietong.progress.forms import ProgressForm
from xietong.progress.process import PROGRESS_UPDATE


def task_progress_panel(request, task) -> dict:
    updates = list(task.progress_updates.select_related("author", "help_from"))
    may_post = task.state in PROGRESS_UPDATE.sources and PROGRESS_UPDATE.who(request.user, task)
    return {
        "task": task,
        "updates": updates,
        "form": ProgressForm(task=task) if may_post else None,
        "user_id": request.user.pk,
    }
