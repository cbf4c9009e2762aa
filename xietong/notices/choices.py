"""States of a notice (内部事务通知确认单) and who may move it."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

from xietong.items.transitions import StateMachine, Transition


class NoticeState(models.TextChoices):
    DRAFT = "draft", _("草稿")
    PUBLISHED = "published", _("已发布")
    WITHDRAWN = "withdrawn", _("已撤回")


STATE_TONES = {"draft": "muted", "published": "ok", "withdrawn": "muted"}


def _sender(person, notice) -> bool:
    return person.pk == notice.created_by_id


def _sender_with_pending(person, notice) -> bool:
    return (
        _sender(person, notice)
        and notice.requires_confirmation
        and notice.receipts.filter(confirmed_at__isnull=True).exists()
    )


S = NoticeState
MACHINE = StateMachine(
    [
        Transition("publish", _("发布"), (S.DRAFT,), S.PUBLISHED, _sender, "primary"),
        Transition("remind", _("提醒未确认人员"), (S.PUBLISHED,), S.PUBLISHED, _sender_with_pending),
        Transition("withdraw", _("撤回"), (S.PUBLISHED,), S.WITHDRAWN, _sender, "danger", needs_reason=True),
    ],
    dict(NoticeState.choices),
)
REASON_LABELS = {"withdraw": _("撤回原因")}
