"""问题 over JSON: the same services and permission filter as the pages."""

import datetime as dt
from decimal import Decimal

from django.utils.translation import gettext as _
from ninja import Field, Query, Router, Schema, Status
from ninja.pagination import paginate

from xietong.clocks.selectors import open_clock
from xietong.core.api_errors import responses
from xietong.core.api_pagination import BoundedLimitOffset
from xietong.core.errors import ApplicationError
from xietong.core.http import AuthedRequest
from xietong.core.permissions import access
from xietong.items.step_api import add_step_routes
from xietong.org.models import Department, Person, Project
from xietong.problems.choices import ProblemUrgency
from xietong.problems.models import Problem
from xietong.problems.process import PROBLEM
from xietong.problems.selectors import SCOPES, ProblemFilters, case_search, ledger_rows, problem_list
from xietong.problems.services import (
    problem_dispatch,
    problem_file,
    problem_plan,
    problem_progress,
    problem_resubmit,
    problem_set_urgency,
    problem_solve,
)

router = Router(tags=["problems"])


class ProblemOut(Schema):
    id: int
    number: str
    title: str
    project_id: int
    state: str
    urgency: str
    filing_department_id: int
    created_by_id: int
    background: str
    current_state: str
    impact: str
    expected_date: dt.date
    filed_at: dt.datetime
    endorser_id: int | None
    endorsed_at: dt.datetime | None
    return_note: str
    lead_department_id: int | None
    owner_id: int | None
    helper_department_ids: list[int]
    helper_ids: list[int]
    cc_ids: list[int]
    basis: str
    deadline: dt.date | None
    dispatched_at: dt.datetime | None
    first_progress_at: dt.datetime | None
    solved_at: dt.datetime | None
    confirmed_at: dt.datetime | None
    next_update_due: dt.datetime | None
    version: int

    @staticmethod
    def resolve_helper_department_ids(obj: Problem) -> list[int]:
        return [d.pk for d in obj.helper_departments.all()]

    @staticmethod
    def resolve_helper_ids(obj: Problem) -> list[int]:
        return [p.pk for p in obj.helpers.all()]

    @staticmethod
    def resolve_cc_ids(obj: Problem) -> list[int]:
        return [p.pk for p in obj.cc.all()]

    @staticmethod
    def resolve_next_update_due(obj: Problem) -> dt.datetime | None:
        clock = open_clock(obj, "update_due")
        return clock.limit_due_at if clock is not None else None


class ProblemIn(Schema):
    title: str = Field(..., max_length=120)
    project_id: int
    background: str = Field("", max_length=3000)
    current_state: str = Field("", max_length=3000)
    impact: str = Field("", max_length=3000)
    urgency: ProblemUrgency = ProblemUrgency.MEDIUM
    expected_date: dt.date


class DispatchIn(Schema):
    lead_department_id: int
    owner_id: int | None = None
    helper_department_ids: list[int] = Field(default_factory=list, max_length=30)
    basis: str = Field("", max_length=3000)
    deadline: dt.date | None = None
    version: int | None = None


class ProgressIn(Schema):
    progress: str = Field("", max_length=3000)
    risk: str = Field("", max_length=3000)
    next_step: str = Field("", max_length=3000)
    major_risk: bool = False
    version: int | None = None


class SolutionIn(Schema):
    cause: str = Field("", max_length=3000)
    measures: str = Field("", max_length=3000)
    effect: str = Field("", max_length=3000)
    version: int | None = None


class MeasureIn(Schema):
    measure: str = Field("", max_length=3000)
    owner_id: int | None = None
    due_date: dt.date | None = None


class PlanIn(Schema):
    measures: list[MeasureIn] = Field(default_factory=list, max_length=20)
    consultation: str = Field("", max_length=3000)
    version: int | None = None


class MeasureOut(Schema):
    position: int
    measure: str
    owner_id: int
    due_date: dt.date


class PlanOut(Schema):
    id: int
    author_id: int
    consultation: str
    created_at: dt.datetime
    measures: list[MeasureOut]

    @staticmethod
    def resolve_measures(obj) -> list:
        return list(obj.measures.all())


class ResubmitIn(Schema):
    title: str = Field(..., max_length=120)
    background: str = Field("", max_length=3000)
    current_state: str = Field("", max_length=3000)
    impact: str = Field("", max_length=3000)
    urgency: ProblemUrgency = ProblemUrgency.MEDIUM
    expected_date: dt.date
    version: int | None = None


class UrgencyIn(Schema):
    urgency: str
    reason: str = Field("", max_length=3000)
    version: int | None = None


class ProgressOut(Schema):
    id: int
    author_id: int
    progress: str
    risk: str
    next_step: str
    major_risk: bool
    due_at: dt.datetime | None
    created_at: dt.datetime
    on_time: bool


class ProblemListFilters(Schema):
    scope: str = "all"
    state: str = ""
    urgency: str = ""
    overdue: bool = False
    q: str = Field("", max_length=50)


class LedgerOut(Schema):
    id: int
    number: str
    title: str
    state: str
    filed_at: dt.datetime
    endorsed_at: dt.datetime | None
    dispatched_at: dt.datetime | None
    first_progress_at: dt.datetime | None
    solved_at: dt.datetime | None
    confirmed_at: dt.datetime | None
    dispatch_hours: Decimal | None
    response_hours: Decimal | None
    solve_hours: Decimal | None
    confirm_hours: Decimal | None
    total_hours: Decimal | None
    update_count: int


class CaseOut(Schema):
    id: int
    number: str
    title: str
    current_state: str
    measures: list[str]
    effects: list[str]
    confirmed_at: dt.datetime | None

    @staticmethod
    def resolve_measures(obj: Problem) -> list[str]:
        return [r.measures for r in getattr(obj, "confirmed_reports", [])]

    @staticmethod
    def resolve_effects(obj: Problem) -> list[str]:
        return [r.effect for r in getattr(obj, "confirmed_reports", [])]


def _prefetched(qs):
    return qs.prefetch_related("helper_departments", "helpers", "cc")


@router.get("/", response=responses(list[ProblemOut]), summary="问题列表（仅可见范围内）")
@paginate(BoundedLimitOffset)
def list_problems(request: AuthedRequest, filters: Query[ProblemListFilters]):
    return _prefetched(
        problem_list(
            request.user,
            ProblemFilters(
                scope=filters.scope if filters.scope in SCOPES else "all",
                state=filters.state,
                urgency=filters.urgency,
                overdue=filters.overdue,
                q=filters.q,
            ),
        )
    )


@router.post("/", response=responses(ProblemOut, 201), summary="提报问题（问题提报表）")
def file_problem(request: AuthedRequest, payload: ProblemIn):
    project = Project.objects.restrict(request.user).filter(pk=payload.project_id).first()
    if project is None:
        raise ApplicationError(fields={"project_id": _("项目不存在或您不是其成员")})
    problem = problem_file(
        actor=request.user,
        title=payload.title,
        project=project,
        background=payload.background,
        current_state=payload.current_state,
        impact=payload.impact,
        urgency=payload.urgency.value,
        expected_date=payload.expected_date,
    )
    return Status(201, problem)


@router.get("/ledger", response=responses(list[LedgerOut]), summary="问题处理台账（各阶段时间与工作小时用时）")
def ledger(request: AuthedRequest, state: str = "", q: str = ""):
    return [
        LedgerOut(
            id=row.problem.pk,
            number=row.problem.number,
            title=row.problem.title,
            state=row.problem.state,
            filed_at=row.filed_at,
            endorsed_at=row.endorsed_at,
            dispatched_at=row.dispatched_at,
            first_progress_at=row.first_progress_at,
            solved_at=row.solved_at,
            confirmed_at=row.confirmed_at,
            dispatch_hours=row.dispatch_hours,
            response_hours=row.response_hours,
            solve_hours=row.solve_hours,
            confirm_hours=row.confirm_hours,
            total_hours=row.total_hours,
            update_count=row.update_count,
        )
        for row in ledger_rows(request.user, state=state, q=q[:50])
    ]


@router.get("/cases", response=responses(list[CaseOut]), summary="案例库（已确认解决的问题，关键词筛选）")
@paginate(BoundedLimitOffset)
def cases(request: AuthedRequest, q: str = ""):
    return case_search(request.user, q[:100])


@router.get("/{problem_id}", response=responses(ProblemOut), summary="问题详情")
def get_problem(request: AuthedRequest, problem_id: int):
    return access(request.user, Problem, problem_id)


@router.get("/{problem_id}/updates", response=responses(list[ProgressOut]), summary="问题处理进度表")
def list_updates(request: AuthedRequest, problem_id: int):
    return list(access(request.user, Problem, problem_id).updates.all())


def _department(pk: int, field: str) -> Department:
    department = Department.objects.filter(pk=pk).first()
    if department is None:
        raise ApplicationError(_("分派信息有误"), fields={field: _("部门不存在：#%(id)s") % {"id": pk}})
    return department


@router.post("/{problem_id}/dispatch", response=responses(ProblemOut), summary="分派（综合管理部）")
def dispatch(request: AuthedRequest, problem_id: int, payload: DispatchIn):
    problem = access(request.user, Problem, problem_id)
    owner = None
    if payload.owner_id is not None:
        owner = Person.objects.filter(pk=payload.owner_id, is_active=True).first()
        if owner is None:
            raise ApplicationError(
                _("分派信息有误"), fields={"owner_id": _("人员不存在：#%(id)s") % {"id": payload.owner_id}}
            )
    return problem_dispatch(
        actor=request.user,
        problem=problem,
        lead_department=_department(payload.lead_department_id, "lead_department_id"),
        owner=owner,
        helper_departments=[_department(pk, "helper_department_ids") for pk in payload.helper_department_ids],
        basis=payload.basis,
        deadline=payload.deadline,
        expected_version=payload.version,
    )


@router.post(
    "/{problem_id}/resubmit",
    response=responses(ProblemOut),
    summary="修改后重新提交（部门负责人退回后，提报人修改问题提报表再交部门负责人审核）",
)
def resubmit(request: AuthedRequest, problem_id: int, payload: ResubmitIn):
    problem = access(request.user, Problem, problem_id)
    data = payload.dict(exclude={"version"})
    data["urgency"] = payload.urgency.value
    return problem_resubmit(actor=request.user, problem=problem, expected_version=payload.version, **data)


@router.get("/{problem_id}/plans", response=responses(list[PlanOut]), summary="解决方案（各版，最新在后）")
def list_plans(request: AuthedRequest, problem_id: int):
    return list(access(request.user, Problem, problem_id).plans.prefetch_related("measures"))


@router.post(
    "/{problem_id}/plan",
    response=responses(PlanOut, 201),
    summary="制定解决方案（具体措施、责任人、计划完成时间；反馈进度与解决报告之前必须先有）",
)
def plan(request: AuthedRequest, problem_id: int, payload: PlanIn):
    problem = access(request.user, Problem, problem_id)
    wanted = {m.owner_id for m in payload.measures if m.owner_id is not None}
    people = Person.objects.in_bulk(wanted)
    measures = [
        {
            "measure": m.measure,
            "owner": people.get(m.owner_id, m.owner_id) if m.owner_id else None,
            "due_date": m.due_date,
        }
        for m in payload.measures
    ]
    created = problem_plan(
        actor=request.user,
        problem=problem,
        measures=measures,
        consultation=payload.consultation,
        expected_version=payload.version,
    )
    return Status(201, created)


@router.post("/{problem_id}/progress", response=responses(ProgressOut, 201), summary="反馈进度")
def progress(request: AuthedRequest, problem_id: int, payload: ProgressIn):
    problem = access(request.user, Problem, problem_id)
    update = problem_progress(
        actor=request.user,
        problem=problem,
        progress=payload.progress,
        risk=payload.risk,
        next_step=payload.next_step,
        major_risk=payload.major_risk,
        expected_version=payload.version,
    )
    return Status(201, update)


@router.post("/{problem_id}/solution", response=responses(ProblemOut), summary="提交问题解决报告")
def solution(request: AuthedRequest, problem_id: int, payload: SolutionIn):
    problem = access(request.user, Problem, problem_id)
    problem_solve(
        actor=request.user,
        problem=problem,
        cause=payload.cause,
        measures=payload.measures,
        effect=payload.effect,
        expected_version=payload.version,
    )
    return Problem.objects.get(pk=problem.pk)


@router.post(
    "/{problem_id}/urgency", response=responses(ProblemOut), summary="调整紧急程度（升为“高”时进度改为每日反馈）"
)
def urgency(request: AuthedRequest, problem_id: int, payload: UrgencyIn):
    problem = access(request.user, Problem, problem_id)
    return problem_set_urgency(
        actor=request.user,
        problem=problem,
        urgency=payload.urgency,
        reason=payload.reason,
        expected_version=payload.version,
    )


# GET …/{problem_id}/actions and POST …/{problem_id}/transitions/{name} (审核签署 / 退回提报人 / 确认解决 /
# 退回继续处理 / 撤回).
add_step_routes(router, PROBLEM, ProblemOut, noun="问题")
