"""协作任务, as the 协作任务分解表 (附件2) states it: both sides of an accepted request build the breakdown
and publish it; each task's one owner confirms within its limit (or it counts as accepted), starts once its
predecessors are finished, updates progress daily, asks its C (咨询) people before it is done; the
requester's side may reopen or cancel it. The I (知情) people hear of every turn."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from django.utils.translation import gettext, pgettext_lazy
from django.utils.translation import gettext_lazy as _

from xietong.clocks.sources import FLOW, MULTI
from xietong.core import clock
from xietong.core.errors import ApplicationError, InvalidState
from xietong.items.process import (
    ALL_LIMITS,
    Arm,
    Limit,
    Nav,
    Process,
    Reason,
    State,
    Step,
    StepContext,
    Tell,
    hand_over_step,
)
from xietong.items.runner import run_step
from xietong.org.models import Person
from xietong.requests.choices import RequestState
from xietong.requests.models import Participation
from xietong.requests.participation import awaited
from xietong.tasks.choices import RaciRole
from xietong.tasks.choices import TaskState as T
from xietong.tasks.models import Breakdown, BreakdownSignature, Consultation, Task, TaskRole
from xietong.tasks.timers import end_of_day, next_update_due

FINISHED = (T.DONE, T.CANCELLED)


# --- who may ---------------------------------------------------------------------------------------
def owner(person: Any, task: Task) -> bool:
    return person.pk == task.owner_id


def builder(person: Any, task_or_breakdown: Task | Breakdown) -> bool:
    """Both sides of the request build its breakdown, edit, reopen and cancel its tasks."""
    request = task_or_breakdown.request
    return request.is_requester_side(person) or request.is_receiver_side(person)


def builder_of_a_draft(person: Any, task: Task) -> bool:
    """Cancelling a task of a published 分工表 takes a 需求变更 (tasks.changes runs this step as the system):
    every participating head signed the table as it was."""
    return builder(person, task) and task.breakdown.state != Breakdown.State.PUBLISHED


def cancel_refusal(task: Task) -> str:
    if task.breakdown.state == Breakdown.State.PUBLISHED:
        return gettext(
            "分工表已发布（各参与部门负责人已签字），不能直接取消任务：请在需求页面“提出需求变更”，"
            "变更将书面发送全部参与方确认，受影响部门的负责人重新签字"
        )
    return gettext("只有发起方与接收方可以取消任务")


# --- what cannot be declared -------------------------------------------------------------------------
def raci_validate(assignments: dict[int, set[str]]) -> list[str]:
    """Exactly one A (审批/问责) and at least one R (负责执行) per task."""
    problems = []
    accountable = [pid for pid, roles in assignments.items() if "A" in roles]
    if len(accountable) != 1:
        problems.append(gettext("每个任务必须恰好有一个 A（审批/问责），当前有 %(n)d 个") % {"n": len(accountable)})
    if not any("R" in roles for roles in assignments.values()):
        problems.append(gettext("每个任务至少需要一个 R（负责执行）"))
    return problems


def predecessors_finished(ctx: StepContext) -> None:
    """Refused while a predecessor is unfinished, naming whose work is awaited (it is on their workbench)."""
    unfinished = [p for p in ctx.item.predecessors.select_related("owner") if p.state not in FINISHED]
    if unfinished:
        names = "、".join(
            gettext("%(task)s（%(state)s，负责人：%(owner)s）")
            % {"task": p.title, "state": p.get_state_display(), "owner": p.owner.display_name}
            for p in unfinished
        )
        raise InvalidState(gettext("前置任务尚未完成：%(names)s") % {"names": names})


def consulted_people(ctx: StepContext) -> None:
    consulted = [r.person for r in ctx.item.roles.filter(role=RaciRole.CONSULTED).select_related("person")]
    if not consulted:
        raise ApplicationError(gettext("此任务没有 C（咨询）角色"))
    ctx.inputs["consulted"] = consulted
    ctx.details["consulted"] = [p.pk for p in consulted]


def record_consultations(ctx: StepContext) -> None:
    for person in ctx.inputs["consulted"]:
        Consultation.objects.get_or_create(task=ctx.item, person=person, defaults={"asked_at": ctx.now})


def consulted_before_done(ctx: StepContext) -> None:
    task = ctx.item
    consulted = set(task.roles.filter(role=RaciRole.CONSULTED).values_list("person_id", flat=True))
    missing = consulted - set(task.consultations.values_list("person_id", flat=True))
    if missing:
        names = "、".join(Person.objects.filter(pk__in=missing).values_list("name", flat=True))
        raise InvalidState(gettext("完成前须先征询 C（咨询）角色的意见：%(names)s") % {"names": names})


def accepted_by_default(ctx: StepContext) -> None:
    """Nobody confirmed within the limit: accepted at the moment it ran out, on the record."""
    ctx.item.accepted_at = ctx.inputs.get("at") or ctx.now
    ctx.item.auto_accepted = True
    ctx.changed.update({"accepted_at", "auto_accepted"})
    ctx.details["reason"] = "24 小时内未确认，视为默认接受"  # stored as written, whatever the language


def raci_handed_over(ctx: StepContext) -> None:
    """The departed owner's RACI letters on the task pass to the successor with it (离职交接)."""
    old, new = ctx.inputs["from"], ctx.inputs["to"]
    for role in TaskRole.objects.filter(task=ctx.item, person=old):
        TaskRole.objects.get_or_create(task=ctx.item, person=new, role=role.role)
        role.delete()


def updated_today(ctx: StepContext) -> bool:
    return ctx.item.progress_updates.filter(work_date=clock.today()).exists()


# --- who hears -------------------------------------------------------------------------------------
def owner_and_helpers(ctx: StepContext) -> list[Any]:
    return [ctx.item.owner, *ctx.item.helpers.all()]


def informed(ctx: StepContext) -> list[Any]:
    roles = TaskRole.objects.filter(task=ctx.item, role=RaciRole.INFORMED).values("person_id")
    return list(Person.objects.filter(pk__in=roles))


def task_params(ctx: StepContext) -> dict[str, Any]:
    task = ctx.item
    return {
        "task": ctx.label,
        "verb": ctx.step.label,
        "start": task.start_date,
        "end": task.end_date,
        "owner": task.owner.display_name,
    }


def consultation_params(ctx: StepContext) -> dict[str, Any]:
    return {"task": ctx.label, "ask": ctx.reason or gettext("任务完成前请提出您的意见。")}


def task_arm(limit: str, **more: Any) -> Arm:
    return Arm(limit, owner=lambda t: t.owner, department=lambda t: t.department, **more)


ACCEPTANCE = task_arm("accept")
END_DATE = task_arm("due", due_at=lambda ctx: end_of_day(ctx.item, ctx.item.end_date))
DAILY_UPDATE = task_arm(
    "update_due", due_at=lambda ctx: next_update_due(ctx.item, ctx.now, updated_today=updated_today(ctx))
)
DAILY_UPDATE_AFTER_REOPENING = task_arm(
    "update_due", due_at=lambda ctx: next_update_due(ctx.item, ctx.now, updated_today=False)
)
# The new-task message, also sent when an edit gives a published task a new owner (tasks.services).
NEW_TASK_TITLE = _("【新任务】%(task)s")
NEW_TASK_BODY = _("%(start)s ~ %(end)s，负责人：%(owner)s。请在 %(due)s 前（%(limit)s内）确认接收，逾期视为默认接受。")
# A running task may still be cancelled and passes to a successor when its owner leaves; a done or
# cancelled one is history (its states are final) and stays its owner's.
RUNNING = (T.DRAFT, T.PUBLISHED, T.ACCEPTED, T.IN_PROGRESS)

# --- a 需求变更 reaching a published 分工表 (tasks.changes): the task's own steps, on its history --------------
CHANGE_RUNNING = (T.PUBLISHED, T.ACCEPTED, T.IN_PROGRESS)


def shown_value(value: Any) -> str:
    if value is None or value == "":
        return "—"
    if isinstance(value, Person):
        return value.display_name
    return str(value)


def changed_by_request(ctx: StepContext) -> None:
    """The values the 需求变更 carries (完成标准, dates, owner), each with its old one on the history."""
    task, values = ctx.item, ctx.inputs["values"]
    for field, new in values.items():
        ctx.was[field] = shown_value(getattr(task, field))
        ctx.details[field] = shown_value(new)
        if field == "owner":
            ctx.inputs["old_owner"] = task.owner
        setattr(task, field, new)
        ctx.changed.add(field)
    ctx.details["version"] = ctx.inputs["version"]


def owner_takes_the_task(ctx: StepContext) -> None:
    """A new owner is the task's one A and an R; they are no longer listed as a helper."""
    task = ctx.item
    if "owner" not in ctx.inputs["values"]:
        return
    TaskRole.objects.filter(task=task, role=RaciRole.ACCOUNTABLE).delete()
    TaskRole.objects.get_or_create(task=task, person=task.owner, role=RaciRole.ACCOUNTABLE)
    TaskRole.objects.get_or_create(task=task, person=task.owner, role=RaciRole.RESPONSIBLE)
    task.helpers.remove(task.owner)


def owner_changed(ctx: StepContext) -> bool:
    return "owner" in ctx.inputs["values"]


def end_or_owner_changed(ctx: StepContext) -> bool:
    return ctx.item.state in CHANGE_RUNNING and bool({"end_date", "owner"} & set(ctx.inputs["values"]))


def moved_along(ctx: StepContext) -> None:
    """The successor moves as its caller computed (a 需求变更 keeps the buffer after its predecessor's new end;
    a granted delay shifts it by the delay's working days); `cause` says why, for the history and the owner."""
    task = ctx.item
    ctx.was.update({"start_date": str(task.start_date), "end_date": str(task.end_date)})
    task.start_date, task.end_date = ctx.inputs["start_date"], ctx.inputs["end_date"]
    ctx.changed.update({"start_date", "end_date"})
    ctx.details.update(
        {
            "start_date": str(task.start_date),
            "end_date": str(task.end_date),
            "predecessor": ctx.inputs["predecessor"],
            "cause": str(ctx.inputs["cause"]),
        }
    )
    if "version" in ctx.inputs:
        ctx.details["version"] = ctx.inputs["version"]


def replan_params(ctx: StepContext) -> dict[str, Any]:
    return {**task_params(ctx), "predecessor": ctx.inputs["predecessor"], "cause": ctx.inputs["cause"]}


def postponed(ctx: StepContext) -> None:
    """A granted 延期申请 (risks) moves the task's planned end; its due clock is re-timed to the new day."""
    task = ctx.item
    ctx.was["end_date"] = str(task.end_date)
    task.end_date = ctx.inputs["end_date"]
    ctx.changed.add("end_date")
    ctx.details.update({"end_date": str(task.end_date), "delay": ctx.inputs["delay"]})


TELL_INFORMED = Tell(
    to=informed, title=_("【任务%(verb)s】%(task)s"), body="%(reason)s", kind="info", params=task_params
)

TASK = Process(
    key="task",
    model=Task,
    label=_("协作任务"),
    nav=Nav(pgettext_lazy("nav", "任务"), "task-list", prefix="/tasks/", order=20),
    workbench="xietong.tasks.workbench.my_tasks",
    workbench_order=30,
    workbench_key="tasks",
    related=("request", "owner", "project", "department"),
    owners=("owner", "coordinator"),  # who must act on an open task (handed over when they leave)
    states=(
        State(T.DRAFT, T.DRAFT.label, "muted"),
        State(T.PUBLISHED, T.PUBLISHED.label, "warn"),
        State(T.ACCEPTED, T.ACCEPTED.label, "info"),
        State(T.IN_PROGRESS, T.IN_PROGRESS.label, "info"),
        State(T.DONE, T.DONE.label, "ok", final=True),
        State(T.CANCELLED, T.CANCELLED.label, "muted", final=True),
    ),
    steps=(
        Step(
            "publish",
            _("发布"),
            (T.DRAFT,),
            T.PUBLISHED,
            builder,
            system=True,  # the breakdown's publication, or a task added to a published breakdown
            arms=(ACCEPTANCE, END_DATE),
            tells=(
                Tell(
                    to=owner_and_helpers, title=NEW_TASK_TITLE, body=NEW_TASK_BODY, limit="accept", params=task_params
                ),
            ),
        ),
        Step(
            "accept",
            _("确认接收"),
            (T.PUBLISHED,),
            T.ACCEPTED,
            owner,
            "primary",
            stamps=("accepted_at",),
            satisfies=("accept",),
        ),
        Step(
            "auto_accept", _("超时默认接收"), (T.PUBLISHED,), T.ACCEPTED, owner, system=True, apply=accepted_by_default
        ),
        Step(
            "start",
            _("开始"),
            (T.ACCEPTED,),
            T.IN_PROGRESS,
            owner,
            "primary",
            check=predecessors_finished,
            stamps=("started_at",),
            arms=(DAILY_UPDATE,),
            tells=(TELL_INFORMED,),
        ),
        Step(
            "consult",
            _("征询意见（C）"),
            (T.ACCEPTED, T.IN_PROGRESS),
            None,
            owner,
            reason=Reason(_("征询内容"), required=False),
            check=consulted_people,
            after=record_consultations,
            tells=(
                Tell(
                    to=lambda ctx: ctx.inputs["consulted"],
                    title=_("【征询意见】%(task)s"),
                    body="%(ask)s",
                    params=consultation_params,
                ),
            ),
        ),
        Step(
            "done",
            _("标记完成"),
            (T.IN_PROGRESS,),
            T.DONE,
            owner,
            "primary",
            check=consulted_before_done,
            stamps=("done_at",),
            satisfies=("due",),
            cancels=(ALL_LIMITS,),
            tells=(TELL_INFORMED,),
        ),
        Step(
            "reopen",
            _("重新打开"),
            (T.DONE,),
            T.IN_PROGRESS,
            builder,
            reason=Reason(_("原因")),
            arms=(END_DATE, DAILY_UPDATE_AFTER_REOPENING),
            tells=(TELL_INFORMED,),
        ),
        Step(
            "cancel",
            _("取消任务"),
            RUNNING,
            T.CANCELLED,
            builder_of_a_draft,
            "danger",
            reason=Reason(_("原因")),
            refusal=cancel_refusal,
            cancels=(ALL_LIMITS,),
            tells=(TELL_INFORMED,),
        ),
        hand_over_step(RUNNING, also=raci_handed_over),
        # A 需求变更 changes a published task's 完成标准, dates or owner (tasks.changes): re-timed, its new owner told.
        Step(
            "change",
            _("按需求变更调整"),
            RUNNING,
            None,
            builder,
            system=True,
            records_state=False,
            apply=changed_by_request,
            after=owner_takes_the_task,
            arms=(
                replace(END_DATE, when=end_or_owner_changed),
                replace(ACCEPTANCE, when=lambda ctx: owner_changed(ctx) and ctx.item.state == T.PUBLISHED),
                replace(DAILY_UPDATE, when=lambda ctx: owner_changed(ctx) and ctx.item.state == T.IN_PROGRESS),
            ),
            tells=(
                Tell(
                    to=lambda ctx: [ctx.item.owner],
                    title=NEW_TASK_TITLE,
                    body=NEW_TASK_BODY,
                    limit="accept",
                    params=task_params,
                    when=lambda ctx: owner_changed(ctx) and ctx.item.state == T.PUBLISHED,
                ),
            ),
        ),
        # Its predecessor now ends later (a 需求变更, keeping the buffer 预留1-2天缓冲期; or a granted delay): it moves along.
        Step(
            "replan",
            _("计划顺延"),
            RUNNING,
            None,
            builder,
            system=True,
            records_state=False,
            apply=moved_along,
            arms=(replace(END_DATE, when=lambda ctx: ctx.item.state in CHANGE_RUNNING),),
            tells=(
                Tell(
                    to=lambda ctx: [ctx.item.owner],
                    title=_("【计划顺延】%(task)s"),
                    body=_("前置任务“%(predecessor)s”%(cause)s，本任务顺延为 %(start)s ~ %(end)s。"),
                    kind="info",
                    params=replan_params,
                    when=lambda ctx: ctx.item.state in CHANGE_RUNNING,
                ),
            ),
        ),
        # A 延期申请 granted (risks.delay's last approval): the planned end moves, the due clock with it. The
        # delay itself tells the related parties; its successors then take `replan`.
        Step(
            "postpone",
            _("延期生效"),
            RUNNING,
            None,
            builder,
            system=True,
            records_state=False,
            apply=postponed,
            arms=(replace(END_DATE, when=lambda ctx: ctx.item.state in CHANGE_RUNNING),),
        ),
    ),
    limits=(
        Limit("accept", "24h", mode="wall", rule="任务发布后 24 小时内未确认视为默认接受"),
        Limit("update_due", "0m", remind_before="1h", rule="负责人每日 17:00 前更新任务进度"),
        Limit("due", "0m", remind_before="1d", ladder="standard", rule="任务到期未完成：提醒负责人，逾期升级"),
    ),
    action_labels={
        "task.create": _("新增任务"),
        "task.update": _("修改任务"),
        "task.dependencies": _("设置依赖关系"),
        "task.raci": _("设置 RACI"),
    },
)


# --- the breakdown: built while a draft, signed by every participating department's head, then published --
# 《多部门协同作业标准沟通流程》二: 关键输出《协同任务分工表》(含各部门负责人签字确认); 关键执行要点: RACI矩阵需经所有部门
# 签字确认. The kickoff (启动会) the request called starts its clocks: the 分工表 within 3 working days (001),
# the task notice within 1 working day (000 二（二）).
SIGN_CLAUSE = (
    f"《{MULTI}》二「《协同任务分工表》(含各部门负责人签字确认)」；关键执行要点「RACI矩阵需经所有部门签字确认」"
)


def signing_departments(breakdown: Breakdown) -> list[Participation]:
    """The departments whose heads sign the 分工表 and the RACI: every participating department not withdrawn."""
    return list(
        breakdown.request.participations.exclude(state=Participation.State.WITHDRAWN)
        .select_related("department__head", "contact")
        .order_by("position")
    )


def awaited_signatures(breakdown: Breakdown) -> list[Participation]:
    signed = set(BreakdownSignature.objects.filter(breakdown=breakdown).values_list("department_id", flat=True))
    return [p for p in signing_departments(breakdown) if p.department_id not in signed]


def awaited_names(participations: list[Participation]) -> str:
    """生产部（谢强）、市场部（高峰）: whose signature is awaited."""
    nobody = gettext("未设负责人")
    return "、".join(f"{p.department.name}（{p.head.display_name if p.head else nobody}）" for p in participations)


def awaited_heads(ctx: StepContext) -> list[Any]:
    return [p.head for p in awaited_signatures(ctx.item) if p.head is not None]


def signing_head(person: Any, breakdown: Breakdown) -> bool:
    """The head of a participating department that has not signed this draft yet."""
    return any(p.head is not None and p.head.pk == person.pk for p in awaited_signatures(breakdown))


def sign_refusal(breakdown: Breakdown) -> str:
    waiting = awaited_signatures(breakdown)
    if not waiting:
        return gettext("各参与部门负责人均已签字")
    return gettext("只有尚未签字的参与部门负责人可以签字，尚待：%(who)s") % {"who": awaited_names(waiting)}


def has_tasks(ctx: StepContext) -> None:
    if not ctx.item.tasks.exclude(state=T.CANCELLED).exists():
        raise ApplicationError(gettext("请先添加至少一个任务"))


def record_signatures(ctx: StepContext) -> None:
    """The head signs for each awaited department they lead (one person may lead two)."""
    person = ctx.principal
    departments = [p for p in awaited_signatures(ctx.item) if p.head is not None and p.head.pk == person.pk]
    for participation in departments:
        BreakdownSignature.objects.create(
            breakdown=ctx.item, department=participation.department, signed_by=person, signed_at=ctx.now
        )
    ctx.details["departments"] = [p.department.name for p in departments]
    ctx.details["tasks"] = list(ctx.item.tasks.exclude(state=T.CANCELLED).values_list("pk", flat=True))


def publishable(ctx: StepContext) -> None:
    """Every task has its RACI complete, an accepted request has both sides' signatures, and every
    participating department's head has signed the 分工表 and the RACI."""
    breakdown, request = ctx.item, ctx.item.request
    tasks = list(breakdown.tasks.exclude(state=T.CANCELLED).select_related("owner", "project", "department"))
    if not tasks:
        raise ApplicationError(gettext("请先添加至少一个任务"))
    roles: dict[int, dict[int, set[str]]] = {}
    for role in TaskRole.objects.filter(task__in=tasks):
        roles.setdefault(role.task_id, {}).setdefault(role.person_id, set()).add(role.role)
    for task in tasks:
        problems = raci_validate(roles.get(task.pk, {}))
        if problems:
            raise ApplicationError(
                gettext("任务“%(task)s”的 RACI 不完整：%(p)s") % {"task": task.title, "p": "；".join(problems)}
            )
    signed = {s.role for s in request.signatures.all()}
    if request.state == RequestState.ACCEPTED and not {"requester", "receiver"} <= signed:
        raise ApplicationError(gettext("发布前需求双方须先确认签字（需求说明书 › 确认签字）"))
    missing = awaited(list(request.participations.select_related("department__head", "contact")))
    if missing:
        raise ApplicationError(gettext("发布前各参与部门负责人须确认签字，尚待：%(who)s") % {"who": "、".join(missing)})
    unsigned = awaited_signatures(breakdown)
    if unsigned:
        raise ApplicationError(
            gettext("发布前各参与部门负责人须在分工表及 RACI 上签字，尚待：%(who)s") % {"who": awaited_names(unsigned)}
        )
    ctx.inputs["tasks"] = tasks
    ctx.inputs["roles"] = roles
    ctx.details["tasks"] = [t.pk for t in tasks]


def department_signature_voided(ctx: StepContext) -> None:
    participation = ctx.inputs["participation"]
    voided = list(BreakdownSignature.objects.filter(breakdown=ctx.item, department=participation.department))
    BreakdownSignature.objects.filter(pk__in=[v.pk for v in voided]).delete()
    ctx.details.update(
        {
            "department": participation.department.name,
            "voided": [f"{v.department.name}（{v.signed_by.display_name}）" for v in voided],
            "why": ctx.inputs["why"],
        }
    )


def again_params(ctx: StepContext) -> dict[str, Any]:
    words = {
        "joined": gettext("经需求变更加入本需求"),
        "duties": gettext("的职责经需求变更调整，原签字已作废"),
        "tasks": gettext("的任务经需求变更（V%(n)s）新增或取消，原签字已作废") % {"n": ctx.inputs.get("version", "")},
    }
    return {
        **breakdown_params(ctx),
        "dept": ctx.inputs["participation"].department.name,
        "why": words[ctx.inputs["why"]],
    }


def breakdown_signature_asked_again(ctx: StepContext) -> None:
    """Added to the participation's `send` and `void` steps (tasks.apps): a department that joins, or whose
    duties change, once the request has a 分工表 signs that again too."""
    participation = ctx.item
    breakdown = Breakdown.objects.filter(request_id=participation.request_id).first()
    if breakdown is None:
        return
    if ctx.step.name == "send" and not BreakdownSignature.objects.filter(breakdown=breakdown).exists():
        return  # nobody has signed yet: it is asked with the others (提交各部门负责人签字)
    why = "duties" if ctx.step.name == "void" else "joined"
    run_step(
        actor=ctx.actor,
        item=breakdown,
        step="ask_again",
        inputs={"participation": participation, "why": why},
        as_system=True,
    )


def published_by(ctx: StepContext) -> None:
    ctx.item.published_by = ctx.principal
    ctx.changed.add("published_by")


def publish_tasks(ctx: StepContext) -> None:
    """Each draft task is published to its owner and helpers; the request moves into execution."""
    request = ctx.item.request
    if request.state == RequestState.ACCEPTED:
        run_step(actor=ctx.actor, item=request, step="start", reason=gettext("任务分解表已发布"), as_system=True)
    for task in ctx.inputs["tasks"]:
        if task.state == T.DRAFT:
            run_step(actor=ctx.actor, item=task, step="publish", as_system=True)


def notice_recipients(ctx: StepContext) -> list[Any]:
    """启动会后1个工作日内…发布任务通知,抄送所有相关人员及部门负责人: every person on a task (owner, helpers,
    coordinator, each RACI letter), both sides of the request, each participating department's contact,
    协作负责人 and head, and the head of every department a task is in."""
    request = ctx.item.request
    tasks = ctx.inputs["tasks"]
    ids: set[int] = set()
    for task in tasks:
        ids.add(task.owner_id)
        ids.update(task.helpers.values_list("pk", flat=True))
        if task.coordinator_id:
            ids.add(task.coordinator_id)
        if task.department.head_id:
            ids.add(task.department.head_id)
    for person_ids in ctx.inputs["roles"].values():
        ids.update(person_ids)
    ids.update(pk for pk in (request.requester_id, request.receiver_id) if pk)
    for department in (request.requesting_department, request.receiving_department):
        if department is not None and department.head_id:
            ids.add(department.head_id)
    for p in signing_departments(ctx.item):
        ids.update(pk for pk in (p.contact_id, p.coordinator_id, p.department.head_id) if pk)
    return list(Person.objects.filter(pk__in=ids, is_active=True).order_by("pk"))


def breakdown_params(ctx: StepContext) -> dict[str, Any]:
    request = ctx.item.request
    tasks = ctx.inputs.get("tasks") or []
    lines = "；".join(
        gettext("%(n)d. %(task)s（负责人：%(owner)s，%(start)s ~ %(end)s）")
        % {"n": t.position, "task": t.title, "owner": t.owner.display_name, "start": t.start_date, "end": t.end_date}
        for t in tasks
    )
    return {"r": f"{request.number} {request.title}", "n": len(tasks), "tasks": lines}


def kickoff_end(ctx: StepContext) -> Any:
    return ctx.inputs["kickoff"].end_at


def kickoff_named(ctx: StepContext) -> None:
    """The history names the kickoff the clocks count from (or the one that was cancelled)."""
    meeting = ctx.inputs["kickoff"]
    ctx.details.update({"kickoff": meeting.number, "kickoff_end": meeting.end_at.isoformat()})


def requester(breakdown: Breakdown) -> Any:
    return breakdown.request.requester


def requesting_department(breakdown: Breakdown) -> Any:
    return breakdown.request.requesting_department


B = Breakdown.State
BREAKDOWN = Process(
    key="breakdown",
    model=Breakdown,
    label=_("任务分解表"),
    workbench="xietong.tasks.workbench.breakdowns_to_sign",
    workbench_order=28,
    workbench_key="breakdown-signatures",
    related=("request", "request__requester", "request__requesting_department"),
    audit_on=lambda breakdown: breakdown.request,  # its history is the request's
    states=(State(B.DRAFT, B.DRAFT.label, "muted"), State(B.PUBLISHED, B.PUBLISHED.label, "ok")),
    steps=(
        # The kickoff the request called is set (its meeting notice went out): the 分工表 and the task
        # notice are due counted from its end (tasks.kickoff; taken again when the kickoff moves).
        Step(
            "kickoff",
            _("启动会"),
            (B.DRAFT,),
            None,
            builder,
            system=True,
            records_state=False,
            apply=kickoff_named,
            arms=(
                Arm("breakdown", owner=requester, department=requesting_department, start=kickoff_end),
                Arm("task_notice", owner=requester, department=requesting_department, start=kickoff_end),
            ),
        ),
        # The kickoff was cancelled and no other one is set: there is nothing to count from any more; the
        # clocks start again when a kickoff is set (tasks.kickoff).
        Step(
            "kickoff_cancelled",
            _("启动会取消"),
            (B.DRAFT,),
            None,
            builder,
            system=True,
            records_state=False,
            apply=kickoff_named,
            cancels=("breakdown", "task_notice"),
        ),
        Step(
            "ask_signatures",
            _("提交各部门负责人签字"),
            (B.DRAFT,),
            None,
            builder,
            check=has_tasks,
            records_state=False,
            refusal=lambda b: gettext("只有发起方与接收方可以提交签字"),
            tells=(
                Tell(
                    to=awaited_heads,
                    title=_("【待签字】%(r)s 任务分解表"),
                    body=_("%(actor)s 请您确认任务分解表（分工表及 RACI 矩阵）并在平台签字，签字后方可发布。"),
                    params=breakdown_params,
                ),
            ),
        ),
        # A participating department joined, or its duties changed, after the heads signed (a 需求变更): its
        # signature on the 分工表 is void (on the request's history) and its head is asked again — before
        # publication it holds the publication back, after it the request's 提交交付 (tasks.request_gates).
        Step(
            "ask_again",
            _("分工表签字作废，重新签字"),
            (B.DRAFT, B.PUBLISHED),
            None,
            builder,
            system=True,
            records_state=False,
            apply=department_signature_voided,
            tells=(
                Tell(
                    to=lambda ctx: [ctx.inputs["participation"].head],
                    title=_("【待签字】%(r)s 任务分解表"),
                    body=_("%(dept)s%(why)s，请确认任务分解表（分工表及 RACI 矩阵）并在平台重新签字。"),
                    params=again_params,
                    when=lambda ctx: ctx.inputs["participation"].head is not None,
                ),
            ),
        ),
        Step(
            "sign",
            _("部门负责人签字"),
            (B.DRAFT, B.PUBLISHED),
            None,
            signing_head,
            "primary",
            check=has_tasks,
            apply=record_signatures,
            records_state=False,
            refusal=sign_refusal,
            tells=(
                Tell(
                    to=lambda ctx: [ctx.item.request.requester],
                    title=_("【分工表已签字】%(r)s"),
                    body=_("%(actor)s 已在任务分解表（分工表及 RACI 矩阵）上签字。"),
                    kind="info",
                    params=breakdown_params,
                ),
            ),
        ),
        Step(
            "publish",
            _("发布任务分解表"),
            (B.DRAFT,),
            B.PUBLISHED,
            builder,
            "primary",
            check=publishable,
            stamps=("published_at",),
            apply=published_by,
            satisfies=("breakdown", "task_notice"),
            after=publish_tasks,
            tells=(
                Tell(
                    to=notice_recipients,
                    title=_("【任务通知】%(r)s"),
                    body=_("任务分解表已发布，共 %(n)d 个任务：%(tasks)s。"),
                    kind="info",
                    params=breakdown_params,
                ),
            ),
        ),
    ),
    limits=(
        Limit(
            "breakdown",
            "3d",
            remind_before="4h",
            ladder="standard",
            rule="启动会后 3 个工作日内完成《协同任务分工表》（各部门负责人签字确认后发布）",
            label=_("分工表"),
            source=MULTI,
            clause="多部门协同沟通记录表模板",
            clause_text="方案制定与分工各部门负责人细化任务,明确RACI启动会后3个工作日《协同任务分工表》",
        ),
        Limit(
            "task_notice",
            "1d",
            remind_before="2h",
            ladder="standard",
            rule="启动会后 1 个工作日内发布任务通知，抄送所有相关人员及部门负责人",
            label=_("任务通知"),
            source=FLOW,
            clause="二（二）",
            clause_text="启动会后1个工作日内,发起方通过企业协作平台(如钉钉/企业)发布任务通知,抄送所有相关人员及部门负责人",
            also=f"《{MULTI}》多部门协同沟通记录表模板「启动会后3个工作日《协同任务分工表》」（分工表本身的时限，见其规则）",
        ),
    ),
    action_labels={
        "breakdown.create": _("创建任务分解表"),
        "breakdown.signatures_void": _("任务分解表修改，签字作废"),
    },
)
