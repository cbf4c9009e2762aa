"""Posting progress, answering calls for help, and the Friday weekly summary."""

from __future__ import annotations

import datetime as dt

from django.db import IntegrityError, transaction
from django.db.models import Exists, OuterRef
from django.utils.translation import gettext as _

from xietong.core import clock
from xietong.core.audit import audit_record
from xietong.core.errors import ApplicationError, Forbidden, InvalidState, NotFound
from xietong.core.permissions import VIEW, authorize
from xietong.items.runner import run_step
from xietong.notify.models import MessageKind
from xietong.notify.services import notify
from xietong.org.models import Person, Project
from xietong.progress.models import ProgressUpdate, WeeklySummary
from xietong.tasks.models import Task


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
    """The owner's daily update (by 17:00 on working days): the task's declared step (progress.process)."""
    recorded: list[ProgressUpdate] = []
    values = {"text": text, "percent": percent, "next_step": next_step, "needs_help": needs_help}
    run_step(actor=actor, item=task, step="progress", inputs={**values, "help_from": help_from, "recorded": recorded})
    return recorded[0]


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
    # One query for the projects still without this week's summary, not one per project on every pass
    # from Friday 15:00 until Monday (an idle worker's pass, issue 18).
    written_this_week = WeeklySummary.objects.filter(project=OuterRef("pk"), week_start=week_start)
    for project in Project.objects.filter(status="active").exclude(Exists(written_this_week)):
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
