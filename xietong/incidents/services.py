"""Writes to incidents (紧急事项). Reporting one and editing the 用户告知函 are services; every step (小组分工、
到位、状态更新、决策、风险已控制、问题已解决、复盘、改进措施完成) is declared in `incidents.process` and run by
`items.runner.run_step` — the functions below only name the step and hand it the form's values. Emergency
clocks count wall-clock time: nights, weekends and holidays run like any other minute."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import Any

from django.db import transaction
from django.utils.translation import gettext as _

from xietong.core import clock
from xietong.core.audit import audit_record, changed_fields, snapshot
from xietong.core.concurrency import save_versioned
from xietong.core.errors import ApplicationError, Forbidden, InvalidState
from xietong.core.permissions import access_locked
from xietong.incidents.choices import EntryKind, IncidentState
from xietong.incidents.models import ImprovementAction, Incident, IncidentEntry, IncidentMember
from xietong.incidents.process import INCIDENT, on_team
from xietong.incidents.validation import TEXT_LIMIT, ActionDraft, check_text
from xietong.incidents.validation import text as clean
from xietong.items.numbering import number_next
from xietong.items.runner import run_step
from xietong.org.models import Department, Person, Project
from xietong.org.roles import manager_chain

__all__ = ["ActionDraft"]  # the 复盘's improvement action as the forms and the API hand it in


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
    """上报紧急事项 (紧急事务初始信息表). Its `report` step starts the wall-clock limits: the team, the status
    cadence, and the general manager's if it is not under control in time."""
    now = clock.now()
    description, title, scope, measures_taken = clean(description), clean(title), clean(scope), clean(measures_taken)
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
        # 分管领导牵头成立临时应急小组 (004 三（三）步骤2): the division leader leads unless someone else is named;
        # without one, the department's head.
        lead = manager_chain(None, department=responsible)[1].person or responsible.head
        if lead is None or not lead.is_active:
            errors["lead"] = _("“%(dept)s”未设分管领导或部门负责人，请指定应急负责人") % {"dept": responsible}
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
    return run_step(actor=actor, item=incident, step="report", as_system=True, fresh=True)


# --- the steps, as the pages and the API hand them in -------------------------------------------------
def _step(actor: Person, incident: Incident, step: str, reason: str = "", **inputs: Any) -> Incident:
    return run_step(actor=actor, item=incident, step=step, reason=reason, inputs=inputs)


@transaction.atomic
def incident_assign_team(
    *, actor: Person, incident: Incident, members: Sequence[tuple[Person, str]]
) -> list[IncidentMember]:
    """明确应急小组分工 (the `assign_team` step); returns the members added."""
    incident = _step(actor, incident, "assign_team", members=list(members))
    # Those added by this very step: assigned at its instant (the runner stamps updated_at with it).
    return list(incident.memberships.filter(assigned_at=incident.updated_at, assigned_by=actor).order_by("pk"))


@transaction.atomic
def incident_acknowledge(*, actor: Person, incident: Incident, ready_note: str) -> IncidentMember:
    """A member is in place (到位) and says how ready they are (the `acknowledge` step)."""
    incident = _step(actor, incident, "acknowledge", ready_note=ready_note)
    return incident.memberships.filter(acknowledged_at__isnull=False).order_by("-acknowledged_at", "-pk").first()  # type: ignore[return-value]


@transaction.atomic
def incident_post_update(
    *, actor: Person, incident: Incident, body: str, kind: str = EntryKind.STATUS
) -> IncidentEntry:
    """状态更新 (every cadence, re-arming its clock) or a decision, on the live timeline."""
    if kind not in (EntryKind.STATUS, EntryKind.DECISION):
        raise ApplicationError(fields={"kind": _("只能记录状态更新或决策")})
    incident = _step(actor, incident, kind, body=body)
    return incident.entries.filter(kind=kind).order_by("-pk").first()  # type: ignore[return-value]


def incident_written_report(*, actor: Person, incident: Incident, report: str) -> Incident:
    """《紧急事项报告》(含详细说明), due 1 hour after the report (the `written_report` step)."""
    return _step(actor, incident, "written_report", report=report)


def incident_plan(*, actor: Person, incident: Incident, plan: str) -> Incident:
    """应急方案 (各小组职责、资源调配需求), due 2 hours after the report (the `plan` step)."""
    return _step(actor, incident, "plan", plan=plan)


def incident_leader_report(*, actor: Person, incident: Incident, body: str) -> Incident:
    """每4小时向分管领导汇报进展 (the `leader_report` step): the next report is due 4 hours later."""
    return _step(actor, incident, "leader_report", body=body)


def incident_control(*, actor: Person, incident: Incident, note: str = "") -> Incident:
    """风险已控制: meets the limit that would alert the general manager (the `control` step)."""
    return _step(actor, incident, "control", reason=note)


def incident_resolve(*, actor: Person, incident: Incident, cause: str, measures: str) -> Incident:
    """宣布“问题已解决” with the 紧急事务处理报告 (the `resolve` step): drafts the 用户告知函 and starts the
    复盘's limit."""
    return _step(actor, incident, "resolve", cause=cause, measures=measures)


@transaction.atomic
def incident_review(
    *, actor: Person, incident: Incident, summary: str, actions: Sequence[ActionDraft]
) -> list[ImprovementAction]:
    """复盘 (the `review` step): lessons learned and improvement actions, each tracked with an owner, a due
    date and its own clock."""
    incident = _step(actor, incident, "review", summary=summary, actions=list(actions))
    return list(incident.improvement_actions.order_by("pk"))


def improvement_done(*, actor: Person, action: ImprovementAction, note: str) -> ImprovementAction:
    """The owner closes an improvement action with what was done (its `done` step)."""
    return run_step(actor=actor, item=action, step="done", reason=note)


# --- 用户告知函: not a step (the state stays), a versioned edit with its own audit event --------------------
@transaction.atomic
def incident_notice_save(
    *, actor: Person, incident: Incident, text: str, publish: bool = False, recipients: Sequence[str] = ()
) -> Incident:
    """Edit the drafted 用户告知函; publishing it (the `publish_notice` step) sends it — an email to each of
    `recipients` and of XIETONG_CUSTOMER_NOTICE_TO, a message on the configured channels — and records where."""
    incident = access_locked(actor, Incident.objects.select_related(*INCIDENT.related), incident.pk)
    if incident.state not in (IncidentState.RESOLVED, IncidentState.CLOSED):
        raise InvalidState(_("问题解决后才能编辑用户告知函"))
    if not on_team(actor, incident):
        raise Forbidden(_("只有应急小组成员可以编辑用户告知函"))
    if incident.notice_published_at is not None:
        raise InvalidState(
            _("用户告知函已于 %(at)s 发布，不能再修改")
            % {"at": f"{clock.local(incident.notice_published_at):%Y-%m-%d %H:%M}"}
        )
    notice = clean(text).replace("\r\n", "\n")  # browsers send CRLF
    errors: dict[str, str] = {}
    check_text(errors, "text", notice, _("用户告知函不能为空"))
    if errors:
        raise ApplicationError(fields=errors)
    if notice != incident.customer_notice:
        before = snapshot(incident, ("customer_notice",))
        incident.customer_notice = notice
        save_versioned(incident, expected_version=incident.version, fields=["customer_notice"])
        old, new = changed_fields(before, snapshot(incident, ("customer_notice",)))
        audit_record(actor=actor, action="incident.notice", obj=incident, before=old, after=new)
    if publish:
        incident = run_step(actor=actor, item=incident, step="publish_notice", inputs={"addresses": list(recipients)})
    return incident
