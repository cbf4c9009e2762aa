"""Posting progress, answering calls for help, and the Friday weekly summary."""

from __future__ import annotations

import datetime as dt

from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from xietong.clocks.services import clock_satisfy
from xietong.core import clock
from xietong.core.audit import audit_record
from xietong.core.errors import ApplicationError, Forbidden, InvalidState, NotFound
from xietong.core.permissions import VIEW, authorize
from xietong.notify.models import MessageKind
from xietong.notify.services import notify
from xietong.org.models import Person, Project
from xietong.progress.models import ProgressUpdate, WeeklySummary
from xietong.tasks.choices import TaskState
from xietong.tasks.models import Task
from xietong.tasks.timers import arm_daily_update


@transaction.atomic
def progress_post(
    *,
    actor: Person,
    task: Task,
    text: str,
    percent: int | None,
    next_step: str = "",
    needs_help: bool = False,
    help_from: Person | None = None,
) -> ProgressUpdate:
    """The owner's daily update (by 17:00 on working days): it meets today's update limit."""
    authorize(actor, VIEW, task)
    task = Task.objects.select_for_update(of=("self",)).select_related("project", "owner", "department").get(pk=task.pk)
    if actor.pk not in {task.owner_id, *task.helpers.values_list("pk", flat=True)}:
        raise Forbidden(_("只有负责人或协助人可以更新任务进度"))
    if task.state != TaskState.IN_PROGRESS:
        raise InvalidState(_("只有进行中的任务可以更新进度（当前：%(s)s）") % {"s": task.get_state_display()})
    errors: dict[str, str] = {}
    text = (text or "").strip()
    if not text:
        errors["text"] = _("请填写当日进展，如“已完成需求调研”")
    if percent is None or not 0 <= percent <= 100:
        errors["percent"] = _("完成百分比应在 0–100 之间")
    if needs_help and help_from is None:
        errors["help_from"] = _("标记【需协助】时请指明需要谁协助")
    if help_from is not None and not Task.objects.restrict(help_from).filter(pk=task.pk).exists():
        errors["help_from"] = _("%(p)s 看不到这个任务（不在项目或相关部门中），请改选项目成员或先邀请其加入项目") % {
            "p": help_from
        }
    if errors:
        raise ApplicationError(_("进度更新有误"), fields=errors)
    now = clock.now()
    update = ProgressUpdate.objects.create(
        task=task,
        author=actor,
        work_date=clock.today(),
        text=text,
        percent=percent or 0,
        next_step=(next_step or "").strip(),
        needs_help=needs_help,
        help_from=help_from if needs_help else None,
        created_at=now,
    )
    audit_record(
        actor=actor,
        action="progress.post",
        obj=task,
        after={
            "percent": update.percent,
            "text": text[:200],
            "needs_help": needs_help,
            "help_from": help_from.pk if needs_help and help_from else None,
        },
    )
    clock_satisfy(subject=task, limit="update_due", at=now)
    arm_daily_update(task, after=now, updated_today=True)
    if needs_help and help_from is not None:
        notify(
            recipients=[help_from],
            kind=MessageKind.MENTION,
            urgency="urgent",
            title=_("【需协助】%(task)s") % {"task": f"{task.number} {task.title}"},
            body=_("%(who)s 请求您协助：%(text)s") % {"who": actor.display_name, "text": text[:300]},
            url=task.get_absolute_url() + "#progress",
            subject=task,
        )
    return update


@transaction.atomic
def help_answer(*, actor: Person, update_id: int, answer: str) -> ProgressUpdate:
    try:
        update = ProgressUpdate.objects.select_for_update(of=("self",)).select_related("task").get(pk=update_id)
    except (ProgressUpdate.DoesNotExist, ValueError) as exc:
        raise NotFound() from exc
    authorize(actor, VIEW, update.task)
    if update.help_from_id != actor.pk:
        raise Forbidden(_("只有被请求协助的人可以答复"))
    if not update.help_open:
        raise InvalidState(_("该协助请求已答复"))
    answer = (answer or "").strip()
    if not answer:
        raise ApplicationError(fields={"answer": _("请填写答复内容")})
    update.help_answer = answer
    update.help_answered_at = clock.now()
    update.save(update_fields=["help_answer", "help_answered_at"])
    audit_record(
        actor=actor, action="progress.help_answer", obj=update.task, after={"update": update.pk, "answer": answer[:200]}
    )
    notify(
        recipients=[update.author],
        kind=MessageKind.INFO,
        title=_("【协助答复】%(task)s") % {"task": update.task.title},
        body=answer[:500],
        url=update.task.get_absolute_url() + "#progress",
        subject=update.task,
    )
    return update


SUMMARY_TIME = dt.time(15, 0)  # Friday afternoon, before the weekly sync


def weekly_summary_build(project: Project, week_start: dt.date) -> dict:
    from xietong.progress.selectors import tracking_rows

    week_end = week_start + dt.timedelta(days=6)
    next_start, next_end = week_start + dt.timedelta(days=7), week_start + dt.timedelta(days=13)
    rows = tracking_rows(Task.objects.filter(project=project).exclude(state__in=["draft", "cancelled"]))
    done = [r for r in rows if r.task.done_at and week_start <= clock.local(r.task.done_at).date() <= week_end]
    late = [r for r in rows if r.status == "late"]
    upcoming = [
        r
        for r in rows
        if r.status != "done"
        and (next_start <= r.task.end_date <= next_end or next_start <= r.task.start_date <= next_end)
    ]
    help_open = ProgressUpdate.objects.filter(task__project=project, needs_help=True, help_answered_at__isnull=True)

    def item(r):
        return {
            "task": r.task.pk,
            "number": r.task.number,
            "title": r.task.title,
            "owner": r.task.owner.display_name,
            "end": r.task.end_date.isoformat(),
            "percent": r.percent,
        }

    risks = [
        {
            "kind": "help",
            "title": u.task.title,
            "text": u.text[:120],
            "who": u.help_from.display_name if u.help_from else "",
        }
        for u in help_open.select_related("task", "help_from")
    ]
    try:
        from xietong.risks.selectors import open_risks_for_project

        risks += open_risks_for_project(project)
    except ImportError:  # pragma: no cover - the risks app is always installed
        pass
    return {
        "done": [item(r) for r in done],
        "late": [item(r) for r in late],
        "next_week": [item(r) for r in upcoming],
        "risks": risks,
    }


def weekly_summary_due(batch_size: int = 0) -> int:
    """On Friday from 15:00 (or the week's last working day), write each active project's summary once."""
    from xietong.workcal.selectors import default_calendar, engine_for

    now = clock.local()
    today = now.date()
    engine = engine_for(default_calendar())
    week_start = today - dt.timedelta(days=today.weekday())
    last_working = max(
        (
            week_start + dt.timedelta(days=i)
            for i in range(7)
            if engine.is_working_day(week_start + dt.timedelta(days=i)) and i < 5
        ),
        default=None,
    )
    if last_working is None or today < last_working or (today == last_working and now.time() < SUMMARY_TIME):
        return 0
    written = 0
    for project in Project.objects.filter(status="active"):
        if WeeklySummary.objects.filter(project=project, week_start=week_start).exists():
            continue
        try:
            with transaction.atomic():
                summary = WeeklySummary.objects.create(
                    project=project, week_start=week_start, data=weekly_summary_build(project, week_start)
                )
                members = list(Person.objects.filter(memberships__project=project, is_active=True))
                notify(
                    recipients=members,
                    kind=MessageKind.INFO,
                    title=_("【项目周报】%(p)s %(d)s 周") % {"p": project.name, "d": f"{week_start:%m-%d}"},
                    body=_("本周完成 %(done)d 项，滞后 %(late)d 项，风险 %(risks)d 项。")
                    % {
                        "done": len(summary.data["done"]),
                        "late": len(summary.data["late"]),
                        "risks": len(summary.data["risks"]),
                    },
                    url=summary.get_absolute_url(),
                    project=project,
                    dedupe_key=f"weekly:{project.pk}:{week_start}",
                )
                written += 1
        except IntegrityError:
            continue  # another worker wrote it
    return written
