"""会议 over JSON: the same services and permission filter as the pages."""

import datetime as dt

from django.utils import timezone
from django.utils.translation import gettext as _
from ninja import Field, Query, Router, Schema, Status
from ninja.pagination import paginate

from xietong.core.api_errors import responses
from xietong.core.api_pagination import BoundedLimitOffset
from xietong.core.errors import ApplicationError
from xietong.core.http import AuthedRequest
from xietong.core.permissions import access
from xietong.items.step_api import add_step_routes
from xietong.meetings.answers import meeting_respond
from xietong.meetings.choices import MeetingMode
from xietong.meetings.minutes_process import ACTION_ITEM
from xietong.meetings.models import ActionItem, Meeting, MeetingType, Room
from xietong.meetings.process import MEETING
from xietong.meetings.selectors import (
    ACTION_SCOPES,
    SCOPES,
    MeetingFilters,
    action_item_list,
    action_rows,
    meeting_list,
)
from xietong.meetings.services import meeting_create
from xietong.org.models import Person, Project

router = Router(tags=["meetings"])


class ParticipantOut(Schema):
    person_id: int
    name: str
    role: str
    response: str
    reason: str
    responded_at: dt.datetime | None


class MeetingOut(Schema):
    id: int
    number: str
    title: str
    project_id: int
    meeting_type_id: int
    state: str
    organizer_id: int
    department_id: int
    chair_id: int
    recorder_id: int | None
    approver_id: int | None
    goal: str
    agenda: list[str]
    materials: str
    start_at: dt.datetime
    end_at: dt.datetime
    mode: str
    room_id: int | None
    online_link: str
    series_id: int | None
    late_application: bool
    notice_sent_at: dt.datetime | None
    notice_deadline: dt.date | None
    late_notice: bool
    participants: list[ParticipantOut]
    version: int

    @staticmethod
    def resolve_participants(obj: Meeting) -> list[dict]:
        return [
            {
                "person_id": p.person_id,
                "name": p.person.display_name,
                "role": p.role,
                "response": p.response,
                "reason": p.reason,
                "responded_at": p.responded_at,
            }
            for p in obj.participations.select_related("person")
        ]


class MeetingIn(Schema):
    title: str = Field(..., max_length=120)
    project_id: int
    meeting_type_id: int
    start_at: dt.datetime
    end_at: dt.datetime
    mode: MeetingMode = MeetingMode.ROOM
    room_id: int | None = None
    online_link: str = Field("", max_length=300)
    chair_id: int | None = None
    recorder_id: int | None = None
    participant_ids: list[int] = Field(default_factory=list, max_length=200)
    goal: str = Field("", max_length=2000)
    agenda: list[str] = Field(default_factory=list, max_length=30)
    materials: str = Field("", max_length=2000)
    repeat_until: dt.date | None = None


class RespondIn(Schema):
    response: str = Field(..., description="accepted 确认参加 / declined 请假")
    reason: str = Field("", max_length=300)


class MeetingListFilters(Schema):
    scope: str = "all"
    state: str = ""
    late_notice: bool = False
    q: str = Field("", max_length=50)


class RoomOut(Schema):
    id: int
    name: str
    location: str
    capacity: int


class MeetingTypeOut(Schema):
    id: int
    name: str
    code: str
    max_minutes: int
    requires_approval: bool
    application_working_days: int
    notice_working_days: int


class ActionItemOut(Schema):
    id: int
    number: str
    meeting_id: int
    title: str
    owner_id: int
    due_date: dt.date
    state: str
    status: str

    @staticmethod
    def resolve_status(obj: ActionItem | dict) -> str:
        """进行中 / 已逾期 … as the lists show it."""
        return obj["status"] if isinstance(obj, dict) else action_rows([obj])[0].status


def _aware(value: dt.datetime) -> dt.datetime:
    return timezone.make_aware(value) if timezone.is_naive(value) else value


def _person(pk: int | None, field: str) -> Person | None:
    if pk is None:
        return None
    person = Person.objects.filter(pk=pk).first()
    if person is None:
        raise ApplicationError(fields={field: _("人员 #%(id)s 不存在") % {"id": pk}})
    return person


@router.get("/rooms", response=responses(list[RoomOut]), summary="会议室")
def list_rooms(request: AuthedRequest):
    return Room.objects.filter(is_active=True)


@router.get("/types", response=responses(list[MeetingTypeOut]), summary="会议类型及其规则")
def list_types(request: AuthedRequest):
    return MeetingType.objects.filter(is_active=True)


@router.get("/action-items/", response=responses(list[ActionItemOut]), summary="决议事项（mine / overdue / all）")
@paginate(BoundedLimitOffset)
def list_action_items(request: AuthedRequest, scope: str = "mine"):
    items = list(action_item_list(request.user, scope if scope in ACTION_SCOPES else "mine"))
    return [{**_action_dict(row.item), "status": row.status} for row in action_rows(items)]


def _action_dict(item: ActionItem) -> dict:
    return {
        "id": item.pk,
        "number": item.number,
        "meeting_id": item.meeting_id,
        "title": item.title,
        "owner_id": item.owner_id,
        "due_date": item.due_date,
        "state": item.state,
    }


@router.get("/action-items/{item_id}", response=responses(ActionItemOut), summary="决议事项详情")
def get_action_item(request: AuthedRequest, item_id: int):
    item = access(request.user, ActionItem.objects.select_related("meeting__project"), item_id)
    return {**_action_dict(item), "status": action_rows([item])[0].status}


action_items = Router(tags=["meetings"])
add_step_routes(action_items, ACTION_ITEM, ActionItemOut, noun="决议事项")
router.add_router("/action-items", action_items)


@router.get("/", response=responses(list[MeetingOut]), summary="会议列表（仅可见范围内）")
@paginate(BoundedLimitOffset)
def list_meetings(request: AuthedRequest, filters: Query[MeetingListFilters]):
    return meeting_list(
        request.user,
        MeetingFilters(
            scope=filters.scope if filters.scope in SCOPES else "all",
            state=filters.state,
            late_notice=filters.late_notice,
            q=filters.q,
        ),
    )


@router.post("/", response=responses(MeetingOut, 201), summary="填写会议申请表（草稿；可每周重复）")
def create_meeting(request: AuthedRequest, payload: MeetingIn):
    project = Project.objects.restrict(request.user).filter(pk=payload.project_id).first()
    if project is None:
        raise ApplicationError(fields={"project_id": _("项目不存在或您不是其成员")})
    meeting_type = MeetingType.objects.filter(pk=payload.meeting_type_id, is_active=True).first()
    if meeting_type is None:
        raise ApplicationError(fields={"meeting_type_id": _("会议类型不存在")})
    room = None
    if payload.room_id is not None:
        room = Room.objects.filter(pk=payload.room_id).first()
        if room is None:
            raise ApplicationError(fields={"room_id": _("会议室 #%(id)s 不存在") % {"id": payload.room_id}})
    people = Person.objects.in_bulk(payload.participant_ids)
    missing = [str(pk) for pk in payload.participant_ids if pk not in people]
    if missing:
        raise ApplicationError(
            fields={"participant_ids": _("以下人员不存在：%(ids)s") % {"ids": "、".join(f"#{m}" for m in missing)}}
        )
    saved = meeting_create(
        actor=request.user,
        participants=[people[pk] for pk in dict.fromkeys(payload.participant_ids)],
        repeat_until=payload.repeat_until,
        title=payload.title,
        project=project,
        meeting_type=meeting_type,
        start_at=_aware(payload.start_at),
        end_at=_aware(payload.end_at),
        mode=payload.mode.value,
        room=room,
        online_link=payload.online_link,
        chair=_person(payload.chair_id, "chair_id"),
        recorder=_person(payload.recorder_id, "recorder_id"),
        goal=payload.goal,
        agenda=payload.agenda,
        materials=payload.materials,
    )
    return Status(201, saved.meeting)


@router.get("/{meeting_id}", response=responses(MeetingOut), summary="会议详情")
def get_meeting(request: AuthedRequest, meeting_id: int):
    return access(request.user, Meeting, meeting_id)


add_step_routes(router, MEETING, MeetingOut, noun="会议")


@router.post("/{meeting_id}/respond", response=responses(MeetingOut), summary="确认参加或请假（需填写原因）")
def respond(request: AuthedRequest, meeting_id: int, payload: RespondIn):
    item = access(request.user, Meeting, meeting_id)
    meeting_respond(actor=request.user, meeting=item, response=payload.response, reason=payload.reason)
    return Meeting.objects.get(pk=item.pk)


@router.get("/{meeting_id}/action-items", response=responses(list[ActionItemOut]), summary="本次会议的决议事项及其进度")
def meeting_action_items(request: AuthedRequest, meeting_id: int):
    item = access(request.user, Meeting, meeting_id)
    items = list(item.action_items.select_related("meeting__project").order_by("position"))
    return [{**_action_dict(row.item), "status": row.status} for row in action_rows(items)]
