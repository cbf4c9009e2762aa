"""Writes to incidents (紧急事项). One path per change: check permission and state → validate → write →
audit event → clocks → notifications, all in one transaction. Emergency clocks count wall-clock time:
nights, weekends and holidays run like any other minute."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from django.db import transaction
from django.utils.translation import gettext as _

from xietong.clocks.models import Clock
from xietong.clocks.selectors import open_clock
from xietong.clocks.services import clock_arm, clock_cancel, clock_satisfy
from xietong.core import clock
from xietong.core.audit import audit_record, changed_fields, snapshot
from xietong.core.errors import ApplicationError, Conflict, Forbidden, InvalidState
from xietong.core.i18n import full_date, full_date_time, month_day_time_padded
from xietong.core.permissions import VIEW, authorize
from xietong.incidents.choices import (
    ACTIVE_STATES,
    MACHINE,
    ActionState,
    EntryKind,
    IncidentState,
    is_commander,
)
from xietong.incidents.models import ImprovementAction, Incident, IncidentEntry, IncidentMember
from xietong.items.services import number_next
from xietong.notify.models import MessageKind, Urgency
from xietong.notify.services import notify
from xietong.org.models import Department, Person, Project
from xietong.org.roles import manager_chain
from xietong.workcal.engine import format_span
from xietong.workcal.selectors import calendar_for_department, engine_for

TEXT_LIMIT = 3000
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
LIVE_LIMITS = ("assign_team", "team_ready", "status", "control")


def _text(value: Any) -> str:
    return str(value or "").strip()


def _label(incident: Incident) -> str:
    return f"{incident.number} {incident.title}"


def _hm(instant: dt.datetime) -> str:
    return f"{clock.local(instant):%H:%M}"


def _people(*groups: Iterable[Person | None], exclude: Person | None = None) -> list[Person]:
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
    return _people(
        [incident.lead, incident.responsible_department.head, chain[1].person],
        [incident.reporting_department.head, reporting_chain[1].person],
    )


def team(incident: Incident) -> list[Person]:
    return _people([incident.lead], incident.members.all())


def _entry(incident: Incident, kind: str, body: str, author: Person | None = None, **extra: Any) -> IncidentEntry:
    return IncidentEntry.objects.create(incident=incident, kind=kind, body=body, author=author, **extra)


def _emergency(recipients: list[Person], incident: Incident, title: str, body: str, **kwargs: Any) -> None:
    """Incident messages ignore quiet hours: robots and email go out at once, day or night."""
    if recipients:
        notify(
            recipients=recipients,
            kind=kwargs.pop("kind", MessageKind.ASSIGNMENT),
            title=title,
            body=body,
            url=incident.get_absolute_url(),
            subject=incident,
            urgency=kwargs.pop("urgency", Urgency.EMERGENCY),
            **kwargs,
        )


def _arm(incident: Incident, limit: str, start: dt.datetime, owner: Person | None = None) -> Clock | None:
    return clock_arm(
        subject=incident,
        process="emergency",
        limit=limit,
        owner=owner or incident.lead,
        department=incident.responsible_department,
        start=start,
    )


# --- 上报 -----------------------------------------------------------------------------------------------
def _title_from(description: str) -> str:
    first_line = description.splitlines()[0].strip(" ，。,.") if description else ""
    return first_line[:40] or _("紧急事项")


@transaction.atomic
def incident_report(
    *,
    actor: Person,
    description: str,
    title: str = "",
    occurred_at: dt.datetime | None = None,
    scope: str = "",
    measures_taken: str = "",
    responsible_department: Department | None = None,
    lead: Person | None = None,
    project: Project | None = None,
) -> Incident:
    """上报紧急事项 (紧急事务初始信息表). The lead must name the team within 10 minutes, a status update is
    due every 30 minutes, and the general manager hears it if it is not under control within 2 hours."""
    now = clock.now()
    description, title, scope, measures_taken = (
        _text(description),
        _text(title),
        _text(scope),
        _text(measures_taken),
    )
    errors: dict[str, str] = {}
    if not description:
        errors["description"] = _("请描述发生了什么，例如“官网无法访问，用户反馈量激增”")
    for field, value, label in (
        ("description", description, _("问题描述")),
        ("scope", scope, _("影响范围")),
        ("measures_taken", measures_taken, _("临时措施")),
    ):
        if len(value) > TEXT_LIMIT and field not in errors:
            errors[field] = _("%(field)s不能超过 %(n)d 字") % {"field": label, "n": TEXT_LIMIT}
    if len(title) > 120:
        errors["title"] = _("主题不能超过 120 字")
    occurred_at = occurred_at or now
    if occurred_at > now + dt.timedelta(minutes=5):
        errors["occurred_at"] = _("发生时间不能晚于现在")
    if actor.department_id is None:
        raise ApplicationError(_("您尚未分配部门，请直接电话联系部门负责人，并请管理员为您分配部门"))
    responsible = responsible_department or actor.department
    if responsible is None or not Department.objects.filter(pk=responsible.pk).exists():
        errors["responsible_department"] = _("所选主责部门不存在（可能已被删除），请重新选择")
    elif lead is None:
        lead = responsible.head
        if lead is None or not lead.is_active:
            errors["lead"] = _("“%(dept)s”未设部门负责人，请指定应急负责人") % {"dept": responsible}
    elif not lead.is_active:
        errors["lead"] = _("%(person)s 的账号已停用，请另选应急负责人") % {"person": lead}
    if project is not None and not Project.objects.restrict(actor).filter(pk=project.pk).exists():
        errors["project"] = _("您不是该项目的成员")
    if errors:
        raise ApplicationError(_("紧急事项信息不完整或有误"), fields=errors)
    assert responsible is not None and lead is not None
    incident = Incident(
        number=number_next("JJ"),
        created_by=actor,
        title=title or _title_from(description),
        description=description,
        occurred_at=occurred_at,
        scope=scope,
        measures_taken=measures_taken,
        reporting_department_id=actor.department_id,
        responsible_department=responsible,
        lead=lead,
        project=project,
        reported_at=now,
    )
    incident.save()
    audit_record(actor=actor, action="incident.report", obj=incident, after=snapshot(incident, REPORT_FIELDS))
    _entry(
        incident,
        EntryKind.EVENT,
        _("%(who)s 上报紧急事项：%(what)s") % {"who": actor.display_name, "what": description},
        actor,
        created_at=now,
    )
    for limit in ("assign_team", "status", "control"):
        _arm(incident, limit, now)
    body = _(
        "发生时间：%(when)s；影响范围：%(scope)s；已采取的临时措施：%(measures)s。应急负责人 %(lead)s 须在 10 分钟内明确应急小组分工。"
    ) % {
        "when": f"{clock.local(occurred_at):%m-%d %H:%M}",
        "scope": scope or _("未填写"),
        "measures": measures_taken or _("无"),
        "lead": lead.display_name,
    }
    _emergency(management(incident), incident, _("【紧急事项】%(label)s") % {"label": _label(incident)}, body)
    return incident


# --- One path for every later change ----------------------------------------------------------------
def _locked(actor: Person, incident: Incident, expected_version: int | None = None) -> Incident:
    authorize(actor, VIEW, incident)
    locked = (
        Incident.objects.select_for_update(of=("self",))
        .select_related("responsible_department", "reporting_department", "lead", "created_by", "project")
        .get(pk=incident.pk)
    )
    if expected_version is not None and locked.version != expected_version:
        raise Conflict()
    return locked


def _save(incident: Incident, fields: Iterable[str]) -> None:
    incident.version += 1
    incident.updated_at = clock.now()
    incident.save(update_fields=[*fields, "version", "updated_at"])


def _require_live(incident: Incident, what: str) -> None:
    if incident.state not in ACTIVE_STATES:
        raise InvalidState(
            _("紧急事项“%(label)s”%(state)s，不能再%(what)s")
            % {"label": incident.number, "state": incident.get_state_display(), "what": what}
        )


def _check_text(errors: dict[str, str], field: str, value: str, message: str, *, required: bool = True) -> None:
    if required and not value:
        errors[field] = message
    elif len(value) > TEXT_LIMIT:
        errors[field] = _("内容不能超过 %(n)d 字") % {"n": TEXT_LIMIT}


@transaction.atomic
def incident_assign_team(
    *, actor: Person, incident: Incident, members: Sequence[tuple[Person, str]]
) -> list[IncidentMember]:
    """明确应急小组分工 (within 10 minutes of the report); members have 30 minutes to be in place."""
    incident = _locked(actor, incident)
    MACHINE.check(incident, "assign_team", actor)
    errors: dict[str, str] = {}
    rows = [(person, _text(duty)) for person, duty in members if person is not None]
    if not rows:
        errors["members"] = _("请至少指定一名应急小组成员及其分工")
    seen: set[int] = set()
    for person, duty in rows:
        if person.pk in seen:
            errors["members"] = _("%(person)s 重复出现，请合并为一条分工") % {"person": person}
        elif not person.is_active:
            errors["members"] = _("%(person)s 的账号已停用") % {"person": person}
        elif not duty:
            errors["members"] = _("请写明 %(person)s 的分工，例如“排查服务器日志”") % {"person": person}
        elif len(duty) > 200:
            errors["members"] = _("%(person)s 的分工不能超过 200 字") % {"person": person}
        seen.add(person.pk)
    if errors:
        raise ApplicationError(_("应急小组分工不完整"), fields=errors)
    now = clock.now()
    existing = {m.person_id: m for m in incident.memberships.select_for_update()}
    added: list[IncidentMember] = []
    for person, duty in rows:
        membership = existing.get(person.pk)
        if membership is None:
            added.append(
                IncidentMember.objects.create(
                    incident=incident, person=person, duty=duty, assigned_by=actor, assigned_at=now
                )
            )
        elif membership.duty != duty:
            membership.duty = duty
            membership.save(update_fields=["duty"])
    first_time = incident.team_assigned_at is None
    before = incident.state
    incident.state = IncidentState.RESPONDING
    incident.team_assigned_at = incident.team_assigned_at or now
    _save(incident, ["state", "team_assigned_at"])
    audit_record(
        actor=actor,
        action="incident.assign_team",
        obj=incident,
        before={"state": before},
        after={"state": incident.state, "members": [{"person": p.pk, "duty": d} for p, d in rows]},
    )
    _entry(
        incident,
        EntryKind.DECISION,
        _("应急小组分工：%(team)s") % {"team": "；".join(f"{p.display_name} {d}" for p, d in rows)},
        actor,
        created_at=now,
    )
    if first_time:
        clock_satisfy(subject=incident, limit="assign_team", at=now)
    if added:
        _arm(incident, "team_ready", now)
    for membership in added:
        _emergency(
            [membership.person],
            incident,
            _("【应急小组】%(label)s") % {"label": _label(incident)},
            _("%(who)s 指定您加入应急小组，分工：%(duty)s。请在 30 分钟内到位，并在事项页面反馈准备情况。")
            % {"who": actor.display_name, "duty": membership.duty},
        )
    return added


@transaction.atomic
def incident_acknowledge(*, actor: Person, incident: Incident, ready_note: str) -> IncidentMember:
    """A member is in place (到位) and says how ready they are."""
    incident = _locked(actor, incident)
    _require_live(incident, _("确认到位"))
    membership = incident.memberships.select_for_update().filter(person=actor).first()
    if membership is None:
        raise Forbidden(_("您不在该事项的应急小组中"))
    if membership.acknowledged_at is not None:
        raise InvalidState(_("您已于 %(at)s 确认到位") % {"at": _hm(membership.acknowledged_at)})
    ready_note = _text(ready_note)
    errors: dict[str, str] = {}
    _check_text(errors, "ready_note", ready_note, _("请反馈准备情况，例如“研发团队已准备回滚方案”"))
    if len(ready_note) > 300:
        errors["ready_note"] = _("准备情况不能超过 300 字")
    if errors:
        raise ApplicationError(fields=errors)
    now = clock.now()
    membership.acknowledged_at = now
    membership.ready_note = ready_note
    membership.save(update_fields=["acknowledged_at", "ready_note"])
    incident.version += 1
    incident.save(update_fields=["version"])
    audit_record(actor=actor, action="incident.acknowledge", obj=incident, after={"ready_note": ready_note})
    _entry(
        incident,
        EntryKind.EVENT,
        _("%(who)s 已到位：%(note)s") % {"who": actor.display_name, "note": ready_note},
        actor,
        created_at=now,
    )
    if not incident.memberships.filter(acknowledged_at__isnull=True).exists():
        clock_satisfy(subject=incident, limit="team_ready", at=now)
    return membership


@transaction.atomic
def incident_post_update(
    *, actor: Person, incident: Incident, body: str, kind: str = EntryKind.STATUS
) -> IncidentEntry:
    """状态更新 (every 30 minutes, re-arming the clock) or a decision, on the live timeline."""
    incident = _locked(actor, incident)
    if kind not in (EntryKind.STATUS, EntryKind.DECISION):
        raise ApplicationError(fields={"kind": _("只能记录状态更新或决策")})
    _require_live(incident, _("更新状态或记录决策"))
    on_team = is_commander(actor, incident) or incident.memberships.filter(person=actor).exists()
    if kind == EntryKind.DECISION and not is_commander(actor, incident):
        raise Forbidden(_("只有应急负责人、主责部门负责人、总经理或综合管理部可以记录决策"))
    if not on_team:
        raise Forbidden(_("只有应急小组成员可以更新处理状态"))
    body = _text(body)
    errors: dict[str, str] = {}
    _check_text(errors, "body", body, _("请填写处理状态，例如“初步判断为数据库连接池溢出，正在扩容”"))
    if errors:
        raise ApplicationError(fields=errors)
    now = clock.now()
    cadence = open_clock(incident, "status") if kind == EntryKind.STATUS else None
    entry = _entry(
        incident, kind, body, actor, created_at=now, due_at=cadence.limit_due_at if cadence is not None else None
    )
    incident.version += 1
    incident.save(update_fields=["version"])
    audit_record(actor=actor, action=f"incident.{kind}", obj=incident, after={"entry": entry.pk, "body": body[:200]})
    if kind == EntryKind.STATUS:
        clock_satisfy(subject=incident, limit="status", at=now)
        _arm(incident, "status", now)
    _emergency(
        _people(management(incident), team(incident), exclude=actor),
        incident,
        _("【%(kind)s】%(label)s") % {"kind": EntryKind(kind).label, "label": _label(incident)},
        _("%(who)s：%(body)s") % {"who": actor.display_name, "body": body[:500]},
        kind=MessageKind.INFO,
        urgency=Urgency.URGENT,
    )
    return entry


@transaction.atomic
def incident_control(*, actor: Person, incident: Incident, note: str = "") -> Incident:
    """风险已控制: stops the 2-hour clock that would alert the general manager."""
    incident = _locked(actor, incident)
    MACHINE.check(incident, "control", actor)
    note = _text(note)
    if len(note) > TEXT_LIMIT:
        raise ApplicationError(fields={"note": _("内容不能超过 %(n)d 字") % {"n": TEXT_LIMIT}})
    now = clock.now()
    incident.state = IncidentState.CONTROLLED
    incident.controlled_at = now
    _save(incident, ["state", "controlled_at"])
    audit_record(
        actor=actor,
        action="incident.control",
        obj=incident,
        before={"state": IncidentState.RESPONDING},
        after={"state": incident.state, **({"reason": note} if note else {})},
    )
    _entry(incident, EntryKind.DECISION, _("风险已控制。%(note)s") % {"note": note}, actor, created_at=now)
    clock_satisfy(subject=incident, limit="control", at=now)
    _emergency(
        _people(management(incident), team(incident), exclude=actor),
        incident,
        _("【风险已控制】%(label)s") % {"label": _label(incident)},
        note,
        kind=MessageKind.INFO,
        urgency=Urgency.URGENT,
    )
    return incident


def company_name() -> str:
    root = Department.objects.filter(parent__isnull=True).order_by("sort_order", "pk").first()
    return root.name if root is not None else ""


def draft_customer_notice(incident: Incident) -> str:
    """用户告知函, drafted from the report: what happened, why, what was done, when it recovered, an apology."""
    assert incident.resolved_at is not None
    occurred, resolved = clock.local(incident.occurred_at), clock.local(incident.resolved_at)
    duration = format_span(incident.impact_duration or dt.timedelta(0))
    lines = [
        _("尊敬的用户："),
        "",
        _("%(when)s 起，%(scope)s出现“%(what)s”的情况。经排查，原因是：%(cause)s。")
        % {
            "when": full_date_time(occurred),
            "scope": (incident.scope + "，") if incident.scope else "",
            "what": incident.title,
            "cause": incident.cause.rstrip("。"),
        },
        _("我们已采取以下措施：%(measures)s。服务已于 %(resolved)s 恢复正常，影响时长约 %(duration)s。")
        % {
            "measures": incident.resolution_measures.rstrip("。"),
            "resolved": month_day_time_padded(resolved),
            "duration": duration,
        },
        "",
        _("由此给您带来的不便，我们深表歉意。如仍有问题，请联系我们的客服。"),
        "",
        company_name(),
        full_date(resolved),
    ]
    return "\n".join(lines)


@transaction.atomic
def incident_resolve(*, actor: Person, incident: Incident, cause: str, measures: str) -> Incident:
    """宣布“问题已解决” with the 紧急事务处理报告 (原因、措施、影响时长); drafts the 用户告知函 and starts the
    3-working-day clock of the 复盘."""
    incident = _locked(actor, incident)
    MACHINE.check(incident, "resolve", actor)
    cause, measures = _text(cause), _text(measures)
    errors: dict[str, str] = {}
    _check_text(errors, "cause", cause, _("请填写问题原因，例如“数据库连接池溢出”"))
    _check_text(errors, "measures", measures, _("请填写解决措施，例如“扩容连接池并回滚当日发布”"))
    if errors:
        raise ApplicationError(_("紧急事务处理报告不完整"), fields=errors)
    now = clock.now()
    before = incident.state
    incident.state = IncidentState.RESOLVED
    incident.resolved_at = now
    incident.cause = cause
    incident.resolution_measures = measures
    incident.customer_notice = draft_customer_notice(incident)
    _save(incident, ["state", "resolved_at", "cause", "resolution_measures", "customer_notice"])
    audit_record(
        actor=actor,
        action="incident.resolve",
        obj=incident,
        before={"state": before},
        after={"state": incident.state, "cause": cause, "measures": measures, "minutes": incident.impact_minutes},
    )
    _entry(
        incident,
        EntryKind.EVENT,
        _("问题已解决：%(cause)s；%(measures)s（持续 %(minutes)d 分钟）")
        % {"cause": cause, "measures": measures, "minutes": incident.impact_minutes or 0},
        actor,
        created_at=now,
    )
    if open_clock(incident, "control") is not None:
        clock_satisfy(subject=incident, limit="control", at=now)
    # Announcing "问题已解决" is the last status update; the team limits simply no longer apply.
    clock_satisfy(subject=incident, limit="status", at=now)
    for limit in ("assign_team", "team_ready"):
        clock_cancel(subject=incident, limit=limit, note=_("紧急事项已解决"))
    _arm(incident, "review", now)
    _emergency(
        _people(management(incident), team(incident), [incident.created_by], exclude=actor),
        incident,
        _("【问题已解决】%(label)s") % {"label": _label(incident)},
        _("原因：%(cause)s；措施：%(measures)s。请在 3 个工作日内组织复盘，并发布用户告知函。")
        % {"cause": cause, "measures": measures},
        kind=MessageKind.INFO,
        urgency=Urgency.URGENT,
    )
    return incident


@transaction.atomic
def incident_notice_save(*, actor: Person, incident: Incident, text: str, publish: bool = False) -> Incident:
    """Edit the drafted 用户告知函, and record when it was published through the official channels."""
    incident = _locked(actor, incident)
    if incident.state not in (IncidentState.RESOLVED, IncidentState.CLOSED):
        raise InvalidState(_("问题解决后才能编辑用户告知函"))
    if not (is_commander(actor, incident) or incident.memberships.filter(person=actor).exists()):
        raise Forbidden(_("只有应急小组成员可以编辑用户告知函"))
    if incident.notice_published_at is not None:
        raise InvalidState(
            _("用户告知函已于 %(at)s 发布，不能再修改")
            % {"at": f"{clock.local(incident.notice_published_at):%Y-%m-%d %H:%M}"}
        )
    text = _text(text).replace("\r\n", "\n")  # browsers send CRLF
    errors: dict[str, str] = {}
    _check_text(errors, "text", text, _("用户告知函不能为空"))
    if errors:
        raise ApplicationError(fields=errors)
    before = snapshot(incident, ("customer_notice",))
    incident.customer_notice = text
    fields = ["customer_notice"]
    if publish:
        incident.notice_published_at = clock.now()
        incident.notice_published_by = actor
        fields += ["notice_published_at", "notice_published_by"]
    _save(incident, fields)
    old, new = changed_fields(before, snapshot(incident, ("customer_notice",)))
    audit_record(
        actor=actor,
        action="incident.notice_publish" if publish else "incident.notice",
        obj=incident,
        before=old,
        after={**new, **({"published": True} if publish else {})},
    )
    return incident


@dataclass(frozen=True)
class ActionDraft:
    title: str
    owner: Person | None
    due_date: dt.date | None


def deadline_instant(day: dt.date, department: Department | None) -> dt.datetime:
    """A due date means the end of that day's working hours in the owner's calendar."""
    engine = engine_for(calendar_for_department(department))
    return engine.day_end(day)


@transaction.atomic
def incident_review(
    *, actor: Person, incident: Incident, summary: str, actions: Sequence[ActionDraft]
) -> list[ImprovementAction]:
    """复盘 (within 3 working days of the resolution): lessons learned and improvement actions, each
    tracked with an owner, a due date and its own clock."""
    incident = _locked(actor, incident)
    MACHINE.check(incident, "review", actor)
    summary = _text(summary)
    errors: dict[str, str] = {}
    _check_text(errors, "summary", summary, _("请填写复盘结论（经验教训）"))
    drafts = [a for a in actions if _text(a.title) or a.owner is not None or a.due_date is not None]
    if not drafts:
        errors["actions"] = _("复盘须形成至少一条改进措施（内容、负责人、完成时间）")
    today = clock.today()
    for index, draft in enumerate(drafts, start=1):
        if not _text(draft.title):
            errors["actions"] = _("第 %(n)d 条改进措施缺少内容") % {"n": index}
        elif len(_text(draft.title)) > 120:
            errors["actions"] = _("第 %(n)d 条改进措施不能超过 120 字") % {"n": index}
        elif draft.owner is None or not draft.owner.is_active:
            errors["actions"] = _("第 %(n)d 条改进措施缺少负责人") % {"n": index}
        elif draft.owner.department_id is None:
            errors["actions"] = _("%(person)s 尚未分配部门，不能担任负责人") % {"person": draft.owner}
        elif draft.due_date is None:
            errors["actions"] = _("第 %(n)d 条改进措施缺少完成时间") % {"n": index}
        elif draft.due_date < today:
            errors["actions"] = _("第 %(n)d 条改进措施的完成时间 %(date)s 已经过去") % {
                "n": index,
                "date": draft.due_date.isoformat(),
            }
    if errors:
        raise ApplicationError(_("复盘内容不完整"), fields=errors)
    now = clock.now()
    incident.state = IncidentState.CLOSED
    incident.review_summary = summary
    incident.reviewed_at = incident.closed_at = now
    _save(incident, ["state", "review_summary", "reviewed_at", "closed_at"])
    created: list[ImprovementAction] = []
    for draft in drafts:
        department = draft.owner.department if draft.owner is not None else None
        assert draft.owner is not None and department is not None and draft.due_date is not None  # validated
        action = ImprovementAction.objects.create(
            number=number_next("GJ"),
            title=_text(draft.title),
            project=incident.project,
            created_by=actor,
            incident=incident,
            owner=draft.owner,
            department=department,
            due_date=draft.due_date,
        )
        audit_record(
            actor=actor,
            action="improvement.create",
            obj=action,
            after=snapshot(action, ("title", "owner", "due_date", "incident")),
        )
        clock_arm(
            subject=action,
            process="improvement",
            limit="due",
            owner=action.owner,
            department=action.department,
            start=now,
            due_at=max(now, deadline_instant(action.due_date, action.department)),
        )
        notify(
            recipients=[action.owner],
            kind=MessageKind.ASSIGNMENT,
            title=_("【改进措施】%(label)s") % {"label": f"{action.number} {action.title}"},
            body=_("来自紧急事项 %(incident)s 的复盘，完成时间：%(due)s。")
            % {"incident": _label(incident), "due": action.due_date.isoformat()},
            url=action.get_absolute_url(),
            subject=action,
        )
        created.append(action)
    audit_record(
        actor=actor,
        action="incident.review",
        obj=incident,
        before={"state": IncidentState.RESOLVED},
        after={"state": incident.state, "summary": summary, "actions": [a.pk for a in created]},
    )
    _entry(incident, EntryKind.EVENT, _("完成复盘，形成 %(n)d 条改进措施") % {"n": len(created)}, actor, created_at=now)
    clock_satisfy(subject=incident, limit="review", at=now)
    return created


@transaction.atomic
def improvement_done(*, actor: Person, action: ImprovementAction, note: str) -> ImprovementAction:
    """The owner closes an improvement action with what was done."""
    authorize(actor, VIEW, action)
    action = ImprovementAction.objects.select_for_update(of=("self",)).select_related("incident").get(pk=action.pk)
    if action.state != ActionState.OPEN:
        raise InvalidState(_("该改进措施已完成"))
    if actor.pk != action.owner_id:
        raise Forbidden(_("只有负责人可以完成改进措施"))
    note = _text(note)
    errors: dict[str, str] = {}
    _check_text(errors, "note", note, _("请填写完成情况"))
    if errors:
        raise ApplicationError(fields=errors)
    now = clock.now()
    action.state = ActionState.DONE
    action.done_at = action.closed_at = now
    action.done_note = note
    action.version += 1
    action.save(update_fields=["state", "done_at", "closed_at", "done_note", "version"])
    audit_record(
        actor=actor,
        action="improvement.done",
        obj=action,
        before={"state": ActionState.OPEN},
        after={"state": action.state, "reason": note},
    )
    clock_satisfy(subject=action, limit="due", at=now)
    notify(
        recipients=[action.incident.lead],
        kind=MessageKind.INFO,
        title=_("【改进措施已完成】%(label)s") % {"label": f"{action.number} {action.title}"},
        body=note[:500],
        url=action.get_absolute_url(),
        subject=action,
    )
    return action
