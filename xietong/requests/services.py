"""Writes to requests. One path per change: check permission and state → validate → write → audit
event → clocks → notifications, all in one transaction."""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

from django.db import transaction
from django.utils.translation import gettext as _

from xietong.clocks.services import clock_arm, clock_cancel, clock_satisfy
from xietong.core import clock
from xietong.core.audit import audit_record, changed_fields, snapshot
from xietong.core.concurrency import save_versioned
from xietong.core.errors import ApplicationError, Conflict, Forbidden
from xietong.core.permissions import VIEW, access_locked, authorize
from xietong.items.services import number_next
from xietong.notify.models import MessageKind
from xietong.notify.services import notify
from xietong.org.models import Department, Person, Project
from xietong.org.tree import DepartmentTree
from xietong.requests.choices import (
    MACHINE,
    REASON_LABELS,
    VAGUE_PHRASES,
    VAGUE_TITLES,
    Priority,
    RequestState,
    policy_priority,
)
from xietong.requests.models import AcceptanceCriterion, Request, Signature

EDITABLE_FIELDS = (
    "title",
    "project",
    "requesting_department",
    "requester",
    "receiving_department",
    "receiver",
    "background",
    "goal",
    "content",
    "expected_date",
    "priority",
)
EDITABLE_STATES = (RequestState.DRAFT, RequestState.CHANGE_REQUESTED, RequestState.REJECTED)


def _bare(title: str | None) -> str:
    """A subject without the spaces and punctuation around it ("请确认。" is "请确认")."""
    return (title or "").strip(" ，。！!?？")


def vagueness_warnings(title: str, texts: dict[str, str]) -> list[str]:
    """The templates demand clear subjects and no "待定 / 详见附件": warn, do not block."""
    warnings = []
    stripped = _bare(title)
    if stripped and (stripped in VAGUE_TITLES or len(stripped) < 4):  # an empty one is "请填写主题"
        warnings.append(
            _("主题“%(title)s”过于模糊：请写明项目、阶段与核心目标，例如“智能手表项目-硬件方案评审”") % {"title": title}
        )
    for label, text in texts.items():
        for phrase in VAGUE_PHRASES:
            if phrase in (text or ""):
                warnings.append(
                    _("%(field)s中含有“%(phrase)s”：关键信息请直接写明，不要只写“%(phrase)s”")
                    % {"field": label, "phrase": phrase}
                )
                break
    return warnings


def _in_subtree(department: Department, person: Person) -> bool:
    if person.department_id is None:
        return False
    return person.department_id in DepartmentTree.load().with_descendants([department.pk])


def request_validate(actor: Person, data: dict[str, Any], criteria: list[str], *, submitting: bool) -> dict[str, str]:
    """Field errors, in Chinese. Drafts may be incomplete; submitting needs everything."""
    errors: dict[str, str] = {}
    title = (data.get("title") or "").strip()
    if not title:
        errors["title"] = _("请填写主题")
    elif submitting and _bare(title) in VAGUE_TITLES:
        # The templates name these as the subjects not to send; a draft may still carry one.
        errors["title"] = _(
            "主题“%(title)s”过于模糊，不能提交：请写明项目、阶段与核心目标，例如“智能手表项目-硬件方案评审”"
        ) % {"title": title}
    project: Project | None = data.get("project")
    if project is None:
        errors["project"] = _("请选择所属项目")
    elif not Project.objects.restrict(actor).filter(pk=project.pk).exists():
        errors["project"] = _("您不是该项目的成员，不能在其中发起需求")
    receiving = data.get("receiving_department")
    receiver = data.get("receiver")
    if receiving is None:
        errors["receiving_department"] = _("请选择接收部门")
    elif receiver is not None and not _in_subtree(receiving, receiver):
        errors["receiver"] = _("%(person)s 不属于接收部门“%(dept)s”") % {"person": receiver, "dept": receiving}
    elif receiver is None and receiving.head_id is None:
        errors["receiver"] = _("接收部门“%(dept)s”未设部门负责人，请指定接收人") % {"dept": receiving}
    requester = data.get("requester")
    requesting = data.get("requesting_department")
    if requesting is None:
        errors["requesting_department"] = _("请选择发起部门")
    if requester is None:
        errors["requester"] = _("请选择发起人")
    elif requesting is not None and not _in_subtree(requesting, requester):
        errors["requester"] = _("%(person)s 不属于发起部门“%(dept)s”") % {"person": requester, "dept": requesting}
    if data.get("priority") not in Priority.values:
        errors["priority"] = _("优先级只能是 高、中、低")
    expected = data.get("expected_date")
    if expected is None:
        errors["expected_date"] = _("请填写期望完成时间（年/月/日）")
    elif submitting and expected < clock.today():
        errors["expected_date"] = _("期望完成时间 %(date)s 已经过去") % {"date": expected.isoformat()}
    if submitting:
        for field, label in (("background", _("需求背景")), ("goal", _("需求目标")), ("content", _("具体内容"))):
            if not (data.get(field) or "").strip():
                errors[field] = _("请填写%(field)s") % {"field": label}
        if not any(map(criterion_text, criteria)):
            errors["criteria"] = _("请至少填写一条可量化的验收标准，如“工单分类准确率达95%以上”")
    if len(criteria) > 30:
        errors["criteria"] = _("验收标准最多 30 条")
    if any(len(c) > 300 for c in criteria):
        errors["criteria"] = _("每条验收标准不超过 300 字")
    return errors


# "1." "2、" "3)" "（4）" "⑤" typed before a criterion: the pages number the criteria themselves. "1.5 秒内" keeps
# its number (a digit after the point).
_NUMBERING = re.compile(r"^\s*(?:\d{1,2}\s*(?:[.．](?!\d)|[、)）])|[（(]\d{1,2}[)）]|[\u2460-\u2473])\s*")


def criterion_text(line: str) -> str:
    """One acceptance criterion as stored: trimmed, without the list number someone typed before it."""
    return _NUMBERING.sub("", line.strip(), count=1).strip()


def _set_criteria(request: Request, criteria: list[str], *, replace: bool = True) -> list[str]:
    """Store the criteria lines (replacing the old ones unless the request is new); returns them."""
    lines = [text for text in map(criterion_text, criteria) if text]
    if replace:
        request.criteria.all().delete()
    AcceptanceCriterion.objects.bulk_create(
        [AcceptanceCriterion(request=request, position=i, text=text) for i, text in enumerate(lines, start=1)]
    )
    return lines


def _criteria_texts(request: Request) -> list[str]:
    return list(request.criteria.order_by("position").values_list("text", flat=True))


@transaction.atomic
def request_create(*, actor: Person, criteria: list[str], submit: bool = False, **data: Any) -> Request:
    data.setdefault("requester", actor)
    data.setdefault("requesting_department", actor.department)
    data.setdefault("priority", Priority.MEDIUM)
    errors = request_validate(actor, data, criteria, submitting=submit)
    if errors:
        raise ApplicationError(_("需求说明书填写不完整或有误"), fields=errors)
    request = Request(
        created_by=actor, number=number_next("XQ"), **{k: v for k, v in data.items() if k in EDITABLE_FIELDS}
    )
    request.save()
    lines = _set_criteria(request, criteria, replace=False)
    audit_record(
        actor=actor,
        action="request.create",
        obj=request,
        after={**snapshot(request, EDITABLE_FIELDS), "criteria": lines},
    )
    if submit:
        # Validated for submitting above, and no one else can see the new row before commit: the
        # submission goes straight to the shared second half of request_transition.
        MACHINE.check(request, "submit", actor)
        _transition_apply(actor=actor, request=request, name="submit", reason="")
    return request


@transaction.atomic
def request_update(
    *, actor: Person, request: Request, expected_version: int, criteria: list[str], **data: Any
) -> Request:
    """Edit the request while it is a draft or was sent back (修改 / 拒绝后完善)."""
    authorize(actor, VIEW, request)
    request = Request.objects.select_for_update().get(pk=request.pk)
    if request.version != expected_version:
        raise Conflict()
    if request.state not in EDITABLE_STATES:
        raise ApplicationError(_("只有草稿、需修改或已拒绝的需求可以修改"))
    if not request.is_requester_side(actor):
        raise Forbidden(_("只有发起方可以修改需求说明书"))
    merged = {**{f: getattr(request, f) for f in EDITABLE_FIELDS}, **data}
    errors = request_validate(actor, merged, criteria, submitting=False)
    if errors:
        raise ApplicationError(_("需求说明书填写有误"), fields=errors)
    before = {**snapshot(request, EDITABLE_FIELDS), "criteria": _criteria_texts(request)}
    for field in EDITABLE_FIELDS:
        setattr(request, field, merged[field])
    save_versioned(request, expected_version=expected_version, fields=EDITABLE_FIELDS)
    _set_criteria(request, criteria)
    old, new = changed_fields(before, {**snapshot(request, EDITABLE_FIELDS), "criteria": _criteria_texts(request)})
    audit_record(actor=actor, action="request.update", obj=request, before=old, after=new)
    return request


def _notify(
    request: Request,
    recipients: list[Person | None],
    title: str,
    body: str = "",
    kind: str = MessageKind.ASSIGNMENT,
    urgency: str = "normal",
) -> None:
    people = [p for p in recipients if p is not None]
    if people:
        notify(
            recipients=people,
            kind=kind,
            title=title,
            body=body,
            url=request.get_absolute_url(),
            subject=request,
            urgency=urgency,
        )


@transaction.atomic
def request_transition(
    *, actor: Person, request: Request, name: str, reason: str = "", expected_version: int | None = None
) -> Request:
    """Move a request along its state machine (提交、接收确认、受理、提出修改建议、拒绝、确认签字 …)."""
    related = ("receiving_department", "requesting_department", "requester", "receiver", "project")
    request = access_locked(actor, Request.objects.select_related(*related), request.pk)
    if expected_version is not None and request.version != expected_version:
        raise Conflict()
    transition = MACHINE.check(request, name, actor)
    reason = (reason or "").strip()
    if transition.needs_reason and not reason:
        raise ApplicationError(fields={"reason": _("请填写%(label)s") % {"label": REASON_LABELS[name]}})
    if len(reason) > 3000:
        raise ApplicationError(fields={"reason": _("说明不能超过 3000 字")})
    if name == "submit":
        data = {f: getattr(request, f) for f in EDITABLE_FIELDS}
        errors = request_validate(actor, data, _criteria_texts(request), submitting=True)
        if errors:
            raise ApplicationError(_("提交前请补全需求说明书"), fields=errors)
    return _transition_apply(actor=actor, request=request, name=name, reason=reason)


def _transition_apply(*, actor: Person, request: Request, name: str, reason: str) -> Request:
    """The change itself, once permission, state, version and input were checked: timestamps, state,
    audit event, clocks and notifications (inside the caller's transaction)."""
    transition = MACHINE.get(name)
    now = clock.now()
    before_state = request.state
    if name == "submit":
        request.submitted_at = now
        request.decision_note = ""
    elif name == "acknowledge":
        request.acknowledged_at = now
    elif name in ("accept", "request_changes", "reject"):
        request.decided_at = now
        request.decision_note = reason
        request.acknowledged_at = request.acknowledged_at or now
    elif name == "sign":
        role = "requester" if request.is_requester_side(actor) and not request.signature_of("requester") else "receiver"
        Signature.objects.create(request=request, role=role, person=actor, signed_at=now)
    elif name in ("close", "withdraw"):
        request.closed_at = now
    request.state = transition.target
    request.version += 1
    request.updated_at = now
    request.save(
        update_fields=[
            "state",
            "version",
            "updated_at",
            "submitted_at",
            "acknowledged_at",
            "decided_at",
            "decision_note",
            "closed_at",
        ]
    )
    after: dict[str, Any] = {"state": request.state}
    if reason:
        after["reason"] = reason
    if name == "sign":
        after["signed_as"] = role
    audit_record(actor=actor, action=f"request.{name}", obj=request, before={"state": before_state}, after=after)
    _clocks_after(request, name, now)
    _notify_after(actor, request, name, reason)
    return request


def _clocks_after(request: Request, name: str, now: dt.datetime) -> None:
    if name == "submit":
        clock_arm(
            subject=request,
            process="request",
            limit="respond",
            priority=policy_priority(request.priority),
            owner=request.receiver_or_head,
            department=request.receiving_department,
            project=request.project,
            start=now,
        )
    elif name in ("acknowledge", "accept", "request_changes", "reject"):
        clock_satisfy(subject=request, limit="respond", at=now)
    elif name in ("withdraw", "close"):
        clock_cancel(subject=request, note=_("需求已关闭") if name == "close" else _("需求已撤回"))


def _notify_after(actor: Person, request: Request, name: str, reason: str) -> None:
    label = f"{request.number} {request.title}"
    receiver = request.receiver_or_head
    if name == "submit":
        high = request.priority == Priority.HIGH
        _notify(
            request,
            [receiver],
            _("【待接收】%(label)s") % {"label": label},
            _(
                "%(who)s 发来需求（优先级：%(priority)s），请在%(limit)s内响应：接收确认、受理、提出修改建议或提供替代方案。"
            )
            % {
                "who": request.requester.display_name,
                "priority": request.get_priority_display(),
                "limit": _("2 个工作小时") if high else _("1 个工作日"),
            },
            urgency="urgent" if high else "normal",
        )
    elif name in ("acknowledge", "accept", "request_changes", "reject"):
        verb = MACHINE.get(name).label
        _notify(
            request,
            [request.requester],
            _("【%(verb)s】%(label)s") % {"verb": verb, "label": label},
            _("%(who)s：%(verb)s。%(reason)s") % {"who": actor.display_name, "verb": verb, "reason": reason},
        )
    elif name == "sign":
        other = receiver if request.is_requester_side(actor) else request.requester
        _notify(
            request,
            [other],
            _("【已签字】%(label)s") % {"label": label},
            _("%(who)s 已确认签字。") % {"who": actor.display_name},
        )
    elif name == "deliver":
        _notify(
            request,
            [request.requester],
            _("【待验收】%(label)s") % {"label": label},
            _("%(who)s 已提交交付，请按验收标准验收。") % {"who": actor.display_name},
        )
    elif name in ("accept_delivery", "return_delivery"):
        verb = MACHINE.get(name).label
        _notify(request, [receiver], _("【%(verb)s】%(label)s") % {"verb": verb, "label": label}, reason)


def request_actions(request: Request, actor: Person) -> list:
    return MACHINE.available(request, actor)


FOLLOW_ACTIONS: dict[str, str] = {
    RequestState.IN_PROGRESS: "request.reopen_work",
    RequestState.DELIVERED: "request.deliver",
    RequestState.COMPLETED: "request.accept_delivery",
}


def request_follow(*, actor: Person, request: Request, to_state: str, cause: str) -> bool:
    """Another process moved the request on (成果已提交、全部验收通过、退回整改). Runs inside the caller's
    transaction, with the same audit trail as a manual transition. Returns whether the state changed."""
    request = Request.objects.select_for_update().get(pk=request.pk)
    if request.state == to_state or request.state in (RequestState.CLOSED, RequestState.CANCELLED):
        return False
    before = request.state
    request.state = to_state
    request.version += 1
    request.updated_at = clock.now()
    request.save(update_fields=["state", "version", "updated_at"])
    audit_record(
        actor=actor,
        action=FOLLOW_ACTIONS.get(to_state, "request.follow"),
        obj=request,
        before={"state": before},
        after={"state": to_state, "reason": cause},
    )
    return True
