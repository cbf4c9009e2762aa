"""项目复盘, as 《企业内部沟通指南与协作工具》二（一）步骤4 states it: 「项目上线后3个工作日内,项目经理组织复盘会,总结经验
教训……输出《项目复盘报告》并归档至企业知识库」. Recording the go-live (上线) of a request's results starts a clock
of 3 working days from the go-live instant, owned by the project manager (the project's lead, else the
initiator), with the reminder and escalation its policy names; filing the 复盘报告 meets it and closes the item,
which the archive then files as a 复盘报告 named 类型-项目名称-日期."""

from __future__ import annotations

from typing import Any

from django.db import transaction
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from xietong.acceptance.models import Retrospective
from xietong.clocks.sources import GUIDE
from xietong.core import clock
from xietong.core.errors import ApplicationError, Forbidden, InvalidState
from xietong.core.permissions import VIEW, authorize
from xietong.items.numbering import number_next
from xietong.items.process import Arm, Limit, Process, Reason, State, Step, StepContext, Tell
from xietong.items.runner import run_step
from xietong.org.models import Person
from xietong.requests.choices import RequestState
from xietong.requests.models import Request

S = Retrospective.State
LIVE_STATES = (RequestState.COMPLETED, RequestState.CLOSED)


def project_manager(request: Request) -> Any:
    """项目经理: the project's lead; the initiator when the project names none."""
    lead = request.project.lead if request.project_id else None
    return lead if lead is not None and lead.is_active else request.requester


def may_record_go_live(person: Any, request: Request) -> bool:
    return (
        request.is_requester_side(person)
        or request.is_receiver_side(person)
        or person.pk == getattr(project_manager(request), "pk", None)
    )


def manager(person: Any, item: Retrospective) -> bool:
    return person.pk == item.manager_id


def live_params(ctx: StepContext) -> dict[str, Any]:
    return {"live": clock.local(ctx.item.went_live_at).strftime("%Y-%m-%d %H:%M")}


def everyone_on_the_request(ctx: StepContext) -> list[Any]:
    request = ctx.item.request
    people = [request.requester, request.receiver, *(p.contact for p in request.participations.all())]
    return [p for p in people if p is not None and p.pk != ctx.actor.pk]


RETROSPECTIVE = Process(
    key="retrospective",
    model=Retrospective,
    label=gettext_lazy("项目复盘"),
    related=("request", "manager", "project"),
    owners=("manager",),
    states=(
        State(S.DUE, S.DUE.label, "warn"),
        State(S.FILED, S.FILED.label, "ok", closed=True),
    ),
    steps=(
        # Taken by retrospective_go_live as it records the go-live.
        Step(
            "go_live",
            gettext_lazy("记录上线"),
            (S.DUE,),
            None,
            may_record_go_live,
            system=True,
            records_state=False,
            arms=(
                Arm(
                    "retrospective",
                    owner=lambda r: r.manager,
                    department=lambda r: r.manager.department,
                    start=lambda ctx: ctx.item.went_live_at,
                ),
            ),
            tells=(
                Tell(
                    to=lambda ctx: [ctx.item.manager],
                    title=gettext_lazy("【待复盘】%(label)s"),
                    body=gettext_lazy(
                        "项目已于 %(live)s 上线，请在 %(due)s 前（%(limit)s内）组织复盘会，总结经验教训并提交《项目复盘报告》。"
                    ),
                    limit="retrospective",
                    params=live_params,
                ),
            ),
        ),
        Step(
            "file",
            gettext_lazy("提交复盘报告"),
            (S.DUE,),
            S.FILED,
            manager,
            "primary",
            reason=Reason(
                gettext_lazy("经验教训"),
                keep_in="report",
                missing=gettext_lazy("请写明复盘总结的经验教训，如“需求变更流程需优化”"),
            ),
            stamps=("filed_at",),
            satisfies=("retrospective",),
            refusal=lambda item: _("只有项目经理 %(p)s 可以提交复盘报告") % {"p": item.manager.display_name},
            tells=(
                Tell(
                    to=everyone_on_the_request,
                    title=gettext_lazy("【复盘报告】%(label)s"),
                    body="%(reason)s",
                    kind="info",
                ),
            ),
        ),
    ),
    limits=(
        Limit(
            "retrospective",
            "3d",
            remind_before="1d",
            ladder="standard",
            rule="项目上线后 3 个工作日内，项目经理组织复盘会，输出《项目复盘报告》并归档",
            label=gettext_lazy("项目复盘"),
            source=GUIDE,
            clause="二（一）步骤4",
            clause_text="项目上线后3个工作日内,项目经理组织复盘会",
        ),
    ),
)


@transaction.atomic
def retrospective_go_live(*, actor: Person, request: Request, went_live_at: Any = None) -> Retrospective:
    """上线: the request's results went live at `went_live_at` (now when not given; never in the future)."""
    authorize(actor, VIEW, request)
    request = Request.objects.select_for_update(of=("self",)).select_related("project__lead").get(pk=request.pk)
    if not may_record_go_live(actor, request):
        raise Forbidden(_("上线由需求双方或项目经理记录"))
    if request.state not in LIVE_STATES:
        raise InvalidState(_("成果验收通过后才能记录上线"))
    if Retrospective.objects.filter(request=request).exists():
        raise InvalidState(_("这份需求已记录上线"))
    now = clock.now()
    went_live_at = went_live_at or now
    if went_live_at > now:
        raise ApplicationError(fields={"went_live_at": _("上线时间不能晚于现在")})
    item = Retrospective.objects.create(
        number=number_next("FP"),
        title=(_("项目复盘报告：%(t)s") % {"t": request.title})[:120],
        project=request.project,
        created_by=actor,
        request=request,
        manager=project_manager(request),
        went_live_at=went_live_at,
    )
    inputs = {"went_live_at": went_live_at}
    return run_step(actor=actor, item=item, step="go_live", inputs=inputs, as_system=True, fresh=True)


@transaction.atomic
def retrospective_file(*, actor: Person, retrospective: Retrospective, report: str) -> Retrospective:
    """The 《项目复盘报告》: the lessons learned; the item closes and the archive files it."""
    return run_step(actor=actor, item=retrospective, step="file", reason=report)
