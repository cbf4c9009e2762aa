"""客户需求沟通进度同步表 and 新人入职 over JSON, with the same services and permission filter."""

import datetime as dt

from django.utils.translation import gettext as _
from ninja import Field, Router, Schema, Status
from ninja.pagination import paginate

from xietong.core.api_errors import responses
from xietong.core.api_pagination import BoundedLimitOffset
from xietong.core.errors import ApplicationError
from xietong.core.http import AuthedRequest
from xietong.core.permissions import access
from xietong.items.step_api import add_step_routes
from xietong.lighter.models import CustomerRequirement, Onboarding, OnboardingStep
from xietong.lighter.process import CUSTOMER, ONBOARDING
from xietong.lighter.selectors import customer_list, onboarding_list
from xietong.lighter.services import (
    StepDraft,
    customer_add_row,
    customer_create,
    onboarding_create,
    onboarding_step_done,
)
from xietong.org.models import Person, Project

router = Router(tags=["lighter"])


class RowOut(Schema):
    id: int
    date: dt.date
    stage: str
    progress: str
    people_ids: list[int]
    next_step: str
    risk: str
    response: str

    @staticmethod
    def resolve_people_ids(obj) -> list[int]:
        return [p.pk for p in obj.people.all()]


class CustomerOut(Schema):
    id: int
    number: str
    title: str
    customer: str
    description: str
    owner_id: int
    department_id: int
    project_id: int | None
    state: str
    rows: list[RowOut]

    @staticmethod
    def resolve_rows(obj: CustomerRequirement) -> list:
        return list(obj.rows.prefetch_related("people"))


class CustomerIn(Schema):
    title: str = Field("", max_length=120)
    customer: str = Field("", max_length=80)
    description: str = Field("", max_length=3000)
    owner_id: int | None = None
    project_id: int | None = None


class RowIn(Schema):
    date: dt.date | None = None
    stage: str = Field("", max_length=40)
    progress: str = Field("", max_length=3000)
    people_ids: list[int] = Field(default_factory=list, max_length=30)
    next_step: str = Field("", max_length=3000)
    risk: str = Field("", max_length=3000)
    response: str = Field("", max_length=3000)


class StepOut(Schema):
    id: int
    position: int
    title: str
    owner_id: int
    due_date: dt.date
    done_at: dt.datetime | None


class OnboardingOut(Schema):
    id: int
    number: str
    newcomer_id: int
    department_id: int
    contact_id: int
    start_date: dt.date
    duties: str
    process_links: str
    state: str
    steps: list[StepOut]

    @staticmethod
    def resolve_steps(obj: Onboarding) -> list:
        return list(obj.steps.all())


class StepIn(Schema):
    title: str = Field("", max_length=120)
    owner_id: int | None = None
    due_date: dt.date | None = None


class OnboardingIn(Schema):
    newcomer_id: int
    contact_id: int
    start_date: dt.date
    duties: str = Field("", max_length=3000)
    process_links: str = Field("", max_length=3000)
    steps: list[StepIn] = Field(default_factory=list, max_length=30)


class LighterNoteIn(Schema):
    note: str = Field("", max_length=300)


def _person(pk: int | None, field: str) -> Person | None:
    if pk is None:
        return None
    person = Person.objects.filter(pk=pk, is_active=True).first()
    if person is None:
        raise ApplicationError(_("输入有误"), fields={field: _("人员不存在：#%(id)s") % {"id": pk}})
    return person


@router.get("/customers", response=responses(list[CustomerOut]), summary="客户需求列表")
@paginate(BoundedLimitOffset)
def list_customers(request: AuthedRequest, scope: str = "all", q: str = ""):
    return customer_list(request.user, scope, q[:50])


@router.post("/customers", response=responses(CustomerOut, 201), summary="新建客户需求")
def create_customer(request: AuthedRequest, payload: CustomerIn):
    project = None
    if payload.project_id is not None:
        project = Project.objects.restrict(request.user).filter(pk=payload.project_id).first()
        if project is None:
            raise ApplicationError(fields={"project_id": _("项目不存在或您不是其成员")})
    item = customer_create(
        actor=request.user,
        title=payload.title,
        customer=payload.customer,
        description=payload.description,
        owner=_person(payload.owner_id, "owner_id"),
        project=project,
    )
    return Status(201, item)


@router.get("/customers/{pk}", response=responses(CustomerOut), summary="客户需求沟通进度同步表")
def get_customer(request: AuthedRequest, pk: int):
    return access(request.user, CustomerRequirement, pk)


@router.post("/customers/{pk}/rows", response=responses(RowOut, 201), summary="添加一行沟通进度")
def add_row(request: AuthedRequest, pk: int, payload: RowIn):
    item = access(request.user, CustomerRequirement, pk)
    people = [p for pid in payload.people_ids if (p := _person(pid, "people_ids")) is not None]
    row = customer_add_row(
        actor=request.user,
        requirement=item,
        date=payload.date,
        stage=payload.stage,
        progress=payload.progress,
        people=people,
        next_step=payload.next_step,
        risk=payload.risk,
        response=payload.response,
    )
    return Status(201, row)


@router.get("/onboarding", response=responses(list[OnboardingOut]), summary="新人入职列表")
@paginate(BoundedLimitOffset)
def list_onboarding(request: AuthedRequest, scope: str = "all"):
    return onboarding_list(request.user, scope)


@router.post("/onboarding", response=responses(OnboardingOut, 201), summary="安排新人入职")
def create_onboarding(request: AuthedRequest, payload: OnboardingIn):
    item = onboarding_create(
        actor=request.user,
        newcomer=_person(payload.newcomer_id, "newcomer_id"),
        contact=_person(payload.contact_id, "contact_id"),
        start_date=payload.start_date,
        duties=payload.duties,
        process_links=payload.process_links,
        steps=[StepDraft(s.title, _person(s.owner_id, "steps"), s.due_date) for s in payload.steps],
    )
    return Status(201, item)


@router.get("/onboarding/{pk}", response=responses(OnboardingOut), summary="入职安排与进度")
def get_onboarding(request: AuthedRequest, pk: int):
    return access(request.user, Onboarding, pk)


@router.post("/onboarding/steps/{step_id}/done", response=responses(StepOut), summary="完成入职事项")
def step_done(request: AuthedRequest, step_id: int, payload: LighterNoteIn):
    step = OnboardingStep.objects.filter(pk=step_id).first()
    onboarding = access(request.user, Onboarding, step.onboarding_id if step else 0)
    assert step is not None and step.onboarding_id == onboarding.pk
    return onboarding_step_done(actor=request.user, step=step, note=payload.note)


# GET …/{pk}/actions and POST …/{pk}/transitions/{name} of both processes (闭环; a step of the checklist
# is ticked through …/steps/{step_id}/done, which names it).
for prefix, process, item_out, noun in (
    ("/customers", CUSTOMER, CustomerOut, "客户需求"),
    ("/onboarding", ONBOARDING, OnboardingOut, "新人入职"),
):
    steps = Router(tags=["lighter"])
    add_step_routes(steps, process, item_out, noun=noun)
    router.add_router(prefix, steps)
