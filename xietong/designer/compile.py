"""A published version, compiled into a spine `Process`: the same states, steps, clocks, audit and messages
as every built-in process, so the runner executes a designed process like any other.

States: draft → running → approved | rejected | withdrawn; running → returned (to the requester) → running.
People's steps: submit 提交, approve 同意, handle 办理完成, reject 拒绝, send_back 退回, transfer 转交,
add_sign 加签, withdraw 撤回, urge 催办; the system's: timeout_approve 超时自动同意, timeout_return 超时自动退回.
The item's `step` names where it is; its approval tasks say who acts there (designer.models.ApprovalTask).
Each designed step with a limit arms a clock named by the step's key under the version's own policies
(`<key>@<n>`: an item finishes on the limits it started with).
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db.models import Max, Q
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from xietong.clocks.services import clock_satisfy, clocks_hand_over
from xietong.core.errors import ApplicationError, Forbidden, InvalidState
from xietong.designer.approver_deadlines import pass_clock_on, settle_approver_clocks
from xietong.designer.approvers import resolve
from xietong.designer.definitions import definition_of, remember
from xietong.designer.models import OPEN_TASKS, ApprovalTask, DesignedItem, ItemState, TaskState
from xietong.designer.schema import Definition, StepDef, condition_holds
from xietong.items.process import (
    ALL_LIMITS,
    Process,
    Reason,
    State,
    Step,
    StepContext,
    Tell,
    hand_over_step,
)
from xietong.org.models import Person

S = ItemState
URGE_EVERY_SECONDS = 3600


# --- who ----------------------------------------------------------------------------------------------


def requester(person: Any, item: DesignedItem) -> bool:
    return bool(person.pk == item.created_by_id)


def _step_tasks(item: DesignedItem) -> list[ApprovalTask]:
    """The open and waiting tasks of the item's current step, in their order. Read once per state of the
    item: the runner asks who may act, the step's apply takes the actor's task from them, and what one
    approval opens or finishes is decided on the same rows (the item is locked in between)."""
    key = (item.step, item.round, item.version)
    known = item.__dict__.setdefault("_step_tasks_read", {})
    if key not in known:
        known[key] = list(_open_tasks(item).select_related("person").order_by("position", "pk"))
    return known[key]


def _open_task(person: Any, item: DesignedItem) -> ApprovalTask | None:
    """The person's open task on the item's current step."""
    return next((t for t in _step_tasks(item) if t.person_id == person.pk and t.status == TaskState.OPEN), None)


def _acts_on(kind: str) -> Any:
    def who(person: Any, item: DesignedItem) -> bool:
        if item.state != S.RUNNING or not item.step:
            return False
        definition = definition_of(item)
        step = next((s for s in definition.steps if s.key == item.step), None)
        return step is not None and step.kind == kind and _open_task(person, item) is not None

    return who


def _any_open_task(person: Any, item: DesignedItem) -> bool:
    return item.state == S.RUNNING and _open_task(person, item) is not None


def _may_withdraw(person: Any, item: DesignedItem) -> bool:
    if not requester(person, item):
        return False
    if item.state != S.RUNNING:
        return True
    return not ApprovalTask.objects.filter(item=item, round=item.round, acted_at__isnull=False).exists()


# --- routing -------------------------------------------------------------------------------------------


def _next_steps(definition: Definition, item: DesignedItem, after: str | None) -> list[StepDef]:
    """The steps from `after` (exclusive; None: from the start) whose conditions hold, in order."""
    keys = [s.key for s in definition.steps]
    start = keys.index(after) + 1 if after else 0
    return [s for s in definition.steps[start:] if condition_holds(s.when, item.values or {})]


def _enter(ctx: StepContext, definition: Definition, candidates: list[StepDef]) -> None:
    """Move the item to the first of `candidates` someone can act on: cc steps are sent and passed,
    steps nobody fills are skipped (recorded); none left → approved."""
    item = ctx.item
    skipped, copied = ctx.details.setdefault("skipped", []), ctx.details.setdefault("copied", [])
    for step in candidates:
        people = resolve(step.approvers, item, step.key)
        if step.kind == "cc":
            ApprovalTask.objects.bulk_create(
                ApprovalTask(
                    item=item, step=step.key, round=item.round, person=person, status=TaskState.SENT, created_at=ctx.now
                )
                for person in people
            )
            copied.append({"step": step.key, "people": [p.display_name for p in people]})
            ctx.details.setdefault("cc_people", []).extend(p.pk for p in people)
            ctx.known.setdefault("cc_people", []).extend(people)
            continue
        if not people:
            skipped.append({"step": step.key, "name": step.name, "why": _("无人可审批，已跳过")})
            continue
        sequential = step.mode == "sequential" or step.approvers.get("type") == "chain"
        ApprovalTask.objects.bulk_create(  # one insert for the step's approvers, in their order
            ApprovalTask(
                item=item,
                step=step.key,
                round=item.round,
                position=(n + 1) * 10 if sequential else 10,
                person=person,
                status=TaskState.OPEN if (n == 0 or not sequential) else TaskState.WAITING,
                created_at=ctx.now,
                started_at=ctx.now if (n == 0 or not sequential) else None,
            )
            for n, person in enumerate(people)
        )
        item.step = step.key
        ctx.changed.add("step")
        ctx.details["entered"] = step.key
        ctx.known["given_to"] = [p for n, p in enumerate(people) if n == 0 or not sequential]  # their tasks open
        ctx.details["approvers"] = [p.display_name for p in people]
        return
    item.step = ""
    ctx.changed.add("step")
    item.decided_at = ctx.now
    ctx.changed.add("decided_at")
    ctx.target = S.APPROVED


def _finish_step(ctx: StepContext, definition: Definition) -> None:
    """The current step is done: record it, then enter the next one whose condition holds."""
    ctx.details["finished"] = ctx.item.step
    _enter(ctx, definition, _next_steps(definition, ctx.item, ctx.item.step))


def _open_tasks(item: DesignedItem) -> Any:
    return ApprovalTask.objects.filter(item=item, step=item.step, round=item.round, status__in=OPEN_TASKS)


def _close(task: ApprovalTask, status: str, ctx: StepContext, note: str = "") -> None:
    task.status, task.acted_at, task.note = status, ctx.now, note[:3000]
    task.acted_by = ctx.actor if ctx.actor is not None and ctx.actor.pk != task.person_id else None
    task.save(update_fields=["status", "acted_at", "note", "acted_by"])


def _after_approval(ctx: StepContext, task: ApprovalTask, step: StepDef) -> None:
    """What one approval opens or closes: 加签 before/after, 或签, 依次; the step finishes when nobody is left.
    Decided on the step's tasks as read for the actor's own (one update per change, none when nothing
    changes)."""
    item = ctx.item
    others = [t for t in _step_tasks(item) if t.pk != task.pk and t.status in OPEN_TASKS]
    if step.mode == "any" and not task.added_how:
        # 或签: one original approver decides for all (what they added after themselves still waits).
        _set_status(ctx, [t for t in others if not t.added_how], TaskState.CANCELLED)
    _set_status(
        ctx,
        [
            t
            for t in others
            if t.added_by_id == task.person_id and t.added_how == "after" and t.status == TaskState.WAITING
        ],
        TaskState.OPEN,
        started=True,
    )
    if task.added_how == "before" and task.added_by_id:
        _set_status(
            ctx,
            [t for t in others if t.person_id == task.added_by_id and t.status == TaskState.WAITING and t.blocked],
            TaskState.OPEN,
            unblock=True,
        )
    remaining = [t for t in others if t.status in OPEN_TASKS]
    if not remaining:
        _finish_step(ctx, definition_of(item))
    elif not any(t.status == TaskState.OPEN for t in remaining):
        following = next((t for t in remaining if not t.blocked), None)
        if following is not None:
            following.status = TaskState.OPEN
            following.started_at = following.started_at or ctx.now
            following.save(update_fields=["status", "started_at"])


def _set_status(
    ctx: StepContext, tasks: list[ApprovalTask], status: str, started: bool = False, unblock: bool = False
) -> None:
    """`tasks` to `status` in one update, and so in memory: started now (a task opened after its adder), no
    longer blocked (the one who added someone before themselves)."""
    if not tasks:
        return
    fields: dict[str, Any] = {"status": status}
    if started:
        fields["started_at"] = ctx.now
    if unblock:
        fields["blocked"] = False
    ApprovalTask.objects.filter(pk__in=[t.pk for t in tasks]).update(**fields)
    for t in tasks:
        for name, value in fields.items():
            setattr(t, name, value)


def _my_task(ctx: StepContext) -> ApprovalTask:
    task = _open_task(ctx.principal, ctx.item)
    if task is None:
        raise Forbidden(_("您没有此事项待处理的审批"))
    return task


# --- step hooks ----------------------------------------------------------------------------------------


def submit_check(ctx: StepContext) -> None:
    """A draft's first submission: its dates must still be as far ahead as their fields' lead times say
    (最早：提交后 N 个工作日 …), counted from now (an item sent back was on time when first submitted)."""
    if ctx.item.state != S.DRAFT:
        return
    from xietong.designer.items import earliest_for
    from xietong.designer.schema import too_early

    errors = too_early(definition_of(ctx.item), ctx.item.values or {}, earliest_for(ctx.item.created_by))
    if errors:
        raise ApplicationError("；".join(errors.values()), fields=errors)


def submit_apply(ctx: StepContext) -> None:
    item, definition = ctx.item, definition_of(ctx.item)
    resume = item.resume_step
    item.round = (item.round or 0) + 1
    item.resume_step = ""
    item.submitted_at = ctx.now
    ctx.changed |= {"round", "resume_step", "submitted_at"}
    keys = [s.key for s in definition.steps]
    if resume and resume in keys:
        ctx.details["resumed_at"] = resume
        candidates = [definition.step(resume), *_next_steps(definition, item, resume)]
    else:
        candidates = _next_steps(definition, item, None)
    _enter(ctx, definition, candidates)


def approve_apply(ctx: StepContext) -> None:
    task = _my_task(ctx)
    _close(task, TaskState.APPROVED if ctx.step.name == "approve" else TaskState.DONE, ctx, ctx.reason)
    ctx.details["step"] = task.step
    _after_approval(ctx, task, definition_of(ctx.item).step(task.step))
    if ctx.item.step == task.step:  # still on the step: the tasks it read, as it changed them
        ctx.known["approval_tasks"] = _step_tasks(ctx.item)


def reject_apply(ctx: StepContext) -> None:
    task = _my_task(ctx)
    _close(task, TaskState.REJECTED, ctx, ctx.reason)
    _open_tasks(ctx.item).update(status=TaskState.CANCELLED)
    ctx.details["step"] = ctx.item.step
    ctx.item.decided_at = ctx.now
    ctx.changed.add("decided_at")


def send_back_check(ctx: StepContext) -> None:
    to = str(ctx.inputs.get("to") or "")
    if not to:
        return
    definition, item = definition_of(ctx.item), ctx.item
    keys = [s.key for s in definition.steps]
    if to not in keys or keys.index(to) >= keys.index(item.step):
        raise ApplicationError(fields={"to": _("只能退回到发起人或之前的步骤")})
    if not ApprovalTask.objects.filter(item=item, round=item.round, step=to).exclude(status=TaskState.SENT).exists():
        raise ApplicationError(fields={"to": _("该步骤本次未经过，不能退回到此")})


def send_back_apply(ctx: StepContext) -> None:
    task = _my_task(ctx)
    item, to = ctx.item, str(ctx.inputs.get("to") or "")
    here = item.step
    _close(task, TaskState.RETURNED, ctx, ctx.reason)
    _open_tasks(item).update(status=TaskState.CANCELLED)
    ctx.details.update({"step": here, "to": to or "requester"})
    if not to:
        item.resume_step = here  # re-submission resumes at the step that sent it back
        item.step = ""
        ctx.changed |= {"resume_step", "step"}
        ctx.target = S.RETURNED
        return
    definition = definition_of(item)
    ctx.target = S.RUNNING
    _enter(ctx, definition, [definition.step(to)])


def _check_someone_else(ctx: StepContext, *, nobody: str, oneself: str) -> None:
    """转交 and 加签 name an active person not yet on the step, not the one acting, and on an approval step not
    the requester (who would approve their own request)."""
    to = ctx.inputs.get("to")
    if not isinstance(to, Person) or not to.is_active:
        raise ApplicationError(fields={"to": nobody})
    if to.pk == ctx.principal.pk:
        raise ApplicationError(fields={"to": oneself})
    step = definition_of(ctx.item).step(ctx.item.step)
    if to.pk == ctx.item.created_by_id and step.kind == "approval":  # nobody approves their own request
        raise ApplicationError(
            fields={"to": _("%(name)s 是本事项的发起人，不能审批自己发起的事项") % {"name": to.display_name}}
        )
    if _open_tasks(ctx.item).filter(person=to).exists():
        raise ApplicationError(fields={"to": _("%(name)s 已是此步骤的处理人") % {"name": to.display_name}})


def transfer_check(ctx: StepContext) -> None:
    _check_someone_else(ctx, nobody=_("请选择转交给谁"), oneself=_("不能转交给自己"))


def add_sign_check(ctx: StepContext) -> None:
    _check_someone_else(ctx, nobody=_("请选择加签给谁"), oneself=_("不能给自己加签"))


def transfer_apply(ctx: StepContext) -> None:
    task, to = _my_task(ctx), ctx.inputs["to"]
    _close(task, TaskState.TRANSFERRED, ctx, ctx.reason)
    taken = ApprovalTask.objects.create(
        item=ctx.item,
        step=task.step,
        round=task.round,
        position=task.position,
        person=to,
        status=TaskState.OPEN,
        added_by=task.added_by,
        added_how=task.added_how,
        created_at=ctx.now,
        started_at=task.started_at or task.created_at,  # the time left goes with the task
    )
    pass_clock_on(ctx, task, taken)
    ctx.details.update({"step": task.step, "from": task.person_id, "to": to.pk, "to_name": to.display_name})


def transfer_after(ctx: StepContext) -> None:
    principal = ctx.principal
    clocks_hand_over(subject=ctx.item, old=principal, new=ctx.inputs["to"])


def hand_over_tasks(ctx: StepContext) -> None:
    """离职交接: the leaver's open and waiting tasks on the item pass to the successor, each in its place (a
    successor already approving the same step keeps their own task: the leaver's is closed as transferred)."""
    old, new = ctx.inputs["from"], ctx.inputs["to"]
    moved = []
    for task in _open_tasks(ctx.item).filter(person_id=old.pk).order_by("position", "pk"):
        status, blocked = task.status, task.blocked
        _close(task, TaskState.TRANSFERRED, ctx, str(_("离职交接")))
        if not _open_tasks(ctx.item).filter(person_id=new.pk).exists():
            taken = ApprovalTask.objects.create(
                item=ctx.item,
                step=task.step,
                round=task.round,
                position=task.position,
                person=new,
                status=status,
                blocked=blocked,
                added_by=task.added_by,
                added_how=task.added_how,
                created_at=ctx.now,
                started_at=task.started_at,
            )
            pass_clock_on(ctx, task, taken)
        moved.append(task.step)
    ctx.details.update({"from": old.pk, "from_name": old.display_name, "to": new.pk, "to_name": new.display_name})
    ctx.details.update({"step": ctx.item.step, "tasks": moved})


def _hand_over() -> Step:
    """The spine's 移交 step (its clocks follow the successor), moving the approval tasks as it applies (so the
    audit event lists them)."""
    import dataclasses

    return dataclasses.replace(hand_over_step((S.RUNNING,), also=settle_approver_clocks), apply=hand_over_tasks)


def waiting_on(person: Any) -> Q:
    """Designed items `person` must still act on (an open or waiting task of the current step and round)."""
    from django.db.models import Exists, OuterRef

    tasks = ApprovalTask.objects.filter(
        item=OuterRef("pk"), person_id=person.pk, status__in=OPEN_TASKS, step=OuterRef("step"), round=OuterRef("round")
    )
    return Q(Exists(tasks), state=S.RUNNING)


def add_sign_apply(ctx: StepContext) -> None:
    task, to = _my_task(ctx), ctx.inputs["to"]
    how = "before" if ctx.inputs.get("how") == "before" else "after"
    ApprovalTask.objects.create(
        item=ctx.item,
        step=task.step,
        round=task.round,
        position=task.position,
        person=to,
        status=TaskState.OPEN if how == "before" else TaskState.WAITING,
        added_by=ctx.principal,
        added_how=how,
        created_at=ctx.now,
        started_at=ctx.now if how == "before" else None,  # added after: their clock starts when reached
    )
    if how == "before":
        task.status, task.blocked = TaskState.WAITING, True
        task.save(update_fields=["status", "blocked"])
    ctx.details.update({"step": task.step, "to": to.pk, "to_name": to.display_name, "how": how})


def urge_check(ctx: StepContext) -> None:
    last = ctx.item.urged_at
    if last is not None and (ctx.now - last).total_seconds() < URGE_EVERY_SECONDS:
        from xietong.clocks.wording import due_text

        raise InvalidState(
            _("每小时最多催办一次，请在 %(when)s 后再催办")
            % {"when": due_text(last + dt.timedelta(seconds=URGE_EVERY_SECONDS))}
        )


def urge_apply(ctx: StepContext) -> None:
    ctx.item.urged_at = ctx.now
    ctx.changed.add("urged_at")
    ctx.details["step"] = ctx.item.step


def withdraw_apply(ctx: StepContext) -> None:
    _open_tasks(ctx.item).update(status=TaskState.CANCELLED)
    ctx.details["step"] = ctx.item.step
    ctx.item.step = ""
    ctx.item.decided_at = ctx.now
    ctx.changed |= {"step", "decided_at"}


def timeout_apply(ctx: StepContext) -> None:
    """A step's limit ran out and its rule says so: approve for everyone still open, or send it back."""
    item = ctx.item
    ctx.details["step"] = item.step
    ctx.details["timeout"] = ctx.step.name
    task_pk = ctx.inputs.get("task")
    mine = _open_tasks(item).select_related("person").filter(pk=task_pk).first() if task_pk else None
    if mine is not None:
        ctx.details.update({"task": mine.pk, "person": mine.person.display_name})
    if ctx.step.name == "timeout_return":
        _open_tasks(item).update(status=TaskState.CANCELLED)
        item.resume_step, item.step = item.step, ""
        ctx.changed |= {"resume_step", "step"}
        ctx.target = S.RETURNED
        return
    if mine is not None:
        # That approver's own time ran out: approved for them alone, as if they had approved (依次: the next
        # is reached; 或签: the step is decided).
        _close(mine, TaskState.APPROVED, ctx, str(_("超时自动同意")))
        _after_approval(ctx, mine, definition_of(item).step(mine.step))
        return
    from xietong.designer.approver_deadlines import approver_due

    clock = _step_clock(item)
    later: list[tuple[dt.datetime, ApprovalTask]] = []
    for task in _open_tasks(item).select_related("person"):
        due = approver_due(clock, task) if clock is not None and task.status == TaskState.OPEN else None
        if due is not None and due > ctx.now:
            later.append((due, task))  # got the task later (加签): their own limit has not run out
            continue
        _close(task, TaskState.APPROVED, ctx, str(_("超时自动同意")))
    if later:
        due, task = min(later, key=lambda pair: pair[0])
        ctx.details["still_due"] = [{"name": t.person.display_name, "due": d.isoformat()} for d, t in later]
        ctx.details["rearm"] = {
            "due": due.isoformat(),
            "owner": task.person_id,
            "process": clock.policy.process,
            "priority": clock.policy.priority,
        }
        return
    _finish_step(ctx, definition_of(item))


def _step_clock(item: DesignedItem) -> Any:
    """The step's own clock of an item armed before each approver had one (issue 21)."""
    from xietong.clocks.models import Clock
    from xietong.clocks.services import subject_key

    subject_type, subject_id = subject_key(item)
    return (
        Clock.objects.filter(subject_type=subject_type, subject_id=subject_id, kind=item.step, part="")
        .order_by("-created_at", "-pk")
        .first()
    )


def timeout_after(ctx: StepContext) -> None:
    """After an automatic approval: the step's clock met, or — when approvers who got the task later still
    have time of their own — armed again for the first of them."""
    satisfy_finished(ctx)
    rearm = ctx.details.get("rearm")
    if rearm:
        from xietong.clocks.services import clock_arm

        clock_arm(
            subject=ctx.item,
            process=rearm["process"],
            priority=rearm.get("priority") or "*",
            limit=ctx.item.step,
            owner=Person.objects.get(pk=rearm["owner"]),
            department=ctx.item.department,
            due_at=dt.datetime.fromisoformat(rearm["due"]),
        )


def _then(*hooks: Any) -> Any:
    def after(ctx: StepContext) -> None:
        for hook in hooks:
            hook(ctx)

    return after


def settled_and_finished(ctx: StepContext) -> None:
    """Each approver's clock settled (met, cancelled, armed for who is reached now), then the finished
    step's remaining clocks met."""
    finished = ctx.details.get("finished") or ""
    # An approval that leaves the item on its step decided on the step's tasks it read: settling reuses them.
    known = ctx.known.get("approval_tasks") if not finished else None
    settle_approver_clocks(ctx, whole_limit_met=finished, known=known)
    satisfy_finished(ctx)


def satisfy_finished(ctx: StepContext) -> None:
    """The step the item left: its clock is met (an earlier clock of the same step is re-armed on entry)."""
    finished = ctx.details.get("finished")
    if finished:
        clock_satisfy(subject=ctx.item, limit=finished, at=ctx.now)


# --- messages ------------------------------------------------------------------------------------------


def _current_people(ctx: StepContext) -> list[Person]:
    """Who is to act now: those a step entered by this one was given to, else the open tasks' holders."""
    if "given_to" in ctx.known:
        return list(ctx.known["given_to"])
    return [t.person for t in _open_tasks(ctx.item).filter(status=TaskState.OPEN).select_related("person")]


def _cc_people(ctx: StepContext) -> list[Person]:
    return list(ctx.known.get("cc_people", []))


def _entered(ctx: StepContext) -> bool:
    return bool(ctx.details.get("entered"))


def _tells(limit_steps: list[str]) -> tuple[Tell, ...]:
    waiting = Tell(
        to=_current_people,
        title=gettext_lazy("【待审批】%(label)s"),
        body=gettext_lazy("%(actor)s：%(action)s，请处理“%(step)s”。"),
        params=lambda ctx: {"step": _step_name(ctx)},
        when=_entered,
    )
    copied = Tell(
        to=_cc_people,
        title=gettext_lazy("【抄送】%(label)s"),
        body=gettext_lazy("%(actor)s：%(action)s，抄送给您知悉（%(state)s）。"),
        kind="info",
    )
    return (waiting, copied)


def _step_name(ctx: StepContext) -> str:
    key = ctx.item.step or ctx.details.get("step", "")
    definition = definition_of(ctx.item)
    return next((s.name for s in definition.steps if s.key == key), key)


def _to_requester(title: Any, body: Any, when: Any = None) -> Tell:
    return Tell(to=lambda ctx: [ctx.item.created_by], title=title, body=body, when=when)


# --- the process ---------------------------------------------------------------------------------------


def compile_version(version: Any) -> Process:
    """The spine Process of one published version (designer.runtime registers it)."""
    from xietong.designer.schema import parse
    from xietong.designer.views import DesignedPages

    definition = parse(version.document)
    remember(version.pk, definition, version.policy_process)
    limited = [s.key for s in definition.steps if s.limit is not None]
    tells = _tells(limited)
    returned = _to_requester(gettext_lazy("【已退回】%(label)s"), gettext_lazy("%(actor)s 退回：%(reason)s"))
    steps = (
        Step(
            "submit",
            gettext_lazy("提交"),
            (S.DRAFT, S.RETURNED),
            S.RUNNING,
            requester,
            "primary",
            check=submit_check,
            apply=submit_apply,
            tells=tells,
            after=settled_and_finished,
        ),
        Step(
            "approve",
            gettext_lazy("同意"),
            (S.RUNNING,),
            None,
            _acts_on("approval"),
            "primary",
            reason=Reason(gettext_lazy("审批意见"), required=False),
            apply=approve_apply,
            after=settled_and_finished,
            tells=(
                *tells,
                _to_requester(
                    gettext_lazy("【已通过】%(label)s"),
                    gettext_lazy("%(actor)s 同意，审批已通过。"),
                    when=lambda ctx: ctx.item.state == S.APPROVED,
                ),
            ),
        ),
        Step(
            "handle",
            gettext_lazy("办理完成"),
            (S.RUNNING,),
            None,
            _acts_on("handle"),
            "primary",
            reason=Reason(gettext_lazy("办理说明"), required=False),
            apply=approve_apply,
            after=settled_and_finished,
            tells=(
                *tells,
                _to_requester(
                    gettext_lazy("【已办结】%(label)s"),
                    gettext_lazy("%(actor)s 已办理完成。"),
                    when=lambda ctx: ctx.item.state == S.APPROVED,
                ),
            ),
        ),
        Step(
            "reject",
            gettext_lazy("拒绝"),
            (S.RUNNING,),
            S.REJECTED,
            _any_open_task,
            "danger",
            reason=Reason(gettext_lazy("拒绝原因")),
            apply=reject_apply,
            after=settle_approver_clocks,
            cancels=(ALL_LIMITS,),
            tells=(_to_requester(gettext_lazy("【已拒绝】%(label)s"), gettext_lazy("%(actor)s 拒绝：%(reason)s")),),
        ),
        Step(
            "send_back",
            gettext_lazy("退回"),
            (S.RUNNING,),
            None,
            _any_open_task,
            "",
            reason=Reason(gettext_lazy("退回原因")),
            check=send_back_check,
            apply=send_back_apply,
            after=settle_approver_clocks,
            cancels=(ALL_LIMITS,),
            tells=(
                *tells,
                _to_requester(
                    gettext_lazy("【已退回】%(label)s"),
                    gettext_lazy("%(actor)s 退回：%(reason)s"),
                    when=lambda ctx: ctx.item.state == S.RETURNED,
                ),
            ),
        ),
        Step(
            "transfer",
            gettext_lazy("转交"),
            (S.RUNNING,),
            None,
            _any_open_task,
            "",
            reason=Reason(gettext_lazy("转交说明"), required=False),
            check=transfer_check,
            apply=transfer_apply,
            after=_then(transfer_after, settle_approver_clocks),
            tells=(
                Tell(
                    to=lambda ctx: [ctx.inputs["to"]],
                    title=gettext_lazy("【转交待审批】%(label)s"),
                    body=gettext_lazy("%(actor)s 将“%(step)s”转交给您处理。"),
                    params=lambda ctx: {"step": _step_name(ctx)},
                ),
            ),
        ),
        Step(
            "add_sign",
            gettext_lazy("加签"),
            (S.RUNNING,),
            None,
            _any_open_task,
            "",
            reason=Reason(gettext_lazy("加签说明"), required=False),
            check=add_sign_check,
            apply=add_sign_apply,
            after=settle_approver_clocks,
            tells=(
                Tell(
                    to=lambda ctx: [ctx.inputs["to"]],
                    title=gettext_lazy("【加签】%(label)s"),
                    body=gettext_lazy("%(actor)s 请您参与审批“%(step)s”。"),
                    params=lambda ctx: {"step": _step_name(ctx)},
                    when=lambda ctx: ctx.details.get("how") == "before",
                ),
            ),
        ),
        Step(
            "withdraw",
            gettext_lazy("撤回"),
            (S.DRAFT, S.RUNNING, S.RETURNED),
            S.WITHDRAWN,
            _may_withdraw,
            "danger",
            reason=Reason(gettext_lazy("撤回原因"), required=False),
            apply=withdraw_apply,
            after=settle_approver_clocks,
            cancels=(ALL_LIMITS,),
            refusal=lambda item: _("已有人处理，不能撤回"),
        ),
        Step(
            "urge",
            gettext_lazy("催办"),
            (S.RUNNING,),
            None,
            requester,
            "",
            check=urge_check,
            apply=urge_apply,
            records_state=False,
            tells=(
                Tell(
                    to=_current_people,
                    title=gettext_lazy("【催办】%(label)s"),
                    body=gettext_lazy("%(actor)s 催办“%(step)s”，请尽快处理。"),
                    urgency="high",
                    params=lambda ctx: {"step": _step_name(ctx)},
                ),
            ),
        ),
        Step(
            "timeout_approve",
            gettext_lazy("超时自动同意"),
            (S.RUNNING,),
            None,
            requester,
            system=True,
            apply=timeout_apply,
            after=_then(settle_approver_clocks, timeout_after),
            tells=tells,
        ),
        Step(
            "timeout_return",
            gettext_lazy("超时自动退回"),
            (S.RUNNING,),
            S.RETURNED,
            requester,
            system=True,
            apply=timeout_apply,
            after=settle_approver_clocks,
            cancels=(ALL_LIMITS,),
            tells=(returned,),
        ),
        _hand_over(),
    )
    return Process(
        key=definition.key,
        model=DesignedItem,
        label=definition.name,
        prefix=definition.prefix,
        start_step="submit",
        pages=True,
        page_views=DesignedPages,
        related=("created_by", "department", "definition", "definition_version", "project"),
        states=STATES,
        steps=steps,
        action_labels={f"{definition.key}.create": _("发起%(name)s") % {"name": definition.name}},
    )


STATES = (
    State(S.DRAFT, S.DRAFT.label, "muted"),
    State(S.RUNNING, S.RUNNING.label, "warn"),
    State(S.RETURNED, S.RETURNED.label, "late"),
    State(S.APPROVED, S.APPROVED.label, "ok", closed=True),
    State(S.REJECTED, S.REJECTED.label, "late", closed=True),
    State(S.WITHDRAWN, S.WITHDRAWN.label, "muted", closed=True),
)
BASE_KEY = "designed"  # reserved: no definition may take it


def base_process() -> Process:
    """What the model itself is declared as before any version is registered (items.process_for on the
    class): the states, no steps. Each item follows its own version's process (designer.runtime.resolve)."""
    return Process(
        key=BASE_KEY,
        model=DesignedItem,
        label=gettext_lazy("审批事项"),
        states=STATES,
        steps=(),
        holders=waiting_on,
    )


def last_round(item: DesignedItem) -> int:
    return int(ApprovalTask.objects.filter(item=item).aggregate(n=Max("round"))["n"] or 0)
