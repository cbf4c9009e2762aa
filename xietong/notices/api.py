"""通知 over JSON: the same services, permission filter and counts as the pages."""

import datetime as dt
from typing import Literal

from django.utils import timezone
from django.utils.translation import gettext as _
from ninja import Field, Router, Schema, Status
from ninja.pagination import paginate

from xietong.core.api_errors import responses
from xietong.core.api_pagination import BoundedLimitOffset
from xietong.core.errors import ApplicationError, NotFound
from xietong.core.http import AuthedRequest
from xietong.core.permissions import access
from xietong.items.step_api import add_step_routes
from xietong.notices.models import Notice
from xietong.notices.process import NOTICE
from xietong.notices.selectors import SCOPES, can_track, notice_list, receipt_summary
from xietong.notices.services import notice_confirm, notice_create
from xietong.org.models import Department, Person, Project

router = Router(tags=["notices"])


class NoticeOut(Schema):
    id: int
    number: str
    title: str
    project_id: int | None
    department_id: int
    sender_id: int = Field(..., alias="created_by_id")
    body: str
    effective_date: dt.date
    requires_confirmation: bool
    confirm_by: dt.datetime | None
    target_everyone: bool
    target_department_ids: list[int]
    target_person_ids: list[int]
    state: str
    published_at: dt.datetime | None
    version: int

    @staticmethod
    def resolve_target_department_ids(obj: Notice) -> list[int]:
        return [d.pk for d in obj.target_departments.all()]

    @staticmethod
    def resolve_target_person_ids(obj: Notice) -> list[int]:
        return [p.pk for p in obj.target_people.all()]


class NoticeIn(Schema):
    title: str = Field(..., max_length=120)
    project_id: int | None = Field(None, description="所属项目；面向全公司或部门的通知可不填")
    body: str = Field(
        ...,
        max_length=50000,
        description="通知内容：默认按纯文本保存（原样显示）；body_format=html 时为简单 HTML，脚本等不安全内容会被移除",
    )
    body_format: Literal["text", "html"] = Field("text", description="text（默认）或 html")
    effective_date: dt.date
    requires_confirmation: bool = True
    confirm_by: dt.datetime | None = None
    target_everyone: bool = False
    target_department_ids: list[int] = Field(default_factory=list, max_length=100)
    target_person_ids: list[int] = Field(default_factory=list, max_length=2000)
    publish: bool = False


class TallyOut(Schema):
    label: str
    total: int
    confirmed: int
    pending: int
    percent: int


class ReceiptOut(Schema):
    person_id: int
    name: str
    department: str
    confirmed_at: dt.datetime | None


class SummaryOut(Schema):
    overall: TallyOut
    departments: list[TallyOut]
    receipts: list[ReceiptOut]


def _tally(t) -> dict:
    return {"label": t.label, "total": t.total, "confirmed": t.confirmed, "pending": t.pending, "percent": t.percent}


def _bulk(model, ids: list[int], field: str, what: str) -> list:
    found = model.objects.in_bulk(ids)
    missing = [str(pk) for pk in ids if pk not in found]
    if missing:
        raise ApplicationError(
            fields={
                field: _("以下%(what)s不存在：%(ids)s") % {"what": what, "ids": "、".join(f"#{m}" for m in missing)}
            }
        )
    return [found[pk] for pk in dict.fromkeys(ids)]


@router.get("/", response=responses(list[NoticeOut]), summary="通知列表（todo 待我确认 / sent 我发出的 / all）")
@paginate(BoundedLimitOffset)
def list_notices(request: AuthedRequest, scope: str = "todo", q: str = ""):
    return notice_list(request.user, scope if scope in SCOPES else "todo", q[:50])


@router.post("/", response=responses(NoticeOut, 201), summary="起草或发布通知")
def create_notice(request: AuthedRequest, payload: NoticeIn):
    project = None
    if payload.project_id is not None:
        project = Project.objects.restrict(request.user).filter(pk=payload.project_id).first()
    if payload.project_id is not None and project is None:
        raise ApplicationError(fields={"project_id": _("项目不存在或您不是其成员")})
    confirm_by = payload.confirm_by
    if confirm_by is not None and timezone.is_naive(confirm_by):
        confirm_by = timezone.make_aware(confirm_by)
    notice = notice_create(
        actor=request.user,
        departments=_bulk(Department, payload.target_department_ids, "target_department_ids", _("部门")),
        people=_bulk(Person, payload.target_person_ids, "target_person_ids", _("人员")),
        publish=payload.publish,
        title=payload.title,
        project=project,
        body=payload.body,
        body_format=payload.body_format,
        effective_date=payload.effective_date,
        requires_confirmation=payload.requires_confirmation,
        confirm_by=confirm_by,
        target_everyone=payload.target_everyone,
    )
    return Status(201, notice)


@router.get("/{notice_id}", response=responses(NoticeOut), summary="通知详情")
def get_notice(request: AuthedRequest, notice_id: int):
    return access(request.user, Notice, notice_id)


@router.post("/{notice_id}/confirm", response=responses(ReceiptOut), summary="确认已阅")
def confirm(request: AuthedRequest, notice_id: int):
    notice = access(request.user, Notice, notice_id)
    receipt = notice_confirm(actor=request.user, notice=notice)
    return {
        "person_id": receipt.person_id,
        "name": request.user.display_name,
        "department": receipt.department.name if receipt.department else "",
        "confirmed_at": receipt.confirmed_at,
    }


@router.get(
    "/{notice_id}/receipts",
    response=responses(SummaryOut),
    summary="确认情况：合计、按部门、按人员（发布人与相关负责人）",
)
def receipts(request: AuthedRequest, notice_id: int):
    notice = access(request.user, Notice, notice_id)
    if not can_track(request.user, notice):
        raise NotFound()
    summary = receipt_summary(notice)
    return {
        "overall": _tally(summary.overall),
        "departments": [_tally(t) for t in summary.departments],
        "receipts": [
            {
                "person_id": r.person_id,
                "name": r.person.display_name,
                "department": r.department.name if r.department else "",
                "confirmed_at": r.confirmed_at,
            }
            for r in summary.receipts
        ],
    }


add_step_routes(router, NOTICE, NoticeOut, noun="通知")
