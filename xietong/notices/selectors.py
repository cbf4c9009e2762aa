"""Reads of notices, always through the permission filter: lists, and the confirmed / pending counts per
department and per person that the sender follows."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from django.db.models import Exists, OuterRef, Q, QuerySet
from django.utils.translation import gettext as _

from xietong.core.permissions import reach_of
from xietong.notices.choices import NoticeState
from xietong.notices.models import Notice, NoticeReceipt

SCOPES = ("todo", "sent", "all")


def _pending_for(person) -> Exists:
    return Exists(NoticeReceipt.objects.filter(notice=OuterRef("pk"), person=person, confirmed_at__isnull=True))


def notice_list(user, scope: str = "todo", q: str = "") -> QuerySet[Notice]:
    qs: Any = (
        Notice.objects.restrict(user)
        .select_related("project", "department", "created_by")
        .annotate(pending_for_me=_pending_for(user))
    )
    if scope == "todo":
        qs = qs.filter(state=NoticeState.PUBLISHED, pending_for_me=True)
    elif scope == "sent":
        qs = qs.filter(created_by=user)
    if q:
        qs = qs.filter(Q(title__icontains=q) | Q(number__icontains=q))
    return qs.order_by("-created_at", "-pk")


@dataclass
class Tally:
    label: str
    total: int = 0
    confirmed: int = 0

    @property
    def pending(self) -> int:
        return self.total - self.confirmed

    @property
    def percent(self) -> int:
        """Whole percent confirmed, rounded down (100 only when everyone has confirmed)."""
        return (self.confirmed * 100 // self.total) if self.total else 0


@dataclass
class ReceiptSummary:
    overall: Tally
    departments: list[Tally] = field(default_factory=list)
    receipts: list[NoticeReceipt] = field(default_factory=list)


def receipt_summary(notice: Notice) -> ReceiptSummary:
    """Confirmed / pending overall, per department (as it was when published) and per person."""
    receipts = list(
        notice.receipts.select_related("person", "department").order_by(
            "department__sort_order", "confirmed_at", "person__username"
        )
    )
    overall = Tally(_("合计"))
    departments: dict[int | None, Tally] = {}
    for r in receipts:
        tally = departments.setdefault(
            r.department_id, Tally(r.department.name if r.department else _("（未分配部门）"))
        )
        for t in (tally, overall):
            t.total += 1
            t.confirmed += r.confirmed_at is not None
    return ReceiptSummary(overall, list(departments.values()), receipts)


def can_track(user, notice: Notice) -> bool:
    """The sender, the heads of the departments concerned, the general manager and the coordinators see who
    confirmed; a plain recipient sees only their own receipt."""
    reach = reach_of(user)
    if reach is None:
        return False
    if reach.sees_all or notice.created_by_id == user.pk or notice.department_id in reach.led_department_ids:
        return True
    return notice.observers.filter(pk=user.pk).exists()


def my_receipt(notice: Notice, person) -> NoticeReceipt | None:
    return notice.receipts.filter(person=person).first()
