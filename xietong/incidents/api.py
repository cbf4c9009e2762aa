"""紧急事项 over JSON: the same services and permission filter as the pages."""

import datetime as dt

from django.utils.translation import gettext as _
from ninja import Field, Router, Schema, Status
from ninja.pagination import paginate

from xietong.clocks.selectors import open_clock
from xietong.core.api_errors import responses
from xietong.core.api_pagination import BoundedLimitOffset
from xietong.core.api_types import LocalDateTime
from xietong.core.errors import ApplicationError
from xietong.core.http import AuthedRequest
from xietong.core.permissions import access
from xietong.incidents.models import ImprovementAction, Incident, IncidentEntry
from xietong.incidents.process import IMPROVEMENT, INCIDENT
from xietong.incidents.selectors import SCOPES, incident_list
from xietong.incidents.services import (
    ActionDraft,
    improvement_done,
    incident_acknowledge,
    incident_assign_team,
    incident_control,
    incident_leader_report,
    incident_notice_save,
    incident_plan,
    incident_post_update,
    incident_report,
    incident_resolve,
    incident_review,
    incident_written_report,
)
from xietong.items.step_api import add_step_routes
from xietong.org.models import Department, Person, Project

router = Router(tags=["incidents"])


def _due(incident: Incident, limit: str) -> dt.datetime | None:
    clock = open_clock(incident, limit)
    return clock.limit_due_at if clock is not None else None


class MemberOut(Schema):
    person_id: int
    duty: str
    assigned_at: dt.datetime
    acknowledged_at: dt.datetime | None
    ready_note: str


class IncidentOut(Schema):
    id: int
    number: str
    title: str
    state: str
    description: str
    occurred_at: dt.datetime
    scope: str
    measures_taken: str
    project_id: int | None
    reporting_department_id: int
    responsible_department_id: int
    lead_id: int
    created_by_id: int
    reported_at: dt.datetime
    team_assigned_at: dt.datetime | None
    controlled_at: dt.datetime | None
    resolved_at: dt.datetime | None
    reviewed_at: dt.datetime | None
    cause: str
    resolution_measures: str
    impact_minutes: int | None
    customer_notice: str
    notice_published_at: dt.datetime | None
    notice_sent_to: str
    detailed_report: str
    detailed_report_at: dt.datetime | None
    emergency_plan: str
    plan_at: dt.datetime | None
    review_summary: str
    next_status_due: dt.datetime | None
    written_report_due: dt.datetime | None = Field(description="紧急事项报告的时限（上报后 1 小时；未提交时）")
    plan_due: dt.datetime | None = Field(description="应急方案的时限（上报后 2 小时；未制定时）")
    leader_report_due: dt.datetime | None = Field(description="下次向分管领导汇报的时限（每 4 小时，直至控制）")
    team: list[MemberOut]
    version: int

    @staticmethod
    def resolve_team(obj: Incident) -> list[MemberOut]:
        return [
            MemberOut(
                person_id=m.person_id,
                duty=m.duty,
                assigned_at=m.assigned_at,
                acknowledged_at=m.acknowledged_at,
                ready_note=m.ready_note,
            )
            for m in obj.memberships.all()
        ]

    @staticmethod
    def resolve_next_status_due(obj: Incident) -> dt.datetime | None:
        return _due(obj, "status")

    @staticmethod
    def resolve_written_report_due(obj: Incident) -> dt.datetime | None:
        return _due(obj, "written_report")

    @staticmethod
    def resolve_plan_due(obj: Incident) -> dt.datetime | None:
        return _due(obj, "plan")

    @staticmethod
    def resolve_leader_report_due(obj: Incident) -> dt.datetime | None:
        return _due(obj, "leader_report")


class EntryOut(Schema):
    id: int
    kind: str
    author_id: int | None
    body: str
    due_at: dt.datetime | None
    created_at: dt.datetime


class IncidentActionOut(Schema):
    id: int
    number: str
    incident_id: int
    title: str
    owner_id: int
    department_id: int
    due_date: dt.date
    state: str
    done_at: dt.datetime | None
    done_note: str


class ReportIn(Schema):
    description: str = Field("", max_length=3000)
    title: str = Field("", max_length=120)
    occurred_at: LocalDateTime | None = None
    scope: str = Field("", max_length=3000)
    measures_taken: str = Field("", max_length=3000)
    responsible_department_id: int | None = None
    lead_id: int | None = None
    project_id: int | None = None


class MemberIn(Schema):
    person_id: int
    duty: str = Field("", max_length=200)


class TeamIn(Schema):
    members: list[MemberIn] = Field(..., max_length=30)


class UpdateIn(Schema):
    body: str = Field("", max_length=3000)
    kind: str = "status"


class AckIn(Schema):
    ready_note: str = Field("", max_length=300)


class IncidentNoteIn(Schema):
    note: str = Field("", max_length=3000)


class WrittenReportIn(Schema):
    report: str = Field("", max_length=3000, description="《紧急事项报告》：问题类型、影响程度、初步应对措施")


class EmergencyPlanIn(Schema):
    plan: str = Field("", max_length=3000, description="应急方案：各小组职责与资源调配需求")


class LeaderReportIn(Schema):
    body: str = Field("", max_length=3000, description="向分管领导汇报的进展")


class ResolveIn(Schema):
    cause: str = Field("", max_length=3000)
    measures: str = Field("", max_length=3000)


class CustomerNoticeIn(Schema):
    text: str = Field("", max_length=10000)
    publish: bool = False
    recipients: list[str] = Field(default_factory=list, description="发布时发送至的邮箱（受影响用户或客服群发地址）")


class ActionIn(Schema):
    title: str = Field("", max_length=120)
    owner_id: int | None = None
    due_date: dt.date | None = None


class ReviewIn(Schema):
    summary: str = Field("", max_length=3000)
    actions: list[ActionIn] = Field(default_factory=list, max_length=20)


def _person(pk: int | None, field: str) -> Person | None:
    if pk is None:
        return None
    person = Person.objects.filter(pk=pk, is_active=True).first()
    if person is None:
        raise ApplicationError(_("输入有误"), fields={field: _("人员不存在：#%(id)s") % {"id": pk}})
    return person


def _incident(request: AuthedRequest, incident_id: int) -> Incident:
    return access(request.user, Incident, incident_id)


def _fresh(incident: Incident) -> Incident:
    return Incident.objects.prefetch_related("memberships").get(pk=incident.pk)


@router.get("/", response=responses(list[IncidentOut]), summary="紧急事项列表（仅可见范围内）")
@paginate(BoundedLimitOffset)
def list_incidents(request: AuthedRequest, scope: str = "all", q: str = ""):
    return incident_list(request.user, scope if scope in SCOPES else "all", q[:50]).prefetch_related("memberships")


@router.post("/", response=responses(IncidentOut, 201), summary="上报紧急事项")
def report(request: AuthedRequest, payload: ReportIn):
    department = None
    if payload.responsible_department_id is not None:
        department = Department.objects.filter(pk=payload.responsible_department_id).first()
        if department is None:
            raise ApplicationError(
                _("紧急事项信息有误"),
                fields={
                    "responsible_department_id": _("部门不存在：#%(id)s") % {"id": payload.responsible_department_id}
                },
            )
    project = None
    if payload.project_id is not None:
        project = Project.objects.restrict(request.user).filter(pk=payload.project_id).first()
        if project is None:
            raise ApplicationError(_("紧急事项信息有误"), fields={"project_id": _("项目不存在或您不是其成员")})
    incident = incident_report(
        actor=request.user,
        description=payload.description,
        title=payload.title,
        occurred_at=payload.occurred_at,
        scope=payload.scope,
        measures_taken=payload.measures_taken,
        responsible_department=department,
        lead=_person(payload.lead_id, "lead_id"),
        project=project,
    )
    return Status(201, _fresh(incident))


@router.get("/actions/{action_id}", response=responses(IncidentActionOut), summary="改进措施详情")
def get_action(request: AuthedRequest, action_id: int):
    return access(request.user, ImprovementAction, action_id)


@router.post("/actions/{action_id}/done", response=responses(IncidentActionOut), summary="完成改进措施")
def action_done(request: AuthedRequest, action_id: int, payload: IncidentNoteIn):
    action = access(request.user, ImprovementAction, action_id)
    return improvement_done(actor=request.user, action=action, note=payload.note)


@router.get("/{incident_id}", response=responses(IncidentOut), summary="紧急事项详情（含下次状态更新时间）")
def get_incident(request: AuthedRequest, incident_id: int):
    return _fresh(_incident(request, incident_id))


@router.get("/{incident_id}/entries", response=responses(list[EntryOut]), summary="处置记录（状态更新、决策、告警）")
def list_entries(request: AuthedRequest, incident_id: int):
    return list(IncidentEntry.objects.filter(incident=_incident(request, incident_id)))


@router.post("/{incident_id}/team", response=responses(IncidentOut), summary="明确应急小组分工")
def assign_team(request: AuthedRequest, incident_id: int, payload: TeamIn):
    incident = _incident(request, incident_id)
    members = [(_person(m.person_id, "members"), m.duty) for m in payload.members]
    incident_assign_team(actor=request.user, incident=incident, members=[(p, d) for p, d in members if p is not None])
    return _fresh(incident)


@router.post("/{incident_id}/acknowledge", response=responses(IncidentOut), summary="确认到位")
def acknowledge(request: AuthedRequest, incident_id: int, payload: AckIn):
    incident = _incident(request, incident_id)
    incident_acknowledge(actor=request.user, incident=incident, ready_note=payload.ready_note)
    return _fresh(incident)


@router.post("/{incident_id}/updates", response=responses(EntryOut, 201), summary="更新处理状态或记录决策")
def post_update(request: AuthedRequest, incident_id: int, payload: UpdateIn):
    incident = _incident(request, incident_id)
    return Status(
        201, incident_post_update(actor=request.user, incident=incident, body=payload.body, kind=payload.kind)
    )


@router.post("/{incident_id}/written-report", response=responses(IncidentOut), summary="提交紧急事项报告（1 小时内）")
def written_report(request: AuthedRequest, incident_id: int, payload: WrittenReportIn):
    incident = _incident(request, incident_id)
    incident_written_report(actor=request.user, incident=incident, report=payload.report)
    return _fresh(incident)


@router.post("/{incident_id}/plan", response=responses(IncidentOut), summary="制定应急方案（2 小时内）")
def plan(request: AuthedRequest, incident_id: int, payload: EmergencyPlanIn):
    incident = _incident(request, incident_id)
    incident_plan(actor=request.user, incident=incident, plan=payload.plan)
    return _fresh(incident)


@router.post(
    "/{incident_id}/leader-report", response=responses(IncidentOut), summary="向分管领导汇报进展（每 4 小时，直至控制）"
)
def leader_report(request: AuthedRequest, incident_id: int, payload: LeaderReportIn):
    incident = _incident(request, incident_id)
    incident_leader_report(actor=request.user, incident=incident, body=payload.body)
    return _fresh(incident)


@router.post("/{incident_id}/control", response=responses(IncidentOut), summary="风险已控制")
def control(request: AuthedRequest, incident_id: int, payload: IncidentNoteIn):
    incident = _incident(request, incident_id)
    incident_control(actor=request.user, incident=incident, note=payload.note)
    return _fresh(incident)


@router.post("/{incident_id}/resolve", response=responses(IncidentOut), summary="宣布问题已解决（紧急事务处理报告）")
def resolve(request: AuthedRequest, incident_id: int, payload: ResolveIn):
    incident = _incident(request, incident_id)
    incident_resolve(actor=request.user, incident=incident, cause=payload.cause, measures=payload.measures)
    return _fresh(incident)


@router.put("/{incident_id}/notice", response=responses(IncidentOut), summary="编辑或发布用户告知函")
def notice(request: AuthedRequest, incident_id: int, payload: CustomerNoticeIn):
    incident = _incident(request, incident_id)
    incident_notice_save(
        actor=request.user, incident=incident, text=payload.text, publish=payload.publish, recipients=payload.recipients
    )
    return _fresh(incident)


@router.post("/{incident_id}/review", response=responses(list[IncidentActionOut]), summary="复盘：结论与改进措施")
def review(request: AuthedRequest, incident_id: int, payload: ReviewIn):
    incident = _incident(request, incident_id)
    return incident_review(
        actor=request.user,
        incident=incident,
        summary=payload.summary,
        actions=[ActionDraft(a.title, _person(a.owner_id, "actions"), a.due_date) for a in payload.actions],
    )


# GET …/{incident_id}/actions and POST …/{incident_id}/transitions/{name} (风险已控制 and the other steps),
# and the same for an improvement action under /actions/{action_id}/ (完成).
add_step_routes(router, INCIDENT, IncidentOut, noun="紧急事项")
improvement_steps = Router(tags=["incidents"])
add_step_routes(improvement_steps, IMPROVEMENT, IncidentActionOut, noun="改进措施")
router.add_router("/actions", improvement_steps)
