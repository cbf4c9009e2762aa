"""Reads of a person's inbox (a person only ever reads their own)."""

from __future__ import annotations

from django.conf import settings
from django.db.models import QuerySet
from django.http import HttpRequest

from xietong.notify.models import InboxMessage, MessageKind

FILTERS = {
    "all": None,
    "unread": None,
    "reminders": [MessageKind.REMINDER, MessageKind.OVERDUE, MessageKind.DIGEST],
    "escalations": [MessageKind.ESCALATION],
    "mentions": [MessageKind.MENTION],
}


def inbox_for(person, filter_key: str = "all") -> QuerySet[InboxMessage]:
    qs = InboxMessage.objects.filter(recipient=person).select_related("notification")
    if filter_key == "unread":
        qs = qs.filter(read_at__isnull=True)
    kinds = FILTERS.get(filter_key)
    if kinds:
        qs = qs.filter(notification__kind__in=kinds)
    return qs.order_by("-created_at", "-pk")


def unread_count(person) -> int:
    return InboxMessage.objects.filter(recipient=person, read_at__isnull=True).count()


def inbox_badge(request: HttpRequest) -> dict[str, object]:
    """Context processor: the unread count in the header and how often an open page refreshes it."""
    if not getattr(request, "user", None) or not request.user.is_authenticated:
        return {}
    return {"inbox_unread": unread_count(request.user), "badge_poll_seconds": settings.XIETONG_BADGE_POLL_SECONDS}
