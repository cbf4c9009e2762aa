"""What a request's own steps must respect about its tasks (added to the request process from `ready()`):
提交交付 is refused while a task is unfinished, naming each with who it waits on; closing the request
cancels what is still open, so no task clock keeps running after the request is closed."""

from __future__ import annotations

from django.utils.translation import gettext

from xietong.core.errors import InvalidState
from xietong.items.process import StepContext
from xietong.items.runner import run_step
from xietong.tasks.models import Breakdown, Task
from xietong.tasks.process import FINISHED

SHOWN = 5  # tasks named in a refusal; the rest are counted


def _open_tasks(request) -> list[Task]:
    return list(Task.objects.filter(request=request).exclude(state__in=FINISHED).select_related("owner").order_by("pk"))


def tasks_named(tasks: list[Task]) -> str:
    named = "、".join(
        gettext("“%(task)s”（%(state)s，负责人：%(owner)s）")
        % {"task": t.title, "state": t.get_state_display(), "owner": t.owner.display_name}
        for t in tasks[:SHOWN]
    )
    if len(tasks) > SHOWN:
        named += gettext(" 等 %(n)d 个") % {"n": len(tasks)}
    return named


def tasks_finished_before_delivery(ctx: StepContext) -> None:
    unfinished = _open_tasks(ctx.item)
    if unfinished:
        raise InvalidState(
            gettext("还有 %(n)d 个任务未完成，不能提交交付：%(tasks)s")
            % {"n": len(unfinished), "tasks": tasks_named(unfinished)}
        )


def breakdown_signed_before_delivery(ctx: StepContext) -> None:
    """A department that joined, or whose duties changed, after the 分工表 was published signs it again
    before the request is handed in (《协同任务分工表》含各部门负责人签字确认)."""
    from xietong.tasks.process import awaited_names, awaited_signatures

    breakdown = Breakdown.objects.filter(request=ctx.item, state=Breakdown.State.PUBLISHED).first()
    if breakdown is None:
        return
    waiting = awaited_signatures(breakdown)
    if waiting:
        raise InvalidState(gettext("分工表尚待重新签字，不能提交交付：%(who)s") % {"who": awaited_names(waiting)})


def open_tasks_cancelled_at_close(ctx: StepContext) -> None:
    """A closed request leaves no task running: each open one is cancelled (its clocks with it), on the
    record with the reason, and its people are told."""
    for task in _open_tasks(ctx.item):
        run_step(actor=ctx.actor, item=task, step="cancel", reason=gettext("需求已关闭"), as_system=True)
