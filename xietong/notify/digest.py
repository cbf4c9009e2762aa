"""The daily digest: at 09:00 on each working day, each person hears what is due today and what is late."""

from __future__ import annotations

import datetime as dt

from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils.translation import gettext as _

from xietong.clocks.models import Clock, ClockState, clock_limit_label
from xietong.clocks.workbench import subjects_of
from xietong.core import clock
from xietong.notify.models import DigestRun, MessageKind
from xietong.notify.services import notify, preference_of
from xietong.org.models import Person
from xietong.workcal.selectors import default_calendar, engine_for

DIGEST_TIME = dt.time(9, 0)


def digest_lines(person: Person, today: dt.date) -> tuple[list[str], list[str]]:
    engine = engine_for(default_calendar())
    start = engine.at(today, dt.time(0))
    end = start + dt.timedelta(days=1)
    open_clocks = Clock.objects.filter(owner=person, kind=F("limit"), closed_at__isnull=True).select_related("calendar")
    due_today = list(open_clocks.filter(state=ClockState.ARMED, due_at__gte=start, due_at__lt=end).order_by("due_at"))
    late = list(open_clocks.filter(state=ClockState.FIRED).order_by("due_at"))
    subjects = subjects_of(due_today + late)

    def line(c: Clock) -> str:
        subject = subjects.get((c.subject_type, c.subject_id), f"{c.subject_type}#{c.subject_id}")
        # limit_label, as the clock panel and the clock's own messages name it: a designed step's limit is known
        # by the step's name (财务会签), which the model field's choices, read once, never list.
        return f"· {subject}（{clock_limit_label(c)}，{clock.local(c.limit_due_at):%m-%d %H:%M}）"

    return [line(c) for c in due_today], [line(c) for c in late]


def digest_send_due(batch_size: int = 0) -> int:
    """Send today's digests once, after 09:00 on a working day (any worker may try; one succeeds)."""
    now = clock.local()
    today = now.date()
    if now.time() < DIGEST_TIME or not engine_for(default_calendar()).is_working_day(today):
        return 0
    if DigestRun.objects.filter(date=today).exists():
        return 0
    sent = 0
    try:
        with transaction.atomic():
            DigestRun.objects.create(date=today)
            for person in Person.objects.filter(is_active=True).select_related("department"):
                if not preference_of(person).digest:
                    continue
                due, late = digest_lines(person, today)
                if not due and not late:
                    continue
                parts = []
                if due:
                    parts.append(_("今天到期（%(n)d 项）：") % {"n": len(due)} + "\n" + "\n".join(due))
                if late:
                    parts.append(_("已超时（%(n)d 项）：") % {"n": len(late)} + "\n" + "\n".join(late))
                notify(
                    recipients=[person],
                    kind=MessageKind.DIGEST,
                    title=_("每日摘要 %(date)s：今天到期 %(due)d 项，已超时 %(late)d 项")
                    % {"date": f"{today:%m-%d}", "due": len(due), "late": len(late)},
                    body="\n\n".join(parts),
                    url="/",
                    dedupe_key=f"digest:{today.isoformat()}:{person.pk}",
                )
                sent += 1
    except IntegrityError:
        return 0  # another worker sent today's digest first
    return sent
