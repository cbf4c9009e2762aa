"""问题提报, as 内部沟通与协调工作机制（三（一），模板1）states it: anyone files a 问题提报表; it goes through the
filing department's head (步骤2 责任人「发起部门负责人→综合管理部」), who signs it or returns it with a reason —
a head filing their own signs it by filing; 综合管理部 dispatches it to a lead department within its limit,
copying the division leaders concerned; the lead department records its 解决方案 (步骤3「明确具体措施、责任人、
时间节点」) before it reports progress on a cadence (daily when urgent) and files a 问题解决报告; the filer
confirms it or sends it back. The documents set no limit for the head's signature: no clock runs on it."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from typing import Any

from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from xietong.clocks.selectors import open_clock
from xietong.core.audit import snapshot
from xietong.core.errors import ApplicationError
from xietong.items.process import ALL_LIMITS, Arm, Limit, Nav, Process, Reason, State, Step, StepContext, Tell
from xietong.org.models import Department, Person
from xietong.org.roles import manager_chain
from xietong.org.tree import DepartmentTree
from xietong.problems.choices import ProblemState, ProblemUrgency, policy_priority
from xietong.problems.models import PlanMeasure, Problem, ProgressUpdate, SolutionPlan, SolutionReport
from xietong.problems.validation import dispatch_values, filing_values, plan_values, progress_values, solution_values
from xietong.workcal.selectors import calendar_for_project, engine_for

S = ProblemState
FILE_FIELDS = ("title", "project", "background", "current_state", "impact", "urgency", "expected_date")
EDIT_FIELDS = ("title", "background", "current_state", "impact", "urgency", "expected_date")
DISPATCH_FIELDS = ("lead_department", "owner", "helper_departments", "helpers", "cc", "basis", "deadline")


# --- who may ---------------------------------------------------------------------------------------
def coordinator(person: Any, problem: Problem) -> bool:
    """综合管理部 (the coordinating office) reviews and dispatches."""
    return bool(person.is_coordinator)


def handler(person: Any, problem: Problem) -> bool:
    """The lead department's owner, or that department's head."""
    lead = problem.lead_department
    return person.pk == problem.owner_id or (lead is not None and person.pk == lead.head_id)


def filer(person: Any, problem: Problem) -> bool:
    """The filer, or the head of the filing department (发起部门确认验收)."""
    return person.pk == problem.created_by_id or person.pk == problem.filing_department.head_id


def endorsing_head(person: Any, problem: Problem) -> bool:
    """The filing department's head named when it was filed (部门负责人审核签署)."""
    return problem.endorser_id is not None and person.pk == problem.endorser_id


def the_filer_only(person: Any, problem: Problem) -> bool:
    return person.pk == problem.created_by_id


def may_change_urgency(person: Any, problem: Problem) -> bool:
    return filer(person, problem) or coordinator(person, problem)


# --- who answers, who hears ------------------------------------------------------------------------
def head_for(department: Department | None) -> Person | None:
    """The head who signs for a department: its own, else the nearest one up the tree (active)."""
    if department is None:
        return None
    ids = [n.head_id for n in DepartmentTree.load().ancestors(department.pk) if n.head_id]
    heads = Person.objects.in_bulk(ids)
    return next((heads[i] for i in ids if i in heads and heads[i].is_active), None)


def coordinating_office() -> Department | None:
    return Department.objects.filter(is_coordinating_office=True).select_related("head").order_by("pk").first()


def coordinators(ctx: StepContext | None = None) -> list[Person]:
    return list(Person.objects.filter(is_coordinator=True, is_active=True).order_by("pk"))


def dispatch_owner(problem: Problem) -> Person | None:
    """Who answers for the dispatch limit: the coordinating office's head, else a coordinator."""
    office = coordinating_office()
    if office is not None and office.head is not None and office.head.is_active:
        return office.head
    people = coordinators()
    return people[0] if people else None


def division_leaders(departments: Iterable[Department]) -> list[Person]:
    """The 分管领导 of each department concerned (the nearest one up the tree), each once."""
    leaders: dict[int, Person] = {}
    for department in departments:
        rung = manager_chain(None, department=department)[1]
        if rung.person is not None:
            leaders[rung.person.pk] = rung.person
    return list(leaders.values())


def deadline_instant(problem: Problem) -> dt.datetime | None:
    """The 完成时限 date means the end of that day's working hours in the project's calendar."""
    if problem.deadline is None:
        return None
    return engine_for(calendar_for_project(problem.project)).day_end(problem.deadline)


def urgent_if_high(problem: Problem) -> str:
    return "urgent" if problem.urgency == ProblemUrgency.HIGH else "normal"


def the_owner(ctx: StepContext) -> list[Any]:
    return [ctx.item.owner]


def the_filer(ctx: StepContext) -> list[Any]:
    return [ctx.item.created_by]


def copied(ctx: StepContext) -> list[Any]:
    """The division leaders and the filer hear of the dispatch (the owner has their own message)."""
    return [p for p in [*ctx.item.cc.all(), ctx.item.created_by] if p.pk != ctx.item.owner_id]


# --- what cannot be declared -------------------------------------------------------------------------
def record_filing(ctx: StepContext) -> None:
    ctx.details.update(snapshot(ctx.item, FILE_FIELDS))


def the_endorser(ctx: StepContext) -> list[Any]:
    return [ctx.item.endorser]


def filing_params(ctx: StepContext) -> dict[str, Any]:
    problem = ctx.item
    implicit = ctx.inputs.get("implicit", "")
    if implicit == "no_head":
        endorsement = str(_("提报部门未设部门负责人，直接提交"))
    elif implicit == "self":
        endorsement = str(_("由部门负责人本人提报"))
    else:
        endorsement = _("经部门负责人 %(head)s 审核签署") % {"head": ctx.actor.display_name if ctx.actor else ""}
    return {
        "dept": problem.filing_department.name,
        "urgency": problem.get_urgency_display(),
        "filer": problem.created_by.display_name,
        "endorsement": endorsement,
    }


def record_endorsement(ctx: StepContext) -> None:
    implicit = ctx.inputs.get("implicit", "")
    if implicit:
        ctx.details["implicit"] = implicit


def check_resubmission(ctx: StepContext) -> None:
    values, errors = filing_values(ctx.actor, ctx.item, ctx.inputs)
    if errors:
        raise ApplicationError(_("问题提报表填写不完整或有误"), fields=errors)
    ctx.inputs.update(values)


def record_resubmission(ctx: StepContext) -> None:
    problem = ctx.item
    ctx.was.update(snapshot(problem, EDIT_FIELDS))
    for name in EDIT_FIELDS:
        setattr(problem, name, ctx.inputs[name])
    problem.return_note = ""
    ctx.changed.update({*EDIT_FIELDS, "return_note"})
    ctx.details.update(snapshot(problem, EDIT_FIELDS))


def check_plan(ctx: StepContext) -> None:
    values, errors = plan_values(ctx.item, ctx.inputs)
    if errors:
        raise ApplicationError(_("解决方案不完整或有误"), fields=errors)
    ctx.inputs.update(values)


def record_plan(ctx: StepContext) -> None:
    data = ctx.inputs
    plan = SolutionPlan.objects.create(
        problem=ctx.item, author=ctx.actor, consultation=data["consultation"], created_at=ctx.now
    )
    PlanMeasure.objects.bulk_create(
        PlanMeasure(plan=plan, position=i, measure=m["measure"], owner=m["owner"], due_date=m["due_date"])
        for i, m in enumerate(data["measures"], start=1)
    )
    ctx.details.update(
        {
            "plan": plan.pk,
            "measures": [
                {"measure": m["measure"][:200], "owner": m["owner"].pk, "due_date": m["due_date"].isoformat()}
                for m in data["measures"]
            ],
        }
    )


def plan_text(ctx: StepContext) -> str:
    return "；".join(
        _("%(i)d. %(measure)s（责任人 %(owner)s，%(date)s 前完成）")
        % {"i": i, "measure": m["measure"], "owner": m["owner"].display_name, "date": m["due_date"].isoformat()}
        for i, m in enumerate(ctx.inputs["measures"], start=1)
    )


def plan_params(ctx: StepContext) -> dict[str, Any]:
    return {"plan": plan_text(ctx)[:1000]}


def plan_audience(ctx: StepContext) -> list[Any]:
    """The filer, the helpers' heads and each measure's owner hear the plan (the author does not)."""
    people = [ctx.item.created_by, *ctx.item.helpers.all(), *(m["owner"] for m in ctx.inputs["measures"])]
    return [p for p in people if ctx.actor is None or p.pk != ctx.actor.pk]


def needs_plan(ctx: StepContext) -> None:
    """步骤3: 制定解决方案 first — no progress report or solution report without one."""
    if not ctx.item.plans.exists():
        refusal = _("请先制定解决方案（明确具体措施、责任人、计划完成时间），再%(action)s") % {"action": ctx.step.label}
        raise ApplicationError(refusal, fields={"plan": refusal})


def check_dispatch(ctx: StepContext) -> None:
    values, errors = dispatch_values(ctx.inputs)
    if errors:
        raise ApplicationError(_("分派信息不完整或有误"), fields=errors)
    ctx.inputs.update(values)


def assign(ctx: StepContext) -> None:
    """问题分派通知: the lead department and its owner, the helpers' heads, the division leaders copied."""
    problem, data = ctx.item, ctx.inputs
    for name in ("lead_department", "owner", "basis", "deadline"):
        setattr(problem, name, data[name])
    problem.dispatched_by = ctx.actor
    ctx.changed.update({"lead_department", "owner", "basis", "deadline", "dispatched_by"})
    helpers = data["helper_departments"]
    heads = {d.head.pk: d.head for d in helpers if d.head is not None and d.head.is_active}
    heads.pop(problem.owner.pk, None)
    problem.helper_departments.set(helpers)
    problem.helpers.set(list(heads.values()))
    problem.cc.set(division_leaders([problem.lead_department, *helpers]))
    ctx.details.update(snapshot(problem, DISPATCH_FIELDS))


def dispatch_params(ctx: StepContext) -> dict[str, Any]:
    problem = ctx.item
    notice = _(
        "主责部门：%(lead)s（负责人 %(owner)s）；配合部门：%(helpers)s；完成时限：%(deadline)s；分派依据：%(basis)s"
    ) % {
        "lead": problem.lead_department.name,
        "owner": problem.owner.display_name,
        "helpers": "、".join(d.name for d in problem.helper_departments.all()) or "—",
        "deadline": problem.deadline,
        "basis": problem.basis,
    }
    return {"notice": notice}


def check_progress(ctx: StepContext) -> None:
    needs_plan(ctx)
    values, errors = progress_values(ctx.inputs)
    if errors:
        raise ApplicationError(_("进度反馈不完整"), fields=errors)
    ctx.inputs.update(values)


def record_progress(ctx: StepContext) -> None:
    """A line of 问题处理进度表, with the cadence due time it answers."""
    data, cadence = ctx.inputs, open_clock(ctx.item, "update_due")
    update = ProgressUpdate.objects.create(
        problem=ctx.item,
        author=ctx.actor,
        progress=data["progress"],
        risk=data["risk"],
        next_step=data["next_step"],
        major_risk=data["major_risk"],
        due_at=cadence.limit_due_at if cadence else None,
        created_at=ctx.now,
    )
    ctx.details.update(
        {
            "update": update.pk,
            "progress": data["progress"][:200],
            "major_risk": data["major_risk"],
            "on_time": update.on_time,
        }
    )


def major_risk_audience(ctx: StepContext) -> list[Any]:
    return [*coordinators(), *ctx.item.cc.all()]


def check_solution(ctx: StepContext) -> None:
    needs_plan(ctx)
    values, errors = solution_values(ctx.inputs)
    if errors:
        raise ApplicationError(_("问题解决报告不完整"), fields=errors)
    ctx.inputs.update(values)


def record_solution(ctx: StepContext) -> None:
    data = ctx.inputs
    report = SolutionReport.objects.create(
        problem=ctx.item,
        author=ctx.actor,
        cause=data["cause"],
        measures=data["measures"],
        effect=data["effect"],
        created_at=ctx.now,
    )
    ctx.details.update({"report": report.pk, "measures": data["measures"][:200], "effect": data["effect"][:200]})


def verdict(value: str) -> Any:
    """The filer's verdict on the latest pending 问题解决报告."""

    def record(ctx: StepContext) -> None:
        report = ctx.item.reports.filter(verdict=SolutionReport.Verdict.PENDING).order_by("-created_at", "-pk").first()
        if report is not None:
            report.verdict, report.verdict_note, report.verdict_by, report.verdict_at = (
                value,
                ctx.reason,
                ctx.actor,
                ctx.now,
            )
            report.save(update_fields=["verdict", "verdict_note", "verdict_by", "verdict_at"])

    return record


def urgency_of(problem: Problem) -> str:
    return policy_priority(problem.urgency)


DISPATCH = Arm("dispatch", owner=dispatch_owner, department=lambda p: coordinating_office(), priority=urgency_of)
CADENCE = Arm("update_due", owner=lambda p: p.owner, department=lambda p: p.lead_department, priority=urgency_of)
DEADLINE = Arm(
    "due",
    owner=lambda p: p.owner,
    department=lambda p: p.lead_department,
    due_at=lambda ctx: max(deadline_instant(ctx.item) or ctx.now, ctx.now),
    when=lambda ctx: ctx.item.deadline is not None,
)

PROBLEM = Process(
    key="problem",
    model=Problem,
    label=_("问题提报"),
    nav=Nav(pgettext_lazy("nav", "问题"), "problem-list", prefix="/problems/", order=40),
    workbench="xietong.problems.workbench.problems_waiting",
    workbench_order=40,
    workbench_key="problems",
    related=("filing_department", "lead_department", "project", "owner", "created_by"),
    owners=("owner", "endorser"),
    states=(
        State(S.ENDORSING, S.ENDORSING.label, "warn"),
        State(S.RETURNED, S.RETURNED.label, "late"),
        State(S.FILED, S.FILED.label, "warn"),
        State(S.DISPATCHED, S.DISPATCHED.label, "info"),
        State(S.IN_PROGRESS, S.IN_PROGRESS.label, "info"),
        State(S.SOLVED, S.SOLVED.label, "warn"),
        State(S.CLOSED, S.CLOSED.label, "ok", closed=True),
        State(S.WITHDRAWN, S.WITHDRAWN.label, "muted", closed=True),
    ),
    steps=(
        # Taken by problem_file as the problem is created: it waits for the filing department's head.
        Step(
            "file",
            _("提报问题"),
            (S.ENDORSING,),
            None,
            filer,
            system=True,
            records_state=False,
            apply=record_filing,
            tells=(
                Tell(
                    to=the_endorser,
                    title=_("【待审核】%(label)s"),
                    body=_(
                        "%(actor)s（%(dept)s）提报问题，紧急程度：%(urgency)s。请审核签署后提交综合管理部，"
                        "或写明原因退回。"
                    ),
                    urgency=urgent_if_high,
                    params=filing_params,
                    when=lambda ctx: ctx.item.endorser_id not in (None, ctx.item.created_by_id),
                ),
            ),
        ),
        # 发起部门负责人→综合管理部: the head signs, the limit of 综合管理部 starts. A head filing their own
        # takes it by filing (recorded with implicit); a department without any head sends it on (no_head).
        Step(
            "endorse",
            _("审核签署"),
            (S.ENDORSING,),
            S.FILED,
            endorsing_head,
            "primary",
            stamps=("endorsed_at",),
            apply=record_endorsement,
            arms=(DISPATCH,),
            refusal=lambda p: str(_("只有提报部门负责人可以审核签署")),
            tells=(
                Tell(
                    to=coordinators,
                    title=_("【待分派】%(label)s"),
                    body=_(
                        "%(filer)s（%(dept)s）提报问题，%(endorsement)s，紧急程度：%(urgency)s。"
                        "请在 %(due)s 前（%(limit)s内）审核并分派主责部门。"
                    ),
                    urgency=urgent_if_high,
                    limit="dispatch",
                    params=filing_params,
                ),
            ),
        ),
        Step(
            "return_filing",
            _("退回提报人"),
            (S.ENDORSING,),
            S.RETURNED,
            endorsing_head,
            "danger",
            reason=Reason(_("退回原因"), keep_in="return_note"),
            refusal=lambda p: str(_("只有提报部门负责人可以退回")),
            tells=(Tell(to=the_filer, title=_("【问题提报被退回】%(label)s"), body="%(reason)s"),),
        ),
        Step(
            "resubmit",
            _("修改后重新提交"),
            (S.RETURNED,),
            S.ENDORSING,
            the_filer_only,
            "primary",
            check=check_resubmission,
            apply=record_resubmission,
            refusal=lambda p: str(_("只有提报人可以修改后重新提交")),
            tells=(
                Tell(
                    to=lambda ctx: [ctx.item.endorser],
                    title=_("【待审核】%(label)s"),
                    body=_("%(actor)s 已按退回意见修改问题提报表并重新提交，请审核签署或退回。"),
                    urgency=urgent_if_high,
                ),
            ),
        ),
        Step(
            "dispatch",
            _("分派"),
            (S.FILED,),
            S.DISPATCHED,
            coordinator,
            "primary",
            stamps=("dispatched_at",),
            check=check_dispatch,
            apply=assign,
            satisfies=("dispatch",),
            arms=(CADENCE, DEADLINE),
            tells=(
                Tell(
                    to=the_owner,
                    title=_("【问题分派通知】%(label)s"),
                    body=_("%(notice)s。请制定解决方案，每 %(limit)s反馈一次进度，首次请在 %(due)s 前反馈。"),
                    urgency=urgent_if_high,
                    limit="update_due",
                    params=dispatch_params,
                ),
                Tell(
                    to=lambda ctx: ctx.item.helpers.all(),
                    title=_("【配合处理】%(label)s"),
                    body="%(notice)s",
                    params=dispatch_params,
                ),
                Tell(
                    to=copied,
                    title=_("【已分派·抄送】%(label)s"),
                    body="%(notice)s",
                    kind="info",
                    params=dispatch_params,
                ),
            ),
        ),
        Step(
            "plan",
            _("制定解决方案"),
            (S.DISPATCHED, S.IN_PROGRESS),
            None,
            handler,
            "primary",
            check=check_plan,
            apply=record_plan,
            records_state=False,
            tells=(
                Tell(
                    to=plan_audience,
                    title=_("【解决方案】%(label)s"),
                    body="%(plan)s",
                    kind="info",
                    params=plan_params,
                ),
            ),
        ),
        Step(
            "progress",
            _("反馈进度"),
            (S.DISPATCHED, S.IN_PROGRESS),
            S.IN_PROGRESS,
            handler,
            "primary",
            stamps_once=("first_progress_at",),
            check=check_progress,
            apply=record_progress,
            satisfies=("update_due",),
            arms=(CADENCE,),
            tells=(
                Tell(
                    to=the_filer,
                    title=_("【进度反馈】%(label)s"),
                    body="%(progress)s",
                    kind="info",
                    params=lambda ctx: {"progress": ctx.inputs["progress"][:500]},
                ),
                Tell(
                    to=major_risk_audience,
                    title=_("【重大风险】%(label)s"),
                    body=_("%(actor)s 上报重大风险：%(risk)s"),
                    kind="escalation",
                    urgency="urgent",
                    params=lambda ctx: {"risk": ctx.inputs["risk"][:500]},
                    when=lambda ctx: ctx.inputs["major_risk"],
                ),
            ),
        ),
        Step(
            "solve",
            _("提交解决报告"),
            (S.DISPATCHED, S.IN_PROGRESS),
            S.SOLVED,
            handler,
            "primary",
            stamps=("solved_at",),
            check=check_solution,
            apply=record_solution,
            satisfies=("update_due", "due"),
            tells=(
                Tell(
                    to=the_filer,
                    title=_("【待确认】%(label)s"),
                    body=_("%(actor)s 提交了问题解决报告，请确认解决效果：确认解决，或退回继续处理。"),
                ),
            ),
        ),
        Step(
            "confirm",
            _("确认解决"),
            (S.SOLVED,),
            S.CLOSED,
            filer,
            "primary",
            stamps=("confirmed_at",),
            apply=verdict(SolutionReport.Verdict.CONFIRMED),
            cancels=(ALL_LIMITS,),
            tells=(
                Tell(
                    to=lambda ctx: [ctx.item.owner, *coordinators()],
                    title=_("【已确认解决】%(label)s"),
                    body=_("%(actor)s 确认问题已解决，已纳入问题处理台账与案例库。"),
                    kind="info",
                ),
            ),
        ),
        Step(
            "reject_solution",
            _("退回继续处理"),
            (S.SOLVED,),
            S.IN_PROGRESS,
            filer,
            "danger",
            reason=Reason(_("退回原因（效果未达到的地方）")),
            clears=("solved_at",),
            apply=verdict(SolutionReport.Verdict.RETURNED),
            arms=(CADENCE, DEADLINE),
            tells=(Tell(to=the_owner, title=_("【解决报告被退回】%(label)s"), body="%(reason)s"),),
        ),
        Step(
            "withdraw",
            _("撤回"),
            (S.ENDORSING, S.RETURNED, S.FILED),
            S.WITHDRAWN,
            filer,
            "danger",
            reason=Reason(_("撤回原因")),
            cancels=(ALL_LIMITS,),
            tells=(
                Tell(
                    to=coordinators,
                    title=_("【已撤回】%(label)s"),
                    body="%(reason)s",
                    kind="info",
                    when=lambda ctx: ctx.before_state == S.FILED,
                ),
            ),
        ),
    ),
    limits=(
        Limit("dispatch", "1d", remind_before="2h", ladder="standard", rule="综合管理部 1 个工作日内审核并分派"),
        Limit("update_due", "1d", priority="high", remind_before="2h", ladder="standard", rule="紧急问题每日反馈进度"),
        Limit("update_due", "2d", remind_before="2h", ladder="standard", rule="主责部门每 2 个工作日反馈进度"),
        Limit(
            "due",
            "0m",
            remind_before="1d",
            ladder="standard",
            rule="问题分派通知中的完成时限：到期前 1 个工作日提醒主责部门，逾期升级",
        ),
    ),
    action_labels={"problem.urgency": _("调整紧急程度")},
)
