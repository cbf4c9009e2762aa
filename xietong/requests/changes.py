"""需求变更: once a request is accepted (受理), a change to it is a change request — never a silent edit. As the
documents put it: 重要沟通(如需求变更、进度滞后)必须书面同步至所有参与方 (《多部门协同作业标准沟通流程》关键执行要点提示),
重要事项…明确“已阅”确认要求 (《内部沟通与协调工作机制》二（一）). So a change:

- records each changed field, old → new, with its reason, as the request's next version (V1 is the request
  as it was agreed; every version stays viewable with its diff) — the 需求说明书's fields, its 验收标准 and its
  参与部门及职责 (a department added is asked for its head's signature, with a clock from the change; one
  removed is withdrawn and its people still hear of the change);
- re-plans the dependent dates it names (a key node's date, a relative node's start) through the milestone
  steps, and flags those it leaves behind (a node or task ending after the new 期望完成时间: the documents ask
  for the plan to be re-made, not for work to be squeezed, so a person re-plans them);
- carries what other apps register as a ChangePart: the tasks app's published 分工表 — each task's 完成标准,
  dates and owner, which after publication change only this way, its dependent tasks moved along (tasks.changes);
- is sent in writing to every participant — both sides, each participating department's head, contact and
  协作负责人, every task owner — each of whom confirms 已阅 (a clock on the author until all have).

Every move is a declared step run by items.runner: the request's own 需求变更 step (audited on the request),
then the version's 发出 and each 已阅."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.db.models import ProtectedError
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from xietong.clocks.sources import MECHANISM, MULTI
from xietong.clocks.wording import limit_clause_line
from xietong.core.errors import ApplicationError, Forbidden
from xietong.items.process import Arm, Limit, Process, Reason, State, Step, StepContext, Tell
from xietong.items.runner import run_step
from xietong.notify.models import MessageKind
from xietong.requests.choices import Priority, RequestState
from xietong.requests.models import (
    AcceptanceCriterion,
    ChangeReceipt,
    Milestone,
    Participation,
    Request,
    RequestVersion,
)
from xietong.requests.participants import Taking, participations_store
from xietong.requests.validation import criteria_texts, criterion_text, request_validate

V = RequestVersion.State
R = RequestState
# What a change may alter, with its label (the diff's words).
CHANGEABLE = {
    "title": _("需求名称"),
    "background": _("需求背景"),
    "goal": _("需求目标"),
    "content": _("具体内容"),
    "expected_date": _("期望完成时间"),
    "priority": _("优先级"),
}
# Besides these fields, a change may alter the 验收标准 (one a line) and the 参与部门及职责 (one department a line).
CRITERIA_LABEL = _("验收标准")
CHANGE_STATES = (R.ACCEPTED, R.IN_PROGRESS, R.DELIVERED)
CONFIRM_CLAUSE = "明确“已阅”确认要求"


@dataclass(frozen=True)
class ChangePart:
    """What another app adds to a 需求变更 (the tasks app: a published 分工表's 完成标准, dates and owners).
    `diff` checks the wanted values while the request's step runs and returns the diff lines and the errors at
    their fields; `apply` makes them through that app's own declared steps once the request is saved, and
    returns what it re-planned (shown with the version). Registered in the app's `ready`."""

    key: str
    diff: Callable[[StepContext, Any], tuple[list[dict[str, str]], dict[str, str]]]
    apply: Callable[[StepContext, Any], list[dict[str, Any]]]
    # The change form's own fields for it: (request, person) → [(name, form field, initial value)], and the
    # wanted values read back from the cleaned data.
    form_fields: Callable[[Request, Any], list[tuple[str, Any, Any]]] | None = None
    form_values: Callable[[dict[str, Any]], Any] | None = None


CHANGE_PARTS: dict[str, ChangePart] = {}


def register_change_part(part: ChangePart) -> None:
    CHANGE_PARTS[part.key] = part


# --- values as people read them ------------------------------------------------------------------------
def shown(name: str, value: Any) -> str:
    if value is None or value == "":
        return "—"
    if isinstance(value, dt.date):
        return f"{value:%Y-%m-%d}"
    if name == "priority":
        return str(Priority(value).label) if value in Priority.values else str(value)
    return str(value)


def criteria_shown(lines: list[str]) -> str:
    return "\n".join(f"{n}. {text}" for n, text in enumerate(lines, start=1)) or "—"


def taking_shown(contact: Any, duties: str) -> str:
    """One department's part as the diff reads it: its duties and its contact person."""
    words = duties or "—"
    if contact is not None:
        words += gettext("（对接人：%(name)s）") % {"name": contact.display_name}
    return words


def departments_now(request: Request) -> dict[int, tuple[Any, str]]:
    """department id → (its name, its part as shown) for every department taking part now."""
    rows = request.participations.exclude(state=Participation.State.WITHDRAWN).select_related("department", "contact")
    return {p.department_id: (p.department.name, taking_shown(p.contact, p.duties)) for p in rows}


def departments_after(request: Request, taking: list[Taking]) -> dict[int, tuple[Any, str]]:
    """The same for `taking` as requests.participants.participations_store will keep it: the receiving
    department always, its contact the named receiver."""
    wanted = {t.department.pk: t for t in taking}
    lead = wanted.pop(request.receiving_department_id, None)
    contact = request.receiver if request.receiver is not None else (lead.contact if lead else None)
    found = {
        request.receiving_department_id: (
            request.receiving_department.name,
            taking_shown(contact, lead.duties if lead else ""),
        )
    }
    for pk, t in wanted.items():
        found[pk] = (t.department.name, taking_shown(t.contact, t.duties))
    return found


def snapshot_of(request: Request) -> dict[str, Any]:
    """The version's content: the changeable fields, the criteria, the departments and the key nodes, as text."""
    return {
        **{name: shown(name, getattr(request, name)) for name in CHANGEABLE},
        "criteria": criteria_texts(request),
        "participants": [f"{name}：{part}" for name, part in departments_now(request).values()],
        "milestones": [
            {"title": m.title, "due_date": f"{m.due_date:%Y-%m-%d}", "state": m.get_state_display()}
            for m in request.milestones.order_by("due_date", "position")
        ],
    }


# --- who may ---------------------------------------------------------------------------------------
def either_side(person: Any, request: Request) -> bool:
    return request.is_requester_side(person) or request.is_receiver_side(person)


def may_change(person: Any, request: Request) -> bool:
    return request.state in CHANGE_STATES and either_side(person, request)


def pending_reader(person: Any, change: RequestVersion) -> bool:
    return change.receipts.filter(person_id=person.pk, confirmed_at__isnull=True).exists()


def may_remind(person: Any, change: RequestVersion) -> bool:
    return either_side(person, change.request) and change.receipts.filter(confirmed_at__isnull=True).exists()


def _nobody(person: Any, item: Any) -> bool:
    return False


# --- who hears -------------------------------------------------------------------------------------
def participants(request: Request) -> list[tuple[Any, list[str]]]:
    """Everyone a change is sent to, each with why: 发起人, 接收人, each participating department's 负责人,
    对接人 and 协作负责人, and every task owner — active people, each once, in that order."""
    found: dict[int, tuple[Any, list[str]]] = {}

    def add(person: Any, role: str) -> None:
        if person is None or not person.is_active:
            return
        entry = found.setdefault(person.pk, (person, []))
        if role not in entry[1]:
            entry[1].append(role)

    add(request.requester, gettext("发起人"))
    add(request.requesting_department.head, gettext("发起部门负责人"))
    add(request.receiver_or_head, gettext("接收人"))
    add(request.receiving_department.head, gettext("接收部门负责人"))
    for row in request.participations.exclude(state="withdrawn").select_related("department__head", "contact"):
        name = row.department.name
        add(row.department.head, gettext("%(dept)s负责人") % {"dept": name})
        add(row.contact, gettext("%(dept)s对接人") % {"dept": name})
        add(row.coordinator, gettext("%(dept)s协作负责人") % {"dept": name})
    tasks = getattr(request, "tasks", None)  # the tasks app's breakdown, when it is installed
    if tasks is not None:
        for task in tasks.select_related("owner").order_by("position"):
            add(task.owner, gettext("任务负责人"))
    return list(found.values())


def readers(ctx: StepContext) -> list[Any]:
    return [r.person for r in ctx.item.receipts.select_related("person")]


def pending(ctx: StepContext) -> list[Any]:
    return [r.person for r in ctx.item.receipts.filter(confirmed_at__isnull=True).select_related("person")]


def diff_lines(changes: list[dict[str, str]]) -> str:
    return "\n".join(f"{c['label']}：{c['old']} → {c['new']}" for c in changes)


def change_params(ctx: StepContext) -> dict[str, Any]:
    change = ctx.item
    flags = [f["text"] for f in change.replanned]
    return {
        "label": f"{change.request.number} {change.request.title}",
        "n": change.number,
        "diff": diff_lines(change.changes),
        "why": change.reason,
        "replanned": ("\n" + gettext("受影响的日期：") + "；".join(flags)) if flags else "",
        "who": change.author.display_name if change.author else "",
        "basis": limit_clause_line(change, "confirm"),
    }


# --- the request's 需求变更 step ------------------------------------------------------------------------
def change_apply(ctx: StepContext) -> None:
    """The new values: checked as a 需求说明书 is, diffed field by field; nothing changed is refused."""
    request = ctx.item
    data = dict(ctx.inputs.get("data") or {})
    dates = dict(ctx.inputs.get("milestones") or {})
    old_criteria = criteria_texts(request)
    given = ctx.inputs.get("criteria")
    new_criteria = old_criteria if given is None else [t for t in map(criterion_text, given) if t]
    merged = {**{f: getattr(request, f) for f in _validated_fields()}, **data}
    errors = request_validate(ctx.principal, merged, list(new_criteria), submitting=True)
    errors = {name: message for name, message in errors.items() if name in CHANGEABLE or name == "criteria"}
    ctx.inputs["before"] = snapshot_of(request)
    ctx.inputs["earlier"] = participants(request)  # a department taken off still hears of the change
    changes: list[dict[str, str]] = []
    for name, label in CHANGEABLE.items():
        if name not in data:
            continue
        old, new = getattr(request, name), data[name]
        if isinstance(new, str):
            new = new.strip()
        if old != new:
            changes.append({"field": name, "label": str(label), "old": shown(name, old), "new": shown(name, new)})
            setattr(request, name, new)
            ctx.changed.add(name)
    if new_criteria != old_criteria:
        changes.append(
            {
                "field": "criteria",
                "label": str(CRITERIA_LABEL),
                "old": criteria_shown(old_criteria),
                "new": criteria_shown(new_criteria),
            }
        )
        ctx.inputs["new_criteria"] = new_criteria
    taking = ctx.inputs.get("participants")
    if taking is not None:
        before, after = departments_now(request), departments_after(request, taking)
        for pk in [*before, *(pk for pk in after if pk not in before)]:
            old_part, new_part = before.get(pk, (None, "—"))[1], after.get(pk, (None, "—"))[1]
            if old_part != new_part:
                name = (before.get(pk) or after[pk])[0]
                changes.append(
                    {
                        "field": f"participant:{pk}",
                        "label": gettext("参与部门“%(dept)s”") % {"dept": name},
                        "old": old_part,
                        "new": new_part,
                    }
                )
                ctx.inputs["departments_changed"] = True
    nodes = {m.pk: m for m in request.milestones.filter(state=Milestone.State.PLANNED)}
    moved: dict[int, dict[str, dt.date]] = {}
    for pk, day in dates.items():
        node = nodes.get(int(pk))
        if node is None or day is None:
            continue
        current = node.start_date if node.is_relative else node.due_date
        if day != current:
            key = "start_date" if node.is_relative else "due_date"
            words = gettext("节点“%(t)s”起算日") if node.is_relative else gettext("节点“%(t)s”日期")
            changes.append(
                {
                    "field": f"milestone:{node.pk}",
                    "label": words % {"t": node.title},
                    "old": shown(key, current),
                    "new": shown(key, day),
                }
            )
            moved[node.pk] = {key: day}
    for key, wanted in (ctx.inputs.get("parts") or {}).items():
        found, problems = CHANGE_PARTS[key].diff(ctx, wanted)
        changes.extend(found)
        errors.update(problems)
    if errors:
        raise ApplicationError(gettext("需求变更填写有误"), fields=errors)
    if not changes:
        raise ApplicationError(gettext("没有任何变更：请修改至少一项内容"))
    ctx.inputs["moved"] = moved
    number = (request.versions.order_by("-number").values_list("number", flat=True).first() or 1) + 1
    ctx.inputs["number"] = number
    ctx.details.update({"changes": changes, "version": number})


def _validated_fields() -> tuple[str, ...]:
    from xietong.requests.process import EDITABLE_FIELDS

    return EDITABLE_FIELDS


def change_after(ctx: StepContext) -> None:
    """Keep the versions, re-plan the dates the change moves, flag the ones it leaves behind, send it."""
    request = ctx.item
    if not request.versions.exists():
        RequestVersion.objects.create(
            request=request,
            number=1,
            snapshot=ctx.inputs["before"],
            state=V.ORIGINAL,
            author=request.requester,
            sent_at=request.decided_at,
        )
    replanned: list[dict[str, Any]] = []
    for pk, values in ctx.inputs["moved"].items():
        node = Milestone.objects.get(pk=pk)
        was = node.due_date
        node = run_step(actor=ctx.actor, item=node, step="replan", inputs=values, as_system=True)
        replanned.append(
            {
                "kind": "milestone",
                "id": node.pk,
                "text": gettext("节点“%(t)s” %(a)s → %(b)s（已重新计时）")
                % {"t": node.title, "a": f"{was:%Y-%m-%d}", "b": f"{node.due_date:%Y-%m-%d}"},
                "flag": False,
            }
        )
    for key, wanted in (ctx.inputs.get("parts") or {}).items():
        replanned.extend(CHANGE_PARTS[key].apply(ctx, wanted))
    replanned.extend(left_behind(request))
    if "new_criteria" in ctx.inputs:
        criteria_replace(request, ctx.inputs["new_criteria"])
    if ctx.inputs.get("departments_changed"):
        departments_replace(ctx, request, ctx.inputs["participants"])
    change = RequestVersion.objects.create(
        request=request,
        number=ctx.inputs["number"],
        snapshot=snapshot_of(request),
        changes=ctx.details["changes"],
        replanned=replanned,
        reason=ctx.reason,
        author=ctx.principal,
    )
    run_step(
        actor=ctx.actor,
        item=change,
        step="issue",
        inputs={"author": ctx.principal, "earlier": ctx.inputs["earlier"]},
        as_system=True,
    )


def criteria_replace(request: Request, lines: list[str]) -> None:
    """The 验收标准 as changed, kept in place position by position (an acceptance verdict refers to its row);
    a criterion that already has a verdict cannot be taken away."""
    rows = {c.position: c for c in request.criteria.all()}
    for position, text in enumerate(lines, start=1):
        row = rows.pop(position, None)
        if row is None:
            AcceptanceCriterion.objects.create(request=request, position=position, text=text)
        elif row.text != text:
            row.text = text
            row.save(update_fields=["text"])
    for position, row in sorted(rows.items()):
        try:
            row.delete()
        except ProtectedError:
            raise ApplicationError(
                gettext("需求变更填写有误"),
                fields={
                    "criteria": gettext("第 %(n)d 条验收标准“%(t)s”已有验收结论，不能删除")
                    % {"n": position, "t": row.text}
                },
            ) from None


def departments_replace(ctx: StepContext, request: Request, taking: list[Taking]) -> None:
    """The 参与部门及职责 as changed: a department added is asked for its head's signature at once (its clock
    counts from the change), one taken off is withdrawn (its clocks cancelled)."""
    participations_store(actor=ctx.actor, request=request, taking=taking, withdraw_signed=True)
    for row in request.participations.filter(state=Participation.State.DRAFT).order_by("position"):
        run_step(actor=ctx.actor, item=row, step="send", inputs={"since": ctx.now}, as_system=True)


def left_behind(request: Request) -> list[dict[str, Any]]:
    """Dates that now fall after the request's 期望完成时间: flagged for re-planning."""
    flags: list[dict[str, Any]] = []
    end = request.expected_date
    for node in request.milestones.filter(state=Milestone.State.PLANNED, due_date__gt=end).order_by("due_date"):
        flags.append(
            {
                "kind": "milestone",
                "id": node.pk,
                "text": gettext("节点“%(t)s”（%(d)s）晚于期望完成时间 %(e)s，需重新安排")
                % {"t": node.title, "d": f"{node.due_date:%Y-%m-%d}", "e": f"{end:%Y-%m-%d}"},
                "flag": True,
            }
        )
    tasks = getattr(request, "tasks", None)
    if tasks is not None:
        for task in tasks.filter(end_date__gt=end).order_by("position"):
            flags.append(
                {
                    "kind": "task",
                    "id": task.pk,
                    "text": gettext("任务“%(t)s”（%(d)s 结束）晚于期望完成时间 %(e)s，需重新安排")
                    % {"t": task.title, "d": f"{task.end_date:%Y-%m-%d}", "e": f"{end:%Y-%m-%d}"},
                    "flag": True,
                }
            )
    return flags


CHANGE_STEP = Step(
    "change",
    _("需求变更"),
    CHANGE_STATES,
    None,
    either_side,
    reason=Reason(_("变更原因")),
    offered=False,
    records_state=False,
    apply=change_apply,
    after=change_after,
    refusal=lambda r: gettext("只有发起方或接收方可以提出需求变更"),
)


# --- the version: sent in writing, each participant confirms 已阅 ------------------------------------------
def ask_readers(ctx: StepContext) -> None:
    change = ctx.item
    author = ctx.inputs.get("author") or change.author
    found = participants(change.request)
    now_in = {p.pk for p, _roles in found}
    found += [(p, roles) for p, roles in ctx.inputs.get("earlier") or [] if p.pk not in now_in]
    people = [(p, roles) for p, roles in found if author is None or p.pk != author.pk]
    ChangeReceipt.objects.bulk_create(
        [ChangeReceipt(change=change, person=p, roles="、".join(roles)) for p, roles in people]
    )
    ctx.details.update({"version": change.number, "readers": [p.pk for p, _roles in people]})


def own_reading_only(ctx: StepContext) -> None:
    """Reading is one's own: a stand-in does not confirm for the absent person."""
    if ctx.acting_for is not None:
        raise Forbidden(gettext("您不在本次需求变更的确认名单中"))


def stamp_receipt(ctx: StepContext) -> None:
    change = ctx.item
    receipt = ChangeReceipt.objects.select_for_update().get(change=change, person=ctx.actor)
    receipt.confirmed_at = ctx.now
    receipt.save(update_fields=["confirmed_at"])
    ctx.details.update({"version": change.number, "person": ctx.actor.pk})
    if not change.receipts.filter(confirmed_at__isnull=True).exists():
        ctx.target = V.READ


def met_when_everyone_read(ctx: StepContext) -> None:
    from xietong.clocks.services import clock_satisfy

    if ctx.item.state == V.READ:
        clock_satisfy(subject=ctx.item, limit="confirm", at=ctx.now)


def list_reminded(ctx: StepContext) -> None:
    ctx.details["reminded"] = [p.pk for p in pending(ctx)]


REQUEST_CHANGE = Process(
    key="request_change",
    model=RequestVersion,
    label=_("需求变更"),
    related=("request", "author"),
    requester="author",
    audit_on=lambda change: change.request,  # its history is the request's
    audit_key="change",
    message_on=lambda change: change.request,
    states=(
        State(V.ORIGINAL, V.ORIGINAL.label, "muted", final=True),
        State(V.DRAFT, V.DRAFT.label, "muted"),
        State(V.AWAITING, V.AWAITING.label, "warn"),
        State(V.READ, V.READ.label, "ok", final=True),
    ),
    steps=(
        Step(
            "issue",
            _("发出需求变更"),
            (V.DRAFT,),
            V.AWAITING,
            _nobody,
            system=True,
            apply=ask_readers,
            stamps=("sent_at",),
            arms=(
                Arm(
                    "confirm",
                    owner=lambda change: change.author,
                    department=lambda change: change.request.receiving_department,
                ),
            ),
            tells=(
                Tell(
                    to=readers,
                    title=_("【需求变更】%(label)s V%(n)s"),
                    body=_(
                        "%(who)s 提出需求变更（V%(n)s）：\n%(diff)s\n变更原因：%(why)s%(replanned)s\n"
                        "请在 %(due)s 前（%(limit)s内）打开需求变更并点击“已阅”确认。%(basis)s"
                    ),
                    limit="confirm",
                    params=change_params,
                ),
            ),
        ),
        Step(
            "confirm",
            _("已阅"),
            (V.AWAITING,),
            None,
            pending_reader,
            "primary",
            check=own_reading_only,
            apply=stamp_receipt,
            after=met_when_everyone_read,
        ),
        Step(
            "remind",
            _("提醒未确认人员"),
            (V.AWAITING,),
            None,
            may_remind,
            apply=list_reminded,
            records_state=False,
            tells=(
                Tell(
                    to=pending,
                    title=_("【待确认】%(label)s V%(n)s"),
                    body=_("您尚未确认这次需求变更，请打开需求变更并点击“已阅”。\n%(diff)s"),
                    kind=MessageKind.REMINDER,
                    params=change_params,
                ),
            ),
        ),
    ),
    limits=(
        Limit(
            "confirm",
            "1d",
            remind_before="2h",
            ladder="department-head",
            rule="需求变更书面发送全部参与方，每人确认“已阅”；1 个工作日内未全部确认，提醒并告知部门负责人",
            source=MECHANISM,
            clause="二（一）",
            clause_text=CONFIRM_CLAUSE,
            also=f"《{MULTI}》关键执行要点提示「必须书面同步至所有参与方」；文件未规定已阅时限，1 个工作日为本产品默认",
        ),
    ),
    action_labels={"request.change": _("需求变更")},
)


def change_request(
    *,
    actor: Any,
    request: Request,
    reason: str,
    data: dict[str, Any],
    milestones=None,
    criteria: list[str] | None = None,
    participants: list[Taking] | None = None,
    parts: dict[str, Any] | None = None,
    expected_version=None,
) -> Request:
    """The 需求变更 step on the request (the form's and the API's one way in). `criteria` (the 验收标准, one a
    line) and `participants` (the 参与部门及职责) are changed only when given; `parts` carries what other apps
    change with it (e.g. {"tasks": {task id: {"end_date": …}}}, see ChangePart)."""
    unknown = set(parts or {}) - set(CHANGE_PARTS)
    if unknown:
        raise ValueError(f"no change part registered for {sorted(unknown)}")
    return run_step(
        actor=actor,
        item=request,
        step="change",
        reason=reason,
        inputs={
            "data": data,
            "milestones": milestones or {},
            "criteria": criteria,
            "participants": participants,
            "parts": {key: value for key, value in (parts or {}).items() if value},
        },
        expected_version=expected_version,
    )
