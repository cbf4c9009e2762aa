"""Reads of a person's inbox (a person only ever reads their own)."""

from __future__ import annotations

from django.db.models import QuerySet

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
