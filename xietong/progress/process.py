"""协同进度跟踪, as the rule reads: while a task runs, its owner (or a helper) updates its progress by 17:00 on
each working day — what was done, how far, what comes next; an update flagged 【需协助】 tells the person
named at once. The update is a step of the task (added to tasks.process.TASK): it meets the day's update
limit and starts the next."""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from xietong.core import clock
from xietong.core.errors import ApplicationError
from xietong.items.process import Step, StepContext, Tell
from xietong.items.replies import ask_reply
from xietong.progress.models import ProgressUpdate
from xietong.tasks.choices import TaskState
from xietong.tasks.models import Task
from xietong.tasks.process import task_arm
from xietong.tasks.timers import next_update_due


def owner_or_helper(person: Any, task: Task) -> bool:
    return person.pk == task.owner_id or task.helpers.filter(pk=person.pk).exists()


def update_checked(ctx: StepContext) -> None:
    """What was done and how far; a call for help names someone who can see the task."""
    values, errors = ctx.inputs, {}
    text, percent, help_from = (values.get("text") or "").strip(), values.get("percent"), values.get("help_from")
    if not text:
        errors["text"] = gettext("请填写当日进展，如“已完成需求调研”")
    if percent is None or not 0 <= percent <= 100:
        errors["percent"] = gettext("完成百分比应在 0–100 之间")
    if values.get("needs_help") and help_from is None:
        errors["help_from"] = gettext("标记【需协助】时请指明需要谁协助")
    if help_from is not None and not Task.objects.restrict(help_from).filter(pk=ctx.item.pk).exists():
        errors["help_from"] = gettext(
            "%(p)s 看不到这个任务（不在项目或相关部门中），请改选项目成员或先邀请其加入项目"
        ) % {"p": help_from}
    if errors:
        raise ApplicationError(gettext("进度更新有误"), fields=errors)
    values["text"] = text
    ctx.details.update(
        {
            "percent": percent,
            "text": text[:200],
            "needs_help": bool(values.get("needs_help")),
            "help_from": help_from.pk if values.get("needs_help") and help_from else None,
        }
    )


def update_recorded(ctx: StepContext) -> None:
    values = ctx.inputs
    update = ProgressUpdate.objects.create(
        task=ctx.item,
        author=ctx.actor,
        work_date=clock.today(),
        text=values["text"],
        percent=values["percent"] or 0,
        next_step=(values.get("next_step") or "").strip(),
        needs_help=bool(values.get("needs_help")),
        help_from=values.get("help_from") if values.get("needs_help") else None,
        created_at=ctx.now,
    )
    values["recorded"].append(update)
    if update.needs_help and update.help_from is not None:
        # 【需协助】 is answered on the task within the message limit (items.replies).
        ask_reply(subject=ctx.item, person=update.help_from, asked_by=ctx.actor, question=update.text, assist=True)


def help_asked(ctx: StepContext) -> bool:
    return bool(ctx.inputs.get("needs_help") and ctx.inputs.get("help_from"))


PROGRESS_UPDATE = Step(
    "progress",
    _("更新进度"),
    (TaskState.IN_PROGRESS,),
    None,
    owner_or_helper,
    offered=False,  # the progress form on the task's page
    refusal=lambda task: gettext("只有负责人或协助人可以更新任务进度"),
    audit_action="progress.post",
    check=update_checked,
    after=update_recorded,
    satisfies=("update_due",),
    arms=(task_arm("update_due", due_at=lambda ctx: next_update_due(ctx.item, ctx.now, updated_today=True)),),
    tells=(
        Tell(
            to=lambda ctx: [ctx.inputs["help_from"]],
            when=help_asked,
            title=_("【需协助】%(task)s"),
            body=_("%(who)s 请求您协助：%(text)s"),
            kind="mention",
            urgency="urgent",
            anchor="progress",
            params=lambda ctx: {"task": ctx.label, "who": ctx.actor.display_name, "text": ctx.inputs["text"][:300]},
        ),
    ),
)
