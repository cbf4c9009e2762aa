"""关键时间节点 (里程碑) of a request, as 《多部门协同作业标准沟通流程》 lays them out: a dated node, or the N-th
working day from a start (第10个工作日 原型设计稿, 第12个工作日 评审, 第15个工作日 验收). Each node is a clock on its
owner (reminded a working day before, escalated when missed, the clause on every message); between nodes — and
between dependent tasks — the plan keeps the 1–2 day buffer the document asks for (预留1-2天缓冲期): the buffer
is a policy row (milestone/buffer), and a plan that leaves less is flagged on the request's page."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from xietong.clocks.services import policy_for
from xietong.clocks.sources import MULTI
from xietong.clocks.wording import limit_clause_line
from xietong.core.errors import ApplicationError
from xietong.items.process import ALL_LIMITS, Arm, Limit, Process, State, Step, StepContext, Tell
from xietong.items.runner import run_step
from xietong.requests.models import Milestone, Request
from xietong.workcal.engine import parse_duration
from xietong.workcal.selectors import calendar_for_project, engine_for

M = Milestone.State
DUE_CLAUSE = "确定关键时间节点(如需求完成截止点、阶段性成果交付日)"
BUFFER_CLAUSE = "时间节点应预留1-2天缓冲期"


def engine(request: Request):
    return engine_for(calendar_for_project(request.project))


def workday_date(request: Request, start: dt.date, n: int) -> dt.date:
    """第n个工作日 from `start`: `start` itself is the first when it is a working day (国庆 and weekends are
    skipped, a 调休 Saturday counts)."""
    if n < 1:
        raise ValueError("n must be at least 1")
    cal = engine(request)
    first = cal.next_working_day(start, include_today=True)
    return cal.add_working_days(first, n - 1)


def end_of(request: Request, day: dt.date) -> dt.datetime:
    """A node's date runs out at the end of that day's working hours (18:00; 12:00 on a half day)."""
    return engine(request).day_end(day)


def buffer_days() -> int:
    """The buffer the plan keeps between dependent dates, in working days (the milestone/buffer policy)."""
    policy = policy_for("milestone", "buffer")
    if policy is None:
        return 0
    return parse_duration(policy.duration).days


def gap(request: Request, before: dt.date, after: dt.date) -> int:
    """Working days strictly between two dates: the slack a dependent date leaves."""
    if after <= before:
        return 0
    return sum(1 for _day in engine(request).working_days(before + dt.timedelta(days=1), after - dt.timedelta(days=1)))


@dataclass(frozen=True)
class BufferWarning:
    text: str


def buffer_warnings(request: Request) -> list[BufferWarning]:
    """Dependent dates closer than the buffer: a node after its 前置节点, a task after its predecessor."""
    need = buffer_days()
    if need <= 0:
        return []
    warnings = []
    rows = [m for m in request.milestones.select_related("after") if m.state != M.CANCELLED]
    for node in rows:
        if node.after is None or node.after.state == M.CANCELLED:
            continue
        left = gap(request, node.after.due_date, node.due_date)
        if left < need:
            warnings.append(
                BufferWarning(
                    gettext(
                        "节点“%(b)s”（%(bd)s）与前置节点“%(a)s”（%(ad)s）之间只有 %(left)s 个工作日，少于缓冲期 %(need)s 个工作日"
                    )
                    % {
                        "b": node.title,
                        "bd": f"{node.due_date:%Y-%m-%d}",
                        "a": node.after.title,
                        "ad": f"{node.after.due_date:%Y-%m-%d}",
                        "left": left,
                        "need": need,
                    }
                )
            )
    tasks = getattr(request, "tasks", None)  # the tasks app's breakdown, when it is installed
    if tasks is not None:
        for task in tasks.prefetch_related("dependency_links__predecessor").order_by("position"):
            for link in task.dependency_links.all():
                before = link.predecessor
                left = gap(request, before.end_date, task.start_date)
                if left < need:
                    warnings.append(
                        BufferWarning(
                            gettext(
                                "任务“%(b)s”（%(bd)s 开始）依赖“%(a)s”（%(ad)s 结束），之间只有 %(left)s 个工作日，"
                                "少于缓冲期 %(need)s 个工作日"
                            )
                            % {
                                "b": task.title,
                                "bd": f"{task.start_date:%Y-%m-%d}",
                                "a": before.title,
                                "ad": f"{before.end_date:%Y-%m-%d}",
                                "left": left,
                                "need": need,
                            }
                        )
                    )
    return warnings


# --- who may ---------------------------------------------------------------------------------------
def either_side(person: Any, node: Milestone) -> bool:
    request = node.request
    return request.is_requester_side(person) or request.is_receiver_side(person)


def owner_or_side(person: Any, node: Milestone) -> bool:
    return person.pk == node.owner_id or either_side(person, node)


def _nobody(person: Any, node: Milestone) -> bool:
    return False


# --- what cannot be declared -------------------------------------------------------------------------
def planned_details(ctx: StepContext) -> None:
    node = ctx.item
    ctx.details.update(
        {
            "milestone": node.title,
            "due_date": f"{node.due_date:%Y-%m-%d}",
            **({"workday": node.workday, "start_date": f"{node.start_date:%Y-%m-%d}"} if node.is_relative else {}),
        }
    )


def replanned(ctx: StepContext) -> None:
    """A new date (a 需求变更, or the start of a relative node moved): the clock follows."""
    node = ctx.item
    new_date, new_start = ctx.inputs.get("due_date"), ctx.inputs.get("start_date")
    ctx.was["due_date"] = f"{node.due_date:%Y-%m-%d}"
    if node.is_relative and new_start is not None:
        node.start_date = new_start
        node.due_date = workday_date(node.request, new_start, node.workday)
        ctx.changed.update({"start_date", "due_date"})
    elif new_date is not None:
        node.due_date = new_date
        ctx.changed.add("due_date")
    else:
        raise ApplicationError(fields={"due_date": gettext("请填写新的节点日期")})
    planned_details(ctx)


def node_due(ctx: StepContext) -> dt.datetime:
    return end_of(ctx.item.request, ctx.item.due_date)


def node_params(ctx: StepContext) -> dict[str, Any]:
    node = ctx.item
    return {
        "label": f"{node.request.number} {node.request.title}",
        "node": node.title,
        "date": f"{node.due_date:%Y-%m-%d}",
        "was": ctx.was.get("due_date", ""),
        "basis": limit_clause_line(node, "due"),
    }


def owner(ctx: StepContext) -> list[Any]:
    return [ctx.item.owner]


def request_sides(ctx: StepContext) -> list[Any]:
    request = ctx.item.request
    return [request.requester, request.receiver_or_head]


ARM_DUE = Arm("due", owner=lambda m: m.owner, department=lambda m: m.request.receiving_department, due_at=node_due)

MILESTONE = Process(
    key="milestone",
    model=Milestone,
    label=_("关键时间节点"),
    related=("request", "owner"),
    owners=("owner",),
    requester="requester",
    audit_on=lambda node: node.request,  # its history is the request's
    audit_key="milestone",
    message_on=lambda node: node.request,
    states=(
        State(M.PLANNED, M.PLANNED.label, "info"),
        State(M.REACHED, M.REACHED.label, "ok", final=True),
        State(M.CANCELLED, M.CANCELLED.label, "muted", closed=True),
    ),
    steps=(
        Step(
            "plan",
            _("设定节点"),
            (M.PLANNED,),
            None,
            _nobody,
            system=True,
            apply=planned_details,
            arms=(ARM_DUE,),
            tells=(
                Tell(
                    to=owner,
                    title=_("【关键节点】%(label)s"),
                    body=_("您负责的节点“%(node)s”定于 %(due)s（%(date)s 下班前）完成。%(basis)s"),
                    limit="due",
                    params=node_params,
                ),
            ),
        ),
        Step(
            "replan",
            _("调整节点日期"),
            (M.PLANNED,),
            None,
            _nobody,
            system=True,
            apply=replanned,
            arms=(ARM_DUE,),
            tells=(
                Tell(
                    to=owner,
                    title=_("【节点调整】%(label)s"),
                    body=_("节点“%(node)s”由 %(was)s 调整为 %(date)s，请在 %(due)s 前完成。%(basis)s"),
                    limit="due",
                    params=node_params,
                ),
            ),
        ),
        Step(
            "reach",
            _("节点已达成"),
            (M.PLANNED,),
            M.REACHED,
            owner_or_side,
            "primary",
            stamps=("reached_at",),
            apply=planned_details,
            satisfies=("due",),
            tells=(
                Tell(
                    to=request_sides,
                    title=_("【节点达成】%(label)s"),
                    body=_("节点“%(node)s”（%(date)s）已达成（%(actor)s）。"),
                    kind="info",
                    params=node_params,
                ),
            ),
        ),
        Step(
            "cancel",
            _("取消节点"),
            (M.PLANNED,),
            M.CANCELLED,
            either_side,
            "danger",
            apply=planned_details,
            cancels=(ALL_LIMITS,),
        ),
    ),
    limits=(
        Limit(
            "due",
            "0m",
            remind_before="1d",
            ladder="standard",
            rule="关键时间节点：到期前 1 个工作日提醒责任人，当天下班前未达成即逾期并按升级路径升级",
            source=MULTI,
            clause="二",
            clause_text=DUE_CLAUSE,
            also="《多部门协同作业标准沟通流程》沟通记录表「第10个工作日」「第12个工作日」「第15个工作日」：按工作日计的节点",
        ),
        Limit(
            "buffer",
            "1d",
            rule="相互依赖的节点或任务之间至少留出的工作日；不足时在需求页面预警",
            label=_("依赖缓冲期"),
            source=MULTI,
            clause="关键执行要点提示",
            clause_text=BUFFER_CLAUSE,
        ),
    ),
)


# --- services --------------------------------------------------------------------------------------
def milestone_validate(request: Request, data: dict[str, Any]) -> dict[str, str]:
    errors: dict[str, str] = {}
    if not str(data.get("title") or "").strip():
        errors["title"] = gettext("请填写节点名称")
    if data.get("owner") is None:
        errors["owner"] = gettext("请选择责任人")
    workday, start, due = data.get("workday"), data.get("start_date"), data.get("due_date")
    if workday is not None:
        if workday < 1 or workday > 250:
            errors["workday"] = gettext("第几个工作日应为 1 到 250 之间的整数")
        if start is None:
            errors["start_date"] = gettext("按工作日计的节点需填写起算日")
    elif due is None:
        errors["due_date"] = gettext("请填写节点日期，或填写第几个工作日及起算日")
    after = data.get("after")
    if after is not None and after.request_id != request.pk:
        errors["after"] = gettext("前置节点须是本需求的节点")
    return errors


def milestone_add(*, actor: Any, request: Request, **data: Any) -> Milestone:
    """A new key node on the request, planned through the spine (its clock armed, its owner told)."""
    from xietong.core.errors import Forbidden

    if not (request.is_requester_side(actor) or request.is_receiver_side(actor)):
        raise Forbidden(gettext("只有发起方或接收方可以设定关键时间节点"))
    errors = milestone_validate(request, data)
    if errors:
        raise ApplicationError(gettext("关键时间节点填写有误"), fields=errors)
    workday = data.get("workday")
    due = workday_date(request, data["start_date"], workday) if workday is not None else data["due_date"]
    position = (request.milestones.order_by("-position").values_list("position", flat=True).first() or 0) + 1
    node = Milestone.objects.create(
        request=request,
        position=position,
        title=str(data["title"]).strip(),
        owner=data["owner"],
        start_date=data.get("start_date") if workday is not None else None,
        workday=workday,
        due_date=due,
        after=data.get("after"),
    )
    run_step(actor=actor, item=node, step="plan", as_system=True)
    return node
