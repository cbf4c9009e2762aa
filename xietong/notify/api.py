from __future__ import annotations

import datetime as dt

from ninja import Router, Schema
from ninja.pagination import paginate

from xietong.core.api_errors import responses
from xietong.core.api_pagination import BoundedLimitOffset
from xietong.core.http import AuthedRequest
from xietong.notify.selectors import FILTERS, inbox_for, unread_count
from xietong.notify.services import inbox_mark_all_read, inbox_mark_read

router = Router(tags=["inbox"])


class MessageOut(Schema):
    id: int
    kind: str
    urgency: str
    title: str
    body: str
    url: str
    created_at: dt.datetime
    read_at: dt.datetime | None

    @staticmethod
    def resolve_kind(obj) -> str:
        return obj.notification.kind

    @staticmethod
    def resolve_urgency(obj) -> str:
        return obj.notification.urgency

    @staticmethod
    def resolve_title(obj) -> str:
        return obj.notification.title

    @staticmethod
    def resolve_body(obj) -> str:
        return obj.notification.body

    @staticmethod
    def resolve_url(obj) -> str:
        return obj.notification.url


class UnreadOut(Schema):
    unread: int


@router.get("/messages", response=responses(list[MessageOut]), summary="我的收件箱")
@paginate(BoundedLimitOffset)
def messages(request: AuthedRequest, filter: str = "all"):
    return inbox_for(request.user, filter if filter in FILTERS else "all")


@router.get("/unread", response=responses(UnreadOut), summary="未读数")
def unread(request: AuthedRequest) -> UnreadOut:
    return UnreadOut(unread=unread_count(request.user))


@router.post("/messages/{message_id}/read", response=responses(MessageOut), summary="标为已读")
def read(request: AuthedRequest, message_id: int):
    return inbox_mark_read(person=request.user, message_id=message_id)


@router.post("/read-all", response=responses(UnreadOut), summary="全部标为已读")
def read_all(request: AuthedRequest) -> UnreadOut:
    inbox_mark_all_read(person=request.user)
    return UnreadOut(unread=0)
