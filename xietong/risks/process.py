"""When execution goes off plan, as the rules read:

- 异常问题反馈表: a task's owner or helper reports it, copied to the initiator and both heads; closed within
  24 hours (重大: 48 hours, with an expected time kept up to date) by the initiator or a head concerned;
  otherwise escalated.
- 延期申请: the task's owner applies; the project lead and the initiating department's head each approve;
  one refusal refuses; when both approve, the task's dates move.
- 部门分歧: the two heads negotiate; after 3 working days it goes to both division leaders, then to the
  general manager; the agreement or ruling goes to every party in writing.
"""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from xietong.core import clock
from xietong.core.errors import ApplicationError
from xietong.items.process import ALL_LIMITS, Arm, Limit, Process, Reason, State, Step, StepContext, Tell
from xietong.org.models import Department, Person
from xietong.org.roles import general_manager, manager_chain
from xietong.risks.delay_effects import delay_apply
from xietong.risks.models import DelayApproval, DelayRequest, Dispute, ExceptionReport, Severity
from xietong.tasks.models import Task


def active_head(department: Department) -> Person | None:
    head = department.head if department.head_id else None
    return head if head is not None and head.is_active else None


def _not_the_actor(ctx: StepContext, people: list[Any]) -> list[Any]:
    return [p for p in people if p is not None and p.pk != ctx.actor.pk]


def filed(ctx: StepContext) -> None:
    """A new item's first step records what its form said (the service checked it)."""
    ctx.details.update(ctx.inputs)


def _titled(ctx: StepContext) -> dict[str, Any]:
    return {"t": ctx.item.title}


# --- 异常问题反馈表 -----------------------------------------------------------------------------------
E = ExceptionReport.State


def may_decide(person: Any, report: ExceptionReport) -> bool:
    heads = {report.department.head_id, report.initiator_department.head_id}
    return (
        person.pk in heads
        or person.pk == report.resolver_id
        or report.request.is_requester_side(person)
        or person.is_coordinator
        or person.is_general_manager
    )


def reporter_or_initiator(person: Any, report: ExceptionReport) -> bool:
    return person.pk in {report.created_by_id, report.initiator_id, report.resolver_id}


def may_respond(person: Any, report: ExceptionReport) -> bool:
    """发起方需组织相关方召开问题协调会…明确问题解决责任人: the initiator's side, the heads concerned, the
    coordinators — not the reporter alone."""
    heads = {report.department.head_id, report.initiator_department.head_id}
    return (
        person.pk in heads
        or report.request.is_requester_side(person)
        or person.is_coordinator
        or person.is_general_manager
    )


def closing_owner(report: ExceptionReport) -> Person | None:
    """Who the closing clock waits on: the named 解决责任人, the initiator until one is named."""
    return report.resolver if report.resolver_id else report.request.requester


def is_urgent(ctx: StepContext) -> bool:
    return ctx.item.severity == Severity.URGENT


def resolver_named(ctx: StepContext) -> None:
    """The 解决责任人 is someone who can see the report; the 时间节点, when given, lies ahead."""
    resolver, expected = ctx.inputs.get("resolver"), ctx.inputs.get("expected_resolution")
    errors: dict[str, str] = {}
    if resolver is None:
        errors["resolver"] = _("请指定问题解决责任人")
    elif not resolver.is_active:
        errors["resolver"] = _("%(p)s 的账号已停用，请另选解决责任人") % {"p": resolver}
    elif (
        resolver.pk != ctx.item.created_by_id
        and not ExceptionReport.objects.restrict(resolver).filter(pk=ctx.item.pk).exists()
    ):
        errors["resolver"] = _("%(p)s 看不到这个异常问题（不在项目或相关部门中），请改选") % {"p": resolver}
    if expected is not None and expected <= ctx.now:
        errors["expected_resolution"] = _("预计解决时间应晚于现在")
    if errors:
        raise ApplicationError(_("请明确解决责任人及时间节点"), fields=errors)


def name_resolver(ctx: StepContext) -> None:
    report, resolver, expected = ctx.item, ctx.inputs["resolver"], ctx.inputs.get("expected_resolution")
    ctx.was["resolver"] = report.resolver_id
    report.resolver = resolver
    ctx.changed.add("resolver")
    ctx.details["resolver"] = resolver.pk
    if expected is not None:
        ctx.was["expected_resolution"] = report.expected_resolution
        report.expected_resolution = expected
        ctx.changed.add("expected_resolution")
        ctx.details["expected_resolution"] = expected


def closing_due(ctx: StepContext) -> Any:
    """The closing clock keeps its deadline when only its owner changes; a 时间节点 (a new ETA) moves it."""
    from xietong.clocks.selectors import open_clock

    if ctx.inputs.get("expected_resolution") is not None:
        return ctx.inputs["expected_resolution"]
    running = open_clock(ctx.item, "resolve")
    return running.limit_due_at if running is not None else None


def resolver_params(ctx: StepContext) -> dict[str, Any]:
    expected = ctx.item.expected_resolution
    return {
        "t": ctx.item.title,
        "resolver": ctx.item.resolver.display_name,
        "eta": f"{clock.local(expected):%m-%d %H:%M}" if expected else "—",
    }


def filed_by_owner(person: Any, report: ExceptionReport) -> bool:
    return person.pk == report.created_by_id


def copied(ctx: StepContext) -> list[Any]:
    report = ctx.item
    people = [report.request.requester, active_head(report.department), active_head(report.initiator_department)]
    return _not_the_actor(ctx, people)


def raised_params(ctx: StepContext) -> dict[str, Any]:
    report = ctx.item
    return {
        "sev": report.get_severity_display(),
        "title": report.title,
        "who": ctx.actor.display_name,
        "problem": report.problem[:200],
        "impact": report.impact[:200],
        "proposal": report.proposal[:200],
    }


def decided(ctx: StepContext) -> None:
    ctx.item.decided_by = ctx.actor
    ctx.changed.add("decided_by")
    ctx.details["decided_by"] = ctx.actor.pk


def expected_time_ahead(ctx: StepContext) -> None:
    if ctx.inputs.get("expected_resolution") is None:  # the page's form or an API client without one
        raise ApplicationError(fields={"expected_resolution": _("请填写有效的预计解决时间")})
    if ctx.inputs["expected_resolution"] <= ctx.now:
        raise ApplicationError(fields={"expected_resolution": _("预计解决时间应晚于现在")})


def new_expected_time(ctx: StepContext) -> None:
    expected = ctx.inputs["expected_resolution"]
    ctx.was["expected_resolution"] = ctx.item.expected_resolution
    ctx.details["expected_resolution"] = expected
    ctx.item.expected_resolution = expected
    ctx.changed.add("expected_resolution")


def eta_params(ctx: StepContext) -> dict[str, Any]:
    return {"t": ctx.item.title, "text": f"{clock.local(ctx.item.expected_resolution):%m-%d %H:%M} {ctx.reason}"}


EXCEPTION = Process(
    key="exception",
    model=ExceptionReport,
    id_param="report_id",
    label=gettext_lazy("异常问题"),
    related=("request__requester", "department", "initiator_department", "created_by", "initiator", "project"),
    owners=("initiator",),
    states=(State(E.OPEN, E.OPEN.label, "warn"), State(E.RESOLVED, E.RESOLVED.label, "ok", closed=True)),
    steps=(
        # Taken by exception_raise as it files the report.
        Step(
            "raise",
            gettext_lazy("提报异常问题"),
            (E.OPEN,),
            None,
            filed_by_owner,
            system=True,
            records_state=False,
            apply=filed,
            arms=(
                Arm(
                    "resolve",
                    owner=lambda r: r.request.requester,
                    department=lambda r: r.request.requesting_department,
                    priority=lambda r: r.severity,
                ),
                Arm(
                    "respond",
                    owner=lambda r: r.request.requester,
                    department=lambda r: r.request.requesting_department,
                    priority=lambda r: r.severity,
                    when=is_urgent,
                ),
            ),
            tells=(
                Tell(
                    to=copied,
                    when=lambda ctx: not is_urgent(ctx),
                    title=gettext_lazy("【异常问题·%(sev)s】%(title)s"),
                    body=gettext_lazy("%(who)s 提报：%(problem)s\n影响范围：%(impact)s\n建议方案：%(proposal)s"),
                    urgency=lambda r: "urgent" if r.severity == Severity.MAJOR else "normal",
                    params=raised_params,
                ),
                Tell(
                    to=copied,
                    when=is_urgent,
                    title=gettext_lazy("【异常问题·%(sev)s】%(title)s"),
                    body=gettext_lazy(
                        "%(who)s 提报：%(problem)s\n影响范围：%(impact)s\n建议方案：%(proposal)s\n"
                        "紧急事项须在 %(due)s 前（%(limit)s内）响应：组织问题协调会，明确解决责任人及时间节点。"
                    ),
                    urgency="emergency",
                    limit="respond",
                    params=raised_params,
                ),
            ),
        ),
        Step(
            "respond",
            gettext_lazy("明确解决责任人"),
            (E.OPEN,),
            None,
            may_respond,
            offered=False,  # the form on the report's page: a person and a time
            records_state=False,
            refusal=lambda r: _("只有发起方、相关部门负责人或协调人可以明确解决责任人"),
            check=resolver_named,
            apply=name_resolver,
            stamps_once=("responded_at",),
            satisfies=("respond",),
            arms=(
                Arm(
                    "resolve",
                    owner=closing_owner,
                    department=lambda r: r.resolver.department if r.resolver_id else r.request.requesting_department,
                    priority=lambda r: r.severity,
                    due_at=closing_due,
                ),
            ),
            tells=(
                Tell(
                    to=lambda ctx: _not_the_actor(ctx, [ctx.item.resolver, ctx.item.created_by, ctx.item.initiator]),
                    title=gettext_lazy("【解决责任人】%(t)s"),
                    body=gettext_lazy("解决责任人：%(resolver)s；预计解决时间：%(eta)s；须在 %(due)s 前闭环。"),
                    urgency=lambda r: "urgent" if r.severity != Severity.NORMAL else "normal",
                    limit="resolve",
                    params=resolver_params,
                ),
            ),
        ),
        Step(
            "resolve",
            gettext_lazy("异常问题闭环"),
            (E.OPEN,),
            E.RESOLVED,
            may_decide,
            "primary",
            reason=Reason(
                gettext_lazy("处理结果"),
                keep_in="resolution",
                field="resolution",
                missing=gettext_lazy("请写明处理结果：谁决定了什么、何时完成"),
            ),
            refusal=lambda r: _("只有发起方、相关部门负责人或协调人可以闭环异常问题"),
            apply=decided,
            satisfies=("resolve",),
            tells=(
                Tell(
                    to=lambda ctx: [ctx.item.created_by],
                    title=gettext_lazy("【异常已闭环】%(t)s"),
                    body="%(text)s",
                    kind="info",
                    params=lambda ctx: {"t": ctx.item.title, "text": ctx.reason[:500]},
                ),
            ),
        ),
        Step(
            "update_eta",
            gettext_lazy("更新预计解决时间"),
            (E.OPEN,),
            None,
            reporter_or_initiator,
            reason=Reason(gettext_lazy("说明"), required=False),
            refusal=lambda r: _("只有提报人、发起方或解决责任人可以更新预计解决时间"),
            records_state=False,
            check=expected_time_ahead,
            apply=new_expected_time,
            # 需同步更新预计解决时间: the new expected time is the closing clock's new deadline.
            arms=(
                Arm(
                    "resolve",
                    owner=closing_owner,
                    department=lambda r: r.resolver.department if r.resolver_id else r.request.requesting_department,
                    priority=lambda r: r.severity,
                    due_at=lambda ctx: ctx.inputs["expected_resolution"],
                ),
            ),
            tells=(
                Tell(
                    to=lambda ctx: _not_the_actor(ctx, [ctx.item.created_by, ctx.item.initiator, ctx.item.resolver]),
                    title=gettext_lazy("【更新预计解决时间】%(t)s"),
                    body="%(text)s",
                    kind="info",
                    params=eta_params,
                ),
            ),
        ),
    ),
    limits=(
        Limit(
            "resolve",
            "24h",
            mode="wall",
            priority="normal",
            remind_before="2h",
            ladder="standard",
            rule="异常问题 24 小时内闭环，否则升级",
        ),
        Limit(
            "resolve",
            "48h",
            mode="wall",
            priority="major",
            remind_before="4h",
            ladder="standard",
            rule="重大问题可延长至 48 小时，需同步更新预计解决时间",
        ),
        # 紧急: answered within 2 elapsed hours, nights and holidays included (紧急 is never moved), and
        # closed like any other within 24 hours.
        Limit(
            "respond",
            "2h",
            mode="wall",
            priority="urgent",
            snap=False,
            ladder="standard",
            rule="紧急异常问题 2 小时内响应：组织问题协调会，明确解决责任人及时间节点",
            source="企业沟通与协作流程规范",
            clause="二（三）",
            clause_text="紧急事项需2小时内响应",
        ),
        Limit(
            "resolve",
            "24h",
            mode="wall",
            priority="urgent",
            remind_before="2h",
            ladder="standard",
            rule="紧急异常问题同样 24 小时内闭环，否则升级",
            source="企业沟通与协作流程规范",
            clause="二（三）",
            clause_text="明确问题解决责任人及时间节点,保证问题在24小时内闭环",
        ),
    ),
)


# --- 延期申请 -----------------------------------------------------------------------------------------
D = DelayRequest.State


def delay_approvers(task: Task) -> dict[str, Person]:
    """The project lead and the initiating department's head (one person may hold both roles)."""
    approvers = {"project_lead": task.project.lead}
    head = task.request.requesting_department.head
    if head is not None:
        approvers["initiator_head"] = head
    return approvers


def roles_left(person: Any, delay: DelayRequest) -> list[str]:
    """The approver roles `person` holds and has not yet decided."""
    done = set(delay.approvals.values_list("role", flat=True))
    return [role for role, p in delay_approvers(delay.task).items() if p.pk == person.pk and role not in done]


def approves_last(person: Any, delay: DelayRequest) -> bool:
    mine = roles_left(person, delay)
    done = set(delay.approvals.values_list("role", flat=True))
    return bool(mine) and set(delay_approvers(delay.task)) <= done | set(mine)


def approves_before_others(person: Any, delay: DelayRequest) -> bool:
    return bool(roles_left(person, delay)) and not approves_last(person, delay)


def may_refuse(person: Any, delay: DelayRequest) -> bool:
    return bool(roles_left(person, delay))


def record_approval(ctx: StepContext) -> None:
    roles = roles_left(ctx.principal, ctx.item)
    approved = ctx.step.name != "refuse"
    for role in roles:
        DelayApproval.objects.create(delay=ctx.item, role=role, approver=ctx.actor, approved=approved, note=ctx.reason)
    ctx.details["roles"] = roles


def _applicant_told(label: Any) -> Tell:
    return Tell(
        to=lambda ctx: [ctx.item.created_by],
        title=gettext_lazy("【延期%(s)s】%(t)s"),
        kind="info",
        params=lambda ctx: {"s": label, "t": ctx.item.title},
    )


NOT_AN_APPROVER = gettext_lazy("您不是这份延期申请的审批人，或已经审批过")
APPROVAL_NOTE = Reason(gettext_lazy("审批意见"), required=False, field="note")


def related_parties(ctx: StepContext) -> list[Any]:
    """Everyone the moved date concerns (进度延迟时同步给所有关联方): the task's people (owner, helpers, its RACI),
    the owners of the tasks that wait on it, both sides of the request and every participating department's head."""
    task = Task.objects.select_related("owner", "request__requester", "request__receiver").get(pk=ctx.item.task_id)
    request = task.request
    people = [task.owner, *task.helpers.all(), *(r.person for r in task.roles.select_related("person"))]
    people += [t.owner for t in task.successors.select_related("owner")]
    people += [request.requester, request.receiver_or_head]
    people += [p.head for p in request.participations.select_related("department__head", "contact")]
    return [p for p in people if p is not None and p.pk != ctx.actor.pk]


def late_note() -> str:
    """（未按规定提前 2 个工作日提出）, the limit as the policy delay/*/notice states it."""
    from xietong.clocks.durations import duration_text
    from xietong.clocks.services import policy_for

    policy = policy_for("delay", "notice")
    limit = duration_text(policy.duration, policy.mode) if policy is not None else duration_text("2d", "working")
    return _("（未按规定提前 %(limit)s提出）") % {"limit": limit}


def dates_moved(ctx: StepContext) -> None:
    delay_apply(ctx.actor, ctx.item)


DELAY = Process(
    key="delay",
    model=DelayRequest,
    label=gettext_lazy("延期申请"),
    workbench="xietong.risks.workbench.delays_awaiting",
    workbench_order=25,
    related=("task__project__lead", "task__request__requesting_department__head", "created_by", "project"),
    owners=("created_by",),
    states=(
        State(D.PENDING, D.PENDING.label, "warn"),
        State(D.APPROVED, D.APPROVED.label, "ok", closed=True),
        State(D.REFUSED, D.REFUSED.label, "late", closed=True),
    ),
    steps=(
        # Taken by delay_request as it files the application.
        Step(
            "request",
            gettext_lazy("提交延期申请"),
            (D.PENDING,),
            None,
            lambda person, delay: person.pk == delay.created_by_id,
            system=True,
            records_state=False,
            apply=filed,
            arms=(Arm("review", owner=lambda d: d.task.project.lead, department=lambda d: d.task.project.department),),
            tells=(
                Tell(
                    to=lambda ctx: list(delay_approvers(ctx.item.task).values()),
                    title=gettext_lazy("【延期审批】%(t)s"),
                    body=gettext_lazy("原因：%(r)s%(late)s"),
                    params=lambda ctx: {
                        "t": ctx.item.title,
                        "r": ctx.item.reason[:300],
                        "late": late_note() if ctx.item.late_filing else "",
                    },
                ),
            ),
        ),
        # One approver of two agrees: recorded; the application waits for the other.
        Step(
            "approve_first",
            gettext_lazy("同意延期"),
            (D.PENDING,),
            None,
            approves_before_others,
            "primary",
            reason=APPROVAL_NOTE,
            refusal=lambda d: str(NOT_AN_APPROVER),
            records_state=False,
            apply=record_approval,
            audit_action="delay.approve",
        ),
        # The last approval: the application is granted and the task's dates move.
        Step(
            "approve",
            gettext_lazy("同意延期"),
            (D.PENDING,),
            D.APPROVED,
            approves_last,
            "primary",
            reason=APPROVAL_NOTE,
            refusal=lambda d: str(NOT_AN_APPROVER),
            apply=record_approval,
            satisfies=("review",),
            after=dates_moved,
            tells=(
                _applicant_told(gettext_lazy("已批准")),
                Tell(
                    to=related_parties,
                    title=gettext_lazy("【延期】%(t)s"),
                    body=gettext_lazy("计划完成日由 %(from)s 调整为 %(to)s。原因：%(r)s；调整后的计划：%(plan)s"),
                    kind="info",
                    params=lambda ctx: {
                        "t": ctx.item.title,
                        "from": ctx.item.original_end_date.isoformat(),
                        "to": ctx.item.new_end_date.isoformat(),
                        "r": ctx.item.reason[:300],
                        "plan": ctx.item.new_plan[:300],
                    },
                ),
            ),
        ),
        Step(
            "refuse",
            gettext_lazy("驳回延期"),
            (D.PENDING,),
            D.REFUSED,
            may_refuse,
            "danger",
            reason=Reason(gettext_lazy("驳回理由"), field="note", missing=gettext_lazy("驳回时请写明理由")),
            refusal=lambda d: str(NOT_AN_APPROVER),
            apply=record_approval,
            satisfies=("review",),
            tells=(_applicant_told(gettext_lazy("已驳回")),),
        ),
    ),
    limits=(
        Limit("review", "1d", remind_before="2h", ladder="standard", rule="延期申请由项目负责人及发起部门负责人审批"),
    ),
)


# --- 部门分歧 -----------------------------------------------------------------------------------------
P = Dispute.State


def division_leaders(dispute: Dispute) -> set[int]:
    return {
        r.person.pk
        for dept in (dispute.department_a, dispute.department_b)
        for r in manager_chain(None, department=dept)[1:2]
        if r.person
    }


def may_settle(person: Any, dispute: Dispute, *, decide: bool) -> bool:
    if decide:
        return person.pk in division_leaders(dispute) or person.is_general_manager
    return person.pk in {dispute.department_a.head_id, dispute.department_b.head_id}


def other_department(person: Any, dispute: Dispute) -> bool:
    return person.department_id == dispute.department_b_id or person.pk == dispute.department_b.head_id


def parties(ctx: StepContext) -> list[Any]:
    """Everyone the outcome is sent to in writing: the one who raised it, both heads, both division leaders
    and the general manager."""
    dispute = ctx.item
    people: list[Any] = [dispute.created_by, active_head(dispute.department_a), active_head(dispute.department_b)]
    for dept in (dispute.department_a, dispute.department_b):
        people += [r.person for r in manager_chain(None, department=dept)[1:2] if r.person]
    return [*people, general_manager()]


def answered(ctx: StepContext) -> None:
    ctx.details["position_b"] = ctx.reason[:300]


SETTLED = Tell(
    to=parties,
    title=gettext_lazy("【分歧%(s)s】%(t)s"),
    body=gettext_lazy("%(who)s：%(r)s"),
    kind="info",
    urgency="urgent",
    params=lambda ctx: {
        "s": ctx.item.get_state_display(),
        "t": ctx.item.title,
        "who": ctx.actor.display_name,
        "r": ctx.reason[:500],
    },
)
CONCLUSION = Reason(gettext_lazy("结论"), keep_in="resolution", field="resolution", missing=gettext_lazy("请写明结论"))


def settle_step(name: str, label: Any, target: str, decide: bool, refusal: Any) -> Step:
    return Step(
        name,
        label,
        (P.OPEN,),
        target,
        lambda person, dispute: may_settle(person, dispute, decide=decide),
        "primary",
        reason=CONCLUSION,
        refusal=lambda d: str(refusal),
        apply=decided,
        satisfies=("resolve",),
        cancels=(ALL_LIMITS,),
        tells=(SETTLED,),
    )


DISPUTE = Process(
    key="dispute",
    model=Dispute,
    label=gettext_lazy("部门分歧"),
    related=("department_a__head", "department_b__head", "created_by", "project"),
    owners=("created_by",),
    states=(
        State(P.OPEN, P.OPEN.label, "warn"),
        State(P.AGREED, P.AGREED.label, "ok", closed=True),
        State(P.DECIDED, P.DECIDED.label, "ok", closed=True),
    ),
    steps=(
        # Taken by dispute_open as it records the disagreement.
        Step(
            "open",
            gettext_lazy("提出部门分歧"),
            (P.OPEN,),
            None,
            lambda person, dispute: person.pk == dispute.created_by_id,
            system=True,
            records_state=False,
            apply=filed,
            arms=(Arm("resolve", owner=lambda d: None, department=lambda d: d.department_b),),
            tells=(
                Tell(
                    to=lambda ctx: _not_the_actor(
                        ctx, [active_head(ctx.item.department_a), active_head(ctx.item.department_b)]
                    ),
                    title=gettext_lazy("【部门分歧】%(t)s"),
                    body=gettext_lazy("请两部门负责人协商，%(limit)s内未达成一致将上报各自分管领导。"),
                    limit="resolve",
                    params=_titled,
                ),
            ),
        ),
        Step(
            "answer",
            gettext_lazy("填写对方意见"),
            (P.OPEN,),
            None,
            other_department,
            reason=Reason(
                gettext_lazy("对方意见"),
                keep_in="position_b",
                field="position_b",
                missing=gettext_lazy("请写明对方部门的意见"),
            ),
            refusal=lambda d: _("只有对方部门可以填写对方意见"),
            records_state=False,
            apply=answered,
        ),
        settle_step(
            "agree",
            gettext_lazy("分歧达成一致"),
            P.AGREED,
            False,
            gettext_lazy("只有两部门负责人可以确认达成一致；裁决由分管领导或总经理作出"),
        ),
        settle_step(
            "decide", gettext_lazy("分歧裁决"), P.DECIDED, True, gettext_lazy("裁决由双方分管领导或总经理作出")
        ),
    ),
    limits=(
        Limit(
            "resolve",
            "3d",
            remind_before="1d",
            ladder="dispute",
            rule="部门间分歧 3 个工作日内未达成一致，上报各自分管领导，仍无法解决提请总经理裁决",
        ),
    ),
)
