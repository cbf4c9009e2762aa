"""消息响应: someone @mentioned on an item, or asked for help with 【需协助】, answers within the "message"
process's reply limit (004: 工作时间内消息响应不超过2小时（紧急情况除外）) — by a comment on the same item, which
meets the clock. Each request is a row with its own clock (one open request per person and item: a second
mention before the answer keeps the first clock); an emergency's items are exempt (their app says so). The
person sees what waits on their answer on the workbench."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from typing import Any

from django.db import models
from django.utils.translation import gettext as _

from xietong.clocks.models import Clock, ClockState
from xietong.clocks.services import clock_arm, clock_satisfy
from xietong.clocks.wording import due_text
from xietong.core import clock
from xietong.core.workbench import WorkbenchEntry, WorkbenchSection
from xietong.items.models import Comment, ReplyRequest

PROCESS = "message"
LIMIT = "reply"
ASSIST = "【需协助】"
# The policy row: what the product does, and where 004 says so (its exact words, the document's punctuation).
POLICY: dict[str, object] = {
    "process": PROCESS,
    "priority": "*",
    "kind": LIMIT,
    "duration": "2h",
    "mode": "working",
    "remind_before": "30m",
    "escalate_after": "",
    "ladder": "",
    "description": "被 @ 或标记【需协助】后，在事项上答复",
    "source": "内部沟通与协调工作机制",
    "clause": "二（一）",
    "clause_text": "要求工作时间内消息响应不超过2小时(紧急情况除外)",
}

_exempt: set[str] = set()


def exempt_from_replies(model_label: str) -> None:
    """Items of this model are emergencies: messages on them are answered at once, not on a clock."""
    _exempt.add(model_label.lower())


def reply_policies() -> Iterator[dict[str, object]]:
    yield POLICY


def _key(subject: models.Model) -> dict[str, Any]:
    return {"subject_type": subject._meta.label_lower, "subject_id": subject.pk}


def ask_reply(
    *, subject: models.Model, person: Any, asked_by: Any, question: str, assist: bool = False
) -> ReplyRequest | None:
    """`person` is asked to answer on `subject`: a request row and its clock (none on an emergency's item, or
    when one asks oneself). Inside the caller's transaction."""
    if subject._meta.label_lower in _exempt or person.pk == asked_by.pk:
        return None
    waiting = ReplyRequest.objects.filter(**_key(subject), person=person, answered_at__isnull=True).first()
    if waiting is not None:
        if assist and not waiting.assist:
            waiting.assist = True
            waiting.save(update_fields=["assist"])
        return waiting
    request = ReplyRequest.objects.create(
        **_key(subject), person=person, asked_by=asked_by, assist=assist, question=question[:300], asked_at=clock.now()
    )
    clock_arm(
        subject=request,
        process=PROCESS,
        limit=LIMIT,
        owner=person,
        department=getattr(person, "department", None),
        project=getattr(subject, "project", None),
    )
    return request


def answer_replies(*, subject: models.Model, person: Any, comment: Comment) -> int:
    """`person` commented on `subject`: whatever was waiting on their answer there is answered."""
    waiting = list(ReplyRequest.objects.filter(**_key(subject), person=person, answered_at__isnull=True))
    for request in waiting:
        request.answered_at = comment.created_at
        request.answer = comment
        request.save(update_fields=["answered_at", "answer"])
        clock_satisfy(subject=request, limit=LIMIT, at=comment.created_at)
    return len(waiting)


def after_comment(*, actor: Any, subject: models.Model, comment: Comment, mentioned: Iterable[Any]) -> None:
    """A comment answers the author's open requests on the item and asks everyone it mentions."""
    answer_replies(subject=subject, person=actor, comment=comment)
    assist = ASSIST in comment.body
    for person in mentioned:
        ask_reply(subject=subject, person=person, asked_by=actor, question=comment.body, assist=assist)


def assist_without_anyone(body: str, mentioned: Iterable[Any]) -> bool:
    return ASSIST in body and not list(mentioned)


def my_replies(person: Any) -> WorkbenchSection:
    """待我答复: each request still waiting on `person`, with its due time; overdue ones in red."""
    waiting = list(ReplyRequest.objects.filter(person=person, answered_at__isnull=True).select_related("asked_by")[:10])
    due = {
        c.subject_id: c
        for c in Clock.objects.filter(
            subject_type="items.replyrequest",
            subject_id__in=[r.pk for r in waiting],
            kind=LIMIT,
            state__in=[ClockState.ARMED, ClockState.FIRED],
            closed_at__isnull=True,
        )
    }
    now = clock.now()
    entries = []
    for request in waiting:
        row = due.get(request.pk)
        late = row is not None and row.limit_due_at <= now
        flag = _("【需协助】") if request.assist else "@"
        meta = _("%(flag)s %(who)s：%(q)s") % {
            "flag": flag,
            "who": request.asked_by.display_name,
            "q": request.question[:60],
        }
        if row is not None:
            meta += " · " + (_("已超时（应于 %(due)s 前答复）") if late else _("请于 %(due)s 前答复")) % {
                "due": due_text(row.limit_due_at)
            }
        entries.append(WorkbenchEntry(str(request), request.get_absolute_url(), meta, "late" if late else "warn"))
    return WorkbenchSection(
        key="replies",
        title=_("待我答复"),
        entries=entries,
        empty_text=_("没有等待您答复的消息。"),
    )
