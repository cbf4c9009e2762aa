"""The notice's confirmation deadline: before it, the declared 提醒未确认人员 step reminds everyone who has
not confirmed; at it, each department head receives the list of their people who did not."""

from __future__ import annotations

from collections import defaultdict
from typing import Any

from django.utils.translation import gettext as _

from xietong.clocks.models import Clock
from xietong.clocks.services import clock_cancel_escalations
from xietong.clocks.wording import clause_line, due_text
from xietong.items.runner import run_step
from xietong.notices.choices import NoticeState
from xietong.notices.models import Notice
from xietong.notices.recipients import head_of, pending_people
from xietong.notify.models import MessageKind
from xietong.notify.services import notify
from xietong.org.models import Person


def notice_clock_remind(clock: Clock, notice: Notice) -> dict[str, Any] | None:
    if clock.limit != "confirm":
        return None
    if notice.state != NoticeState.PUBLISHED:
        return {"skipped": notice.state}
    reminded = [p.pk for p in pending_people(notice)]
    run_step(actor=None, item=notice, step="remind")
    return {"reminded": reminded}


def notice_clock_due(clock: Clock, notice: Notice) -> dict[str, Any] | None:
    return report_unconfirmed(notice, clock) if clock.limit == "confirm" else None


def _tell(notice: Notice, people: list[Person], title: str, body: str, **kw: Any) -> None:
    notify(recipients=people, title=title, body=body, url=notice.get_absolute_url(), subject=notice, **kw)


def report_unconfirmed(notice: Notice, clock_row: Clock) -> dict[str, Any]:
    """At the deadline each department head receives the list of their people who did not confirm; the
    sender receives the totals. The policy's ladder names department heads, and a notice has many of
    them, so the lists go out here and the single-target escalation of the ladder is withdrawn."""
    if notice.state != NoticeState.PUBLISHED:
        return {"skipped": notice.state}
    pending = pending_people(notice)
    by_head: dict[int, list[Person]] = defaultdict(list)
    heads: dict[int, Person] = {}
    nobody: list[Person] = []
    for person in pending:
        head = head_of(person)
        if head is None:
            nobody.append(person)
            continue
        heads[head.pk] = head
        by_head[head.pk].append(person)
    report = []
    for head_id, people in by_head.items():
        head = heads[head_id]
        names = "、".join(f"{p.display_name}（{p.department.name if p.department else '—'}）" for p in people)
        _tell(
            notice,
            [head],
            _("【未确认名单】%(t)s") % {"t": notice.title},
            _("截至 %(when)s，您部门以下 %(n)d 人仍未确认：%(names)s。请督促确认。")
            % {"when": due_text(clock_row.due_at), "n": len(people), "names": names}
            + clause_line(clock_row),
            kind=MessageKind.ESCALATION,
            urgency="urgent",
        )
        report.append({"head": head.pk, "head_name": head.display_name, "people": [p.pk for p in people]})
    total = notice.receipts.count()
    _tell(
        notice,
        [notice.created_by],
        _("【确认截止】%(t)s：%(n)d 人未确认") % {"t": notice.title, "n": len(pending)},
        _("共 %(total)d 人，已确认 %(done)d 人。%(sent)s")
        % {
            "total": total,
            "done": total - len(pending),
            "sent": _("未确认名单已发送各部门负责人。") if report else "",
        },
        kind=MessageKind.INFO,
    )
    notice.deadline_report = report
    notice.save(update_fields=["deadline_report"])
    clock_cancel_escalations(subject=notice, limit="confirm", note=_("未确认名单已按部门发送负责人"))
    return {"pending": [p.pk for p in pending], "heads": sorted(heads), "no_head": [p.pk for p in nobody]}
