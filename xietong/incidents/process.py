"""紧急事项, as 紧急事务响应流程 and 紧急事项协调流程 state it, in wall-clock time: the lead names the team
within its limit, members confirm they are in place, the status is updated on a cadence, the general
manager hears it if it is not under control in time; the resolution (紧急事务处理报告) drafts the 用户告知函
and starts the 复盘 (in working days), which produces improvement actions — each its own small process."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from typing import Any

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, pgettext_lazy

from xietong.clocks.selectors import open_clock
from xietong.clocks.services import clock_satisfy
from xietong.core import clock
from xietong.core.audit import snapshot
from xietong.core.errors import ApplicationError, InvalidState
from xietong.incidents.choices import ACTIVE_STATES, ActionState, EntryKind, IncidentState, is_commander
from xietong.incidents.models import ImprovementAction, Incident, IncidentEntry, IncidentMember
from xietong.incidents.notice import draft_customer_notice
from xietong.incidents.validation import (
    TEXT_LIMIT,
    ActionDraft,
    ready_note_errors,
    resolution_errors,
    review_errors,
    team_errors,
    text,
)
from xietong.items.numbering import number_next
from xietong.items.process import Arm, Label, Limit, Nav, Process, Reason, State, Step, StepContext, Tell
from xietong.items.runner import run_step
from xietong.org.models import Department, Person
from xietong.org.roles import manager_chain
from xietong.workcal.selectors import calendar_for_department, engine_for

S = IncidentState
REPORT_FIELDS = (
    "title",
    "description",
    "occurred_at",
    "scope",
    "measures_taken",
    "responsible_department",
    "lead",
    "project",
)
# Limits that only make sense while the incident is live; resolving stops them.
LIVE_LIMITS = ("assign_team", "team_ready", "status", "control", "written_report", "plan", "leader_report")
MECHANISM = "内部沟通与协调工作机制"  # 004


def division_leader(incident: Incident) -> Person | None:
    """The 分管领导 of the responsible department (its own or the nearest above it)."""
    return manager_chain(None, department=incident.responsible_department)[1].person


# --- who may ---------------------------------------------------------------------------------------
def on_team(person: Any, incident: Incident) -> bool:
    return is_commander(person, incident) or incident.memberships.filter(person=person).exists()


def member(person: Any, incident: Incident) -> bool:
    return incident.memberships.filter(person=person).exists()


# --- who hears -------------------------------------------------------------------------------------
def people(*groups: Iterable[Person | None], exclude: Person | None = None) -> list[Person]:
    found: dict[int, Person] = {}
    for group in groups:
        for person in group:
            if person is not None and person.is_active and (exclude is None or person.pk != exclude.pk):
                found.setdefault(person.pk, person)
    return list(found.values())


def management(incident: Incident) -> list[Person]:
    """部门负责人及分管领导 of the responsible and the reporting department, and the lead."""
    chain = manager_chain(None, department=incident.responsible_department)
    reporting_chain = manager_chain(None, department=incident.reporting_department)
    return people(
        [incident.lead, incident.responsible_department.head, chain[1].person],
        [incident.reporting_department.head, reporting_chain[1].person],
    )


def team(incident: Incident) -> list[Person]:
    return people([incident.lead], incident.members.all())


def everyone_but_the_actor(ctx: StepContext) -> list[Person]:
    return people(management(ctx.item), team(ctx.item), exclude=ctx.actor)


def label(incident: Incident) -> str:
    return f"{incident.number} {incident.title}"


def hm(instant: dt.datetime) -> str:
    return f"{clock.local(instant):%H:%M}"


def entry(ctx: StepContext, kind: str, body: str, **extra: Any) -> IncidentEntry:
    """A line of the live timeline, written by the step's actor at the step's instant."""
    return IncidentEntry.objects.create(
        incident=ctx.item, kind=kind, body=body, author=ctx.actor, created_at=ctx.now, **extra
    )


# --- what cannot be declared -------------------------------------------------------------------------
def require_live(what: Label) -> Any:
    """Status updates, decisions and readiness belong to a live incident; the refusal says which one."""

    def check(ctx: StepContext) -> None:
        incident = ctx.item
        if incident.state not in ACTIVE_STATES:
            raise InvalidState(
                _("紧急事项“%(label)s”%(state)s，不能再%(what)s")
                % {"label": incident.number, "state": incident.get_state_display(), "what": what}
            )

    return check


def record_report(ctx: StepContext) -> None:
    ctx.details.update(snapshot(ctx.item, REPORT_FIELDS))


def report_entry(ctx: StepContext) -> None:
    entry(
        ctx,
        EntryKind.EVENT,
        _("%(who)s 上报紧急事项：%(what)s") % {"who": ctx.actor.display_name, "what": ctx.item.description},
    )


def report_params(ctx: StepContext) -> dict[str, Any]:
    incident = ctx.item
    return {
        "when": f"{clock.local(incident.occurred_at):%m-%d %H:%M}",
        "scope": incident.scope or _("未填写"),
        "measures": incident.measures_taken or _("无"),
        "lead": incident.lead.display_name,
    }


def check_team(ctx: StepContext) -> None:
    rows = [(person, text(duty)) for person, duty in ctx.inputs.get("members", ()) if person is not None]
    errors = team_errors(rows)
    if errors:
        raise ApplicationError(_("应急小组分工不完整"), fields=errors)
    ctx.inputs["rows"] = rows


def form_team(ctx: StepContext) -> None:
    """New members join with their duty, changed duties are updated; who was added is told."""
    incident, rows = ctx.item, ctx.inputs["rows"]
    existing = {m.person_id: m for m in incident.memberships.select_for_update()}
    added: list[IncidentMember] = []
    for person, duty in rows:
        membership = existing.get(person.pk)
        if membership is None:
            added.append(
                IncidentMember.objects.create(
                    incident=incident, person=person, duty=duty, assigned_by=ctx.actor, assigned_at=ctx.now
                )
            )
        elif membership.duty != duty:
            membership.duty = duty
            membership.save(update_fields=["duty"])
    ctx.inputs["added"] = added
    ctx.details["members"] = [{"person": p.pk, "duty": d} for p, d in rows]


def team_entry(ctx: StepContext) -> None:
    division = "；".join(f"{p.display_name} {d}" for p, d in ctx.inputs["rows"])
    entry(ctx, EntryKind.DECISION, _("应急小组分工：%(team)s") % {"team": division})


def added_params(ctx: StepContext) -> dict[str, Any]:
    return {"duties": "；".join(f"{m.person.display_name} {m.duty}" for m in ctx.inputs["added"])}


def check_ready(ctx: StepContext) -> None:
    require_live(gettext_lazy("确认到位"))(ctx)
    membership = ctx.item.memberships.select_for_update().get(person=ctx.principal)
    if membership.acknowledged_at is not None:
        raise InvalidState(_("您已于 %(at)s 确认到位") % {"at": hm(membership.acknowledged_at)})
    note = text(ctx.inputs.get("ready_note"))
    errors = ready_note_errors(note)
    if errors:
        raise ApplicationError(fields=errors)
    ctx.inputs.update({"membership": membership, "ready_note": note})


def record_ready(ctx: StepContext) -> None:
    membership, note = ctx.inputs["membership"], ctx.inputs["ready_note"]
    membership.acknowledged_at, membership.ready_note = ctx.now, note
    membership.save(update_fields=["acknowledged_at", "ready_note"])
    ctx.details["ready_note"] = note


def ready(ctx: StepContext) -> None:
    """On the timeline; the last member in place meets the team's limit (a condition, not declarable)."""
    entry(
        ctx,
        EntryKind.EVENT,
        _("%(who)s 已到位：%(note)s") % {"who": ctx.actor.display_name, "note": ctx.inputs["ready_note"]},
    )
    if not ctx.item.memberships.filter(acknowledged_at__isnull=True).exists():
        clock_satisfy(subject=ctx.item, limit="team_ready", at=ctx.now)


def check_body(ctx: StepContext) -> None:
    """A status update or a decision: a live incident, and something to say."""
    require_live(gettext_lazy("更新状态或记录决策"))(ctx)
    body = text(ctx.inputs.get("body"))
    if not body:
        raise ApplicationError(fields={"body": _("请填写处理状态，例如“初步判断为数据库连接池溢出，正在扩容”")})
    if len(body) > TEXT_LIMIT:
        raise ApplicationError(fields={"body": _("内容不能超过 %(n)d 字") % {"n": TEXT_LIMIT}})
    ctx.inputs["body"] = body


def post(kind: str) -> Any:
    """A status update answers the running cadence (its due time is kept); a decision is a line."""

    def record(ctx: StepContext) -> None:
        due_at = None
        if kind == EntryKind.STATUS:
            cadence = open_clock(ctx.item, "status")
            due_at = cadence.limit_due_at if cadence is not None else None
        line = entry(ctx, kind, ctx.inputs["body"], due_at=due_at)
        ctx.details.update({"entry": line.pk, "body": ctx.inputs["body"][:200]})

    return record


def posted_params(ctx: StepContext) -> dict[str, Any]:
    return {"body": ctx.inputs["body"][:500]}


def control_entry(ctx: StepContext) -> None:
    entry(ctx, EntryKind.DECISION, _("风险已控制。%(note)s") % {"note": ctx.reason})


def check_resolution(ctx: StepContext) -> None:
    cause, measures = text(ctx.inputs.get("cause")), text(ctx.inputs.get("measures"))
    errors = resolution_errors(cause, measures)
    if errors:
        raise ApplicationError(_("紧急事务处理报告不完整"), fields=errors)
    ctx.inputs.update({"cause": cause, "measures": measures})


def record_resolution(ctx: StepContext) -> None:
    """紧急事务处理报告 (原因、措施、影响时长) and the 用户告知函 drafted from it."""
    incident = ctx.item
    incident.cause, incident.resolution_measures = ctx.inputs["cause"], ctx.inputs["measures"]
    incident.customer_notice = draft_customer_notice(incident)
    ctx.changed.update({"cause", "resolution_measures", "customer_notice"})
    ctx.details.update(
        {"cause": incident.cause, "measures": incident.resolution_measures, "minutes": incident.impact_minutes}
    )


def resolution_entry(ctx: StepContext) -> None:
    incident = ctx.item
    entry(
        ctx,
        EntryKind.EVENT,
        _("问题已解决：%(cause)s；%(measures)s（持续 %(minutes)d 分钟）")
        % {"cause": incident.cause, "measures": incident.resolution_measures, "minutes": incident.impact_minutes or 0},
    )


def resolved_audience(ctx: StepContext) -> list[Person]:
    return people(management(ctx.item), team(ctx.item), [ctx.item.created_by], exclude=ctx.actor)


def check_review(ctx: StepContext) -> None:
    summary = text(ctx.inputs.get("summary"))
    drafts = [
        a for a in ctx.inputs.get("actions", ()) if text(a.title) or a.owner is not None or a.due_date is not None
    ]
    errors = review_errors(summary, drafts)
    if errors:
        raise ApplicationError(_("复盘内容不完整"), fields=errors)
    ctx.inputs.update({"summary": summary, "drafts": drafts})


def hold_review(ctx: StepContext) -> None:
    """复盘: the lessons learned, and each improvement action started as an item of its own."""
    incident = ctx.item
    incident.review_summary = ctx.inputs["summary"]
    ctx.changed.add("review_summary")
    created = [start_action(ctx, draft) for draft in ctx.inputs["drafts"]]
    ctx.details.update({"summary": incident.review_summary, "actions": [a.pk for a in created]})
    ctx.inputs["created"] = created


def start_action(ctx: StepContext, draft: ActionDraft) -> ImprovementAction:
    owner = draft.owner
    assert draft.due_date is not None  # check_review refused a draft without one
    action = ImprovementAction.objects.create(
        number=number_next("GJ"),
        title=text(draft.title),
        project=ctx.item.project,
        created_by=ctx.actor,
        incident=ctx.item,
        owner=owner,
        department=owner.department,
        due_date=draft.due_date,
    )
    return run_step(actor=ctx.actor, item=action, step="create", as_system=True, fresh=True)


def review_entry(ctx: StepContext) -> None:
    entry(ctx, EntryKind.EVENT, _("完成复盘，形成 %(n)d 条改进措施") % {"n": len(ctx.inputs["created"])})


# --- 用户告知函: published means sent (email to the addresses, the configured robots/webhooks) and recorded ----
def check_publish(ctx: StepContext) -> None:
    from django.conf import settings
    from django.core.exceptions import ValidationError
    from django.core.validators import validate_email

    incident = ctx.item
    if incident.notice_published_at is not None:
        raise InvalidState(
            _("用户告知函已于 %(at)s 发布，不能再修改")
            % {"at": f"{clock.local(incident.notice_published_at):%Y-%m-%d %H:%M}"}
        )
    if not text(incident.customer_notice):
        raise ApplicationError(fields={"text": _("用户告知函不能为空")})
    typed = [a.strip() for a in ctx.inputs.get("addresses", ()) if a.strip()]
    wrong = []
    for address in typed:
        try:
            validate_email(address)
        except ValidationError:
            wrong.append(address)
    if wrong:
        raise ApplicationError(fields={"recipients": _("邮箱地址有误：%(list)s") % {"list": "、".join(wrong)}})
    addresses = list(dict.fromkeys([*typed, *settings.XIETONG_CUSTOMER_NOTICE_TO]))
    channels = notice_channels(incident)
    if not addresses and not channels:
        raise ApplicationError(
            fields={"recipients": _("请填写接收用户告知函的邮箱（受影响用户或客服群发地址），或请管理员配置推送渠道")}
        )
    ctx.inputs.update({"addresses": addresses, "channels": channels})


def notice_channels(incident: Incident) -> list[Any]:
    """The robots and webhooks an administrator configured for this incident's department or project (an
    official account's webhook, the customer service group): they carry the notice out."""
    from xietong.notify.services import _channels_for

    return _channels_for(incident.project, incident.responsible_department, "info")


def record_publish(ctx: StepContext) -> None:
    incident = ctx.item
    incident.notice_published_by = ctx.actor
    incident.notice_sent_to = "\n".join(ctx.inputs["addresses"])
    ctx.changed.update({"notice_published_by", "notice_sent_to"})
    ctx.details.update(
        {
            "addresses": ctx.inputs["addresses"],
            "channels": [str(c) for c in ctx.inputs["channels"]],
            "text": incident.customer_notice[:500],
        }
    )


def send_notice(ctx: StepContext) -> None:
    """Out through the outbox: an email to every address, a message on every configured channel."""
    from xietong.notify.services import notify

    incident = ctx.item
    notify(
        recipients=[],
        addresses=ctx.inputs["addresses"],
        kind="info",
        title=_("用户告知函：%(title)s") % {"title": incident.title},
        body=incident.customer_notice,
        subject=incident,
        urgency="urgent",
        dedupe_key=f"incident:{incident.pk}:customer-notice",
    )
    where = [*ctx.inputs["addresses"], *(str(c) for c in ctx.inputs["channels"])]
    entry(ctx, EntryKind.EVENT, _("用户告知函已发送至：%(where)s") % {"where": "、".join(where)})


def live_limit(limit: str) -> Arm:
    return Arm(limit, owner=lambda i: i.lead, department=lambda i: i.responsible_department)


# --- 紧急事项报告, 应急方案 and the 4-hourly report to the 分管领导 (004 三（三）) ------------------------------
def may_write_report(person: Any, incident: Incident) -> bool:
    """The 紧急事项报告 is the reporter's (问题发觉人); those who steer the response may file it too."""
    return person.pk == incident.created_by_id or is_commander(person, incident)


def written(field: str, label: Label, example: Label) -> Any:
    """A written record of the incident: something to say, within the text limit, on a live incident."""

    def check(ctx: StepContext) -> None:
        require_live(label)(ctx)
        value = text(ctx.inputs.get(field))
        if not value:
            raise ApplicationError(
                fields={field: _("请填写%(what)s，例如“%(example)s”") % {"what": label, "example": example}}
            )
        if len(value) > TEXT_LIMIT:
            raise ApplicationError(fields={field: _("内容不能超过 %(n)d 字") % {"n": TEXT_LIMIT}})
        ctx.inputs[field] = value

    return check


def keep(field: str, model_field: str) -> Any:
    def apply(ctx: StepContext) -> None:
        setattr(ctx.item, model_field, ctx.inputs[field])
        ctx.changed.add(model_field)
        ctx.details[model_field] = ctx.inputs[field][:500]

    return apply


def report_filed_entry(ctx: StepContext) -> None:
    entry(ctx, EntryKind.EVENT, _("提交紧急事项报告：%(text)s") % {"text": ctx.inputs["report"][:300]})


def plan_entry(ctx: StepContext) -> None:
    entry(ctx, EntryKind.DECISION, _("应急方案：%(text)s") % {"text": ctx.inputs["plan"][:300]})


def leader_report_entry(ctx: StepContext) -> None:
    leader = division_leader(ctx.item)
    entry(
        ctx,
        EntryKind.STATUS,
        _("向分管领导%(leader)s汇报：%(text)s")
        % {"leader": leader.display_name if leader else "", "text": ctx.inputs["body"]},
    )


def to_the_division_leader(ctx: StepContext) -> list[Person]:
    return people([division_leader(ctx.item)], exclude=ctx.actor)


def not_yet_controlled(ctx: StepContext) -> bool:
    return ctx.item.state in (S.REPORTED, S.RESPONDING)


def missed_due(ctx: StepContext) -> dt.datetime:
    """The next 4 hours count from the report that was missed, not from when the worker noticed."""
    if "missed" not in ctx.inputs:
        missed = open_clock(ctx.item, "leader_report")
        ctx.inputs["missed"] = missed.limit_due_at if missed is not None else ctx.now
    return ctx.inputs["missed"]


def missed_entry(ctx: StepContext) -> None:
    ctx.details["missed"] = missed_due(ctx).isoformat()
    IncidentEntry.objects.create(
        incident=ctx.item,
        kind=EntryKind.ALERT,
        body=_("向分管领导汇报超时：应于 %(due)s 汇报进展。") % {"due": hm(missed_due(ctx))},
        due_at=missed_due(ctx),
        created_at=ctx.now,
    )


def missed_params(ctx: StepContext) -> dict[str, Any]:
    from xietong.clocks.wording import limit_clause_line

    leader = division_leader(ctx.item)
    return {
        "missed": hm(missed_due(ctx)),
        "leader": leader.display_name if leader else _("分管领导"),
        "clause": limit_clause_line(ctx.item, "leader_report"),
    }


INCIDENT = Process(
    key="emergency",
    model=Incident,
    label=gettext_lazy("紧急事项"),
    id_param="incident_id",
    nav=Nav(pgettext_lazy("nav", "紧急事项"), "incident-list", prefix="/incidents/", order=45),
    workbench="xietong.incidents.workbench.incidents_of",
    workbench_order=5,
    workbench_key="incidents",
    related=("responsible_department", "reporting_department", "lead", "created_by", "project"),
    owners=("lead",),
    states=(
        State(S.REPORTED, S.REPORTED.label, "late"),
        State(S.RESPONDING, S.RESPONDING.label, "warn"),
        State(S.CONTROLLED, S.CONTROLLED.label, "info"),
        State(S.RESOLVED, S.RESOLVED.label, "ok"),
        State(S.CLOSED, S.CLOSED.label, "muted", closed=True),
    ),
    steps=(
        # Taken by incident_report as the incident is created: the wall-clock limits start.
        Step(
            "report",
            gettext_lazy("上报紧急事项"),
            (S.REPORTED,),
            None,
            is_commander,
            system=True,
            records_state=False,
            audit_action="incident.report",
            apply=record_report,
            arms=(
                live_limit("assign_team"),
                live_limit("status"),
                live_limit("control"),
                live_limit("plan"),
                live_limit("leader_report"),
                Arm(
                    "written_report",
                    owner=lambda i: i.created_by,
                    department=lambda i: i.reporting_department,
                ),
            ),
            after=report_entry,
            tells=(
                Tell(
                    to=lambda ctx: management(ctx.item),
                    title=gettext_lazy("【紧急事项】%(label)s"),
                    body=gettext_lazy(
                        "发生时间：%(when)s；影响范围：%(scope)s；已采取的临时措施：%(measures)s。"
                        "应急负责人 %(lead)s 须在 %(due)s 前（%(limit)s内）明确应急小组分工。"
                    ),
                    urgency="emergency",
                    limit="assign_team",
                    params=report_params,
                ),
                Tell(
                    to=lambda ctx: [ctx.item.created_by],
                    title=gettext_lazy("【请提交紧急事项报告】%(label)s"),
                    body=gettext_lazy("请在 %(due)s 前（%(limit)s内）提交《紧急事项报告》（含详细说明）。"),
                    urgency="emergency",
                    limit="written_report",
                ),
            ),
        ),
        Step(
            "written_report",
            gettext_lazy("提交紧急事项报告"),
            tuple(IncidentState.values),
            None,
            may_write_report,
            offered=False,
            records_state=False,
            refusal=lambda i: _("紧急事项报告由上报人或应急负责人提交"),
            audit_action="incident.written_report",
            check=written("report", gettext_lazy("紧急事项报告"), gettext_lazy("问题类型、影响程度、初步应对措施")),
            apply=keep("report", "detailed_report"),
            stamps=("detailed_report_at",),
            satisfies=("written_report",),
            after=report_filed_entry,
            tells=(
                Tell(
                    to=lambda ctx: people(management(ctx.item), exclude=ctx.actor),
                    title=gettext_lazy("【紧急事项报告】%(label)s"),
                    body="%(text)s",
                    kind="info",
                    urgency="urgent",
                    params=lambda ctx: {"text": ctx.inputs["report"][:500]},
                ),
            ),
        ),
        Step(
            "plan",
            gettext_lazy("制定应急方案"),
            tuple(IncidentState.values),
            None,
            is_commander,
            offered=False,
            records_state=False,
            refusal=lambda i: _("只有应急负责人、主责部门负责人、总经理或综合管理部可以制定应急方案"),
            audit_action="incident.plan",
            check=written("plan", gettext_lazy("应急方案"), gettext_lazy("各小组职责与资源调配需求")),
            apply=keep("plan", "emergency_plan"),
            stamps=("plan_at",),
            satisfies=("plan",),
            after=plan_entry,
            tells=(
                Tell(
                    to=everyone_but_the_actor,
                    title=gettext_lazy("【应急方案】%(label)s"),
                    body="%(text)s",
                    kind="info",
                    urgency="urgent",
                    params=lambda ctx: {"text": ctx.inputs["plan"][:500]},
                ),
            ),
        ),
        Step(
            "leader_report",
            gettext_lazy("向分管领导汇报"),
            (S.REPORTED, S.RESPONDING),
            None,
            on_team,
            offered=False,
            records_state=False,
            refusal=lambda i: _("只有应急小组成员可以向分管领导汇报"),
            audit_action="incident.leader_report",
            check=check_body,
            apply=post(EntryKind.STATUS),
            satisfies=("leader_report",),
            arms=(live_limit("leader_report"),),
            tells=(
                Tell(
                    to=to_the_division_leader,
                    title=gettext_lazy("【进展汇报】%(label)s"),
                    body=gettext_lazy("%(actor)s：%(body)s（下次汇报：%(due)s 前）"),
                    kind="info",
                    urgency="emergency",
                    limit="leader_report",
                    params=posted_params,
                ),
            ),
        ),
        # Taken by the worker when a 4-hourly report is missed: an alarm, and the next 4 hours start.
        Step(
            "leader_report_missed",
            gettext_lazy("向分管领导汇报超时"),
            (S.REPORTED, S.RESPONDING),
            None,
            is_commander,
            system=True,
            records_state=False,
            audit_action="incident.leader_report_missed",
            apply=missed_entry,
            arms=(
                Arm(
                    "leader_report",
                    owner=lambda i: i.lead,
                    department=lambda i: i.responsible_department,
                    start=missed_due,
                    on_due="leader_report_missed",
                ),
            ),
            tells=(
                Tell(
                    to=lambda ctx: people([ctx.item.lead, division_leader(ctx.item)]),
                    title=gettext_lazy("【向分管领导汇报超时】%(label)s"),
                    body=gettext_lazy(
                        "应于 %(missed)s 向%(leader)s汇报进展，已超时。请立即汇报；下次汇报须在 %(due)s 前。%(clause)s"
                    ),
                    kind="overdue",
                    urgency="emergency",
                    limit="leader_report",
                    params=missed_params,
                ),
            ),
        ),
        Step(
            "assign_team",
            gettext_lazy("指定应急小组"),
            (S.REPORTED, S.RESPONDING),
            S.RESPONDING,
            is_commander,
            "primary",
            offered=False,
            audit_action="incident.assign_team",
            stamps_once=("team_assigned_at",),
            check=check_team,
            apply=form_team,
            satisfies=("assign_team",),
            arms=(
                Arm(
                    "team_ready",
                    owner=lambda i: i.lead,
                    department=lambda i: i.responsible_department,
                    when=lambda ctx: bool(ctx.inputs["added"]),
                ),
            ),
            after=team_entry,
            tells=(
                Tell(
                    to=lambda ctx: [m.person for m in ctx.inputs["added"]],
                    title=gettext_lazy("【应急小组】%(label)s"),
                    body=gettext_lazy(
                        "%(actor)s 指定您加入应急小组，分工：%(duties)s。"
                        "请在 %(due)s 前（%(limit)s内）到位，并在事项页面反馈准备情况。"
                    ),
                    urgency="emergency",
                    limit="team_ready",
                    params=added_params,
                ),
            ),
        ),
        Step(
            "acknowledge",
            gettext_lazy("确认到位"),
            tuple(IncidentState.values),
            None,
            member,
            offered=False,
            records_state=False,
            refusal=lambda i: _("您不在该事项的应急小组中"),
            audit_action="incident.acknowledge",
            check=check_ready,
            apply=record_ready,
            after=ready,
        ),
        Step(
            "status",
            gettext_lazy("更新处理状态"),
            tuple(IncidentState.values),
            None,
            on_team,
            offered=False,
            records_state=False,
            refusal=lambda i: _("只有应急小组成员可以更新处理状态"),
            audit_action="incident.status",
            check=check_body,
            apply=post(EntryKind.STATUS),
            satisfies=("status",),
            arms=(live_limit("status"),),
            tells=(
                Tell(
                    to=everyone_but_the_actor,
                    title=gettext_lazy("【状态更新】%(label)s"),
                    body=gettext_lazy("%(actor)s：%(body)s"),
                    kind="info",
                    urgency="urgent",
                    params=posted_params,
                ),
            ),
        ),
        Step(
            "decision",
            gettext_lazy("记录决策"),
            tuple(IncidentState.values),
            None,
            is_commander,
            offered=False,
            records_state=False,
            refusal=lambda i: _("只有应急负责人、主责部门负责人、总经理或综合管理部可以记录决策"),
            audit_action="incident.decision",
            check=check_body,
            apply=post(EntryKind.DECISION),
            tells=(
                Tell(
                    to=everyone_but_the_actor,
                    title=gettext_lazy("【决策】%(label)s"),
                    body=gettext_lazy("%(actor)s：%(body)s"),
                    kind="info",
                    urgency="urgent",
                    params=posted_params,
                ),
            ),
        ),
        Step(
            "control",
            gettext_lazy("风险已控制"),
            (S.RESPONDING,),
            S.CONTROLLED,
            is_commander,
            "primary",
            reason=Reason(gettext_lazy("说明"), required=False, field="note"),
            audit_action="incident.control",
            stamps=("controlled_at",),
            satisfies=("control",),
            cancels=("leader_report",),  # 每4小时向分管领导汇报, until the risk is under control
            after=control_entry,
            tells=(
                Tell(
                    to=everyone_but_the_actor,
                    title=gettext_lazy("【风险已控制】%(label)s"),
                    body="%(reason)s",
                    kind="info",
                    urgency="urgent",
                ),
            ),
        ),
        Step(
            "resolve",
            gettext_lazy("宣布问题已解决"),
            (S.REPORTED, S.RESPONDING, S.CONTROLLED),
            S.RESOLVED,
            is_commander,
            "primary",
            offered=False,
            audit_action="incident.resolve",
            stamps=("resolved_at",),
            check=check_resolution,
            apply=record_resolution,
            # Announcing "问题已解决" is the last status update; the team limits simply no longer apply.
            satisfies=("control", "status"),
            cancels=("assign_team", "team_ready", "plan", "leader_report", "written_report"),
            arms=(live_limit("review"),),
            after=resolution_entry,
            tells=(
                Tell(
                    to=resolved_audience,
                    title=gettext_lazy("【问题已解决】%(label)s"),
                    body=gettext_lazy(
                        "原因：%(cause)s；措施：%(measures)s。请在 %(due)s 前（%(limit)s内）组织复盘，并发布用户告知函。"
                    ),
                    kind="info",
                    urgency="urgent",
                    limit="review",
                    params=lambda ctx: {"cause": ctx.inputs["cause"], "measures": ctx.inputs["measures"]},
                ),
            ),
        ),
        Step(
            "publish_notice",
            gettext_lazy("发布用户告知函"),
            (S.RESOLVED, S.CLOSED),
            None,
            on_team,
            offered=False,
            records_state=False,
            refusal=lambda i: _("只有应急小组成员可以编辑用户告知函"),
            audit_action="incident.notice_publish",
            check=check_publish,
            stamps=("notice_published_at",),
            apply=record_publish,
            after=send_notice,
            tells=(
                Tell(
                    to=everyone_but_the_actor,
                    title=gettext_lazy("【用户告知函已发布】%(label)s"),
                    body=gettext_lazy("已发送至：%(where)s"),
                    kind="info",
                    params=lambda ctx: {
                        "where": "、".join([*ctx.inputs["addresses"], *(str(c) for c in ctx.inputs["channels"])])
                    },
                ),
            ),
        ),
        Step(
            "review",
            gettext_lazy("完成复盘"),
            (S.RESOLVED,),
            S.CLOSED,
            is_commander,
            "primary",
            offered=False,
            audit_action="incident.review",
            stamps=("reviewed_at",),
            check=check_review,
            apply=hold_review,
            satisfies=("review",),
            after=review_entry,
        ),
    ),
    limits=(
        Limit(
            "assign_team",
            "10m",
            mode="wall",
            snap=False,
            ladder="emergency-division",
            rule="接到上报后 10 分钟内明确应急小组分工；超时上报分管领导",
        ),
        Limit("team_ready", "30m", mode="wall", snap=False, rule="应急小组成员 30 分钟内到位并反馈准备情况"),
        Limit("status", "30m", mode="wall", snap=False, remind_before="5m", rule="每 30 分钟更新一次处理状态"),
        Limit("control", "2h", mode="wall", snap=False, ladder="emergency", rule="2 小时内未控制风险，上报总经理"),
        Limit("review", "3d", remind_before="1d", ladder="standard", rule="问题解决后 3 个工作日内召开复盘会"),
        Limit(
            "written_report",
            "1h",
            mode="wall",
            snap=False,
            remind_before="15m",
            rule="问题发觉人 1 小时内提交《紧急事项报告》（含详细说明）",
            label=gettext_lazy("紧急事项报告"),
            source=MECHANISM,
            clause="三（三）步骤1",
            clause_text="1小时内提交《紧急事项报告》(含详细说明)",
        ),
        Limit(
            "plan",
            "2h",
            mode="wall",
            snap=False,
            remind_before="30m",
            ladder="emergency-division",
            rule="分管领导牵头成立临时应急小组，2 小时内制定应急方案",
            label=gettext_lazy("应急方案"),
            source=MECHANISM,
            clause="三（三）步骤2",
            clause_text="2小时内制定应急方案,明确各小组职责、资源调配需求,立即执行",
        ),
        Limit(
            "leader_report",
            "4h",
            mode="wall",
            snap=False,
            remind_before="30m",
            rule="控制前每 4 小时向分管领导汇报进展；漏报即告警并开始下一个 4 小时",
            label=gettext_lazy("向分管领导汇报"),
            source=MECHANISM,
            clause="三（三）步骤3",
            clause_text="每4小时向分管领导汇报进展",
        ),
    ),
    action_labels={
        "incident.report": gettext_lazy("上报紧急事项"),
        "incident.assign_team": gettext_lazy("明确应急小组分工"),
        "incident.acknowledge": gettext_lazy("确认到位"),
        "incident.status": gettext_lazy("更新处理状态"),
        "incident.decision": gettext_lazy("记录决策"),
        "incident.control": gettext_lazy("风险已控制"),
        "incident.resolve": gettext_lazy("宣布问题已解决"),
        "incident.notice": gettext_lazy("编辑用户告知函"),
        "incident.notice_publish": gettext_lazy("发布用户告知函"),
        "incident.review": gettext_lazy("完成复盘"),
        "incident.written_report": gettext_lazy("提交紧急事项报告"),
        "incident.plan": gettext_lazy("制定应急方案"),
        "incident.leader_report": gettext_lazy("向分管领导汇报"),
        "incident.leader_report_missed": gettext_lazy("向分管领导汇报超时"),
    },
)


# --- 改进措施: each action from the 复盘 is an item of its own, with an owner and a due date ----------------
def action_owner(person: Any, action: ImprovementAction) -> bool:
    return person.pk == action.owner_id


def due_instant(day: dt.date, department: Department | None) -> dt.datetime:
    """A due date means the end of that day's working hours in the owner's calendar."""
    return engine_for(calendar_for_department(department)).day_end(day)


def record_action(ctx: StepContext) -> None:
    ctx.details.update(snapshot(ctx.item, ("title", "owner", "due_date", "incident")))


IMPROVEMENT = Process(
    key="improvement",
    model=ImprovementAction,
    label=gettext_lazy("复盘改进措施"),
    id_param="action_id",
    related=("incident", "owner", "department"),
    owners=("owner",),
    states=(
        State(ActionState.OPEN, ActionState.OPEN.label, "info"),
        State(ActionState.DONE, ActionState.DONE.label, "ok", closed=True),
    ),
    steps=(
        # Taken as the 复盘 creates the action: its due date starts a clock for the owner.
        Step(
            "create",
            gettext_lazy("新增改进措施"),
            (ActionState.OPEN,),
            None,
            action_owner,
            system=True,
            records_state=False,
            apply=record_action,
            arms=(
                Arm(
                    "due",
                    owner=lambda a: a.owner,
                    department=lambda a: a.department,
                    due_at=lambda ctx: max(ctx.now, due_instant(ctx.item.due_date, ctx.item.department)),
                ),
            ),
            tells=(
                Tell(
                    to=lambda ctx: [ctx.item.owner],
                    title=gettext_lazy("【改进措施】%(label)s"),
                    body=gettext_lazy("来自紧急事项 %(incident)s 的复盘，完成时间：%(due_date)s。"),
                    params=lambda ctx: {
                        "incident": label(ctx.item.incident),
                        "due_date": ctx.item.due_date.isoformat(),
                    },
                ),
            ),
        ),
        Step(
            "done",
            gettext_lazy("完成改进措施"),
            (ActionState.OPEN,),
            ActionState.DONE,
            action_owner,
            "primary",
            reason=Reason(gettext_lazy("完成情况"), keep_in="done_note", field="note"),
            refusal=lambda a: _("只有负责人可以完成改进措施"),
            stamps=("done_at",),
            satisfies=("due",),
            tells=(
                Tell(
                    to=lambda ctx: [ctx.item.incident.lead],
                    title=gettext_lazy("【改进措施已完成】%(label)s"),
                    body="%(note)s",
                    kind="info",
                    params=lambda ctx: {"note": ctx.reason[:500]},
                ),
            ),
        ),
    ),
)
