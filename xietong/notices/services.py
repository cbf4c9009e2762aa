"""Writes to notices: draft, publish to people / departments / everyone, confirm (已阅), remind, withdraw,
and the deadline report to department heads. One transaction per change, with its audit event, clock
and notifications."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from typing import Any

from django.db import transaction
from django.utils.translation import gettext as _

from xietong.clocks.models import Clock, ClockKind, ClockState
from xietong.clocks.services import clock_arm, clock_cancel, clock_satisfy, subject_key
from xietong.core import clock
from xietong.core.audit import audit_record, changed_fields, snapshot
from xietong.core.concurrency import save_versioned
from xietong.core.errors import ApplicationError, Conflict, Forbidden, InvalidState
from xietong.core.i18n import month_day_time
from xietong.core.permissions import VIEW, authorize
from xietong.items.services import number_next
from xietong.notices.choices import MACHINE, REASON_LABELS, NoticeState
from xietong.notices.models import Notice, NoticeReceipt
from xietong.notices.richtext import plain_text, sanitize
from xietong.notify.models import MessageKind
from xietong.notify.services import notify
from xietong.org.models import Department, Person, Project
from xietong.org.roles import manager_chain
from xietong.org.tree import DepartmentTree

NOTICE_FIELDS = ("title", "project", "body", "effective_date", "requires_confirmation", "confirm_by", "target_everyone")
MAX_BODY = 50_000


def _when(instant: dt.datetime) -> str:
    return month_day_time(clock.local(instant))


def notice_validate(
    actor: Person,
    data: dict[str, Any],
    departments: list[Department],
    people: list[Person],
    *,
    publishing: bool,
) -> dict[str, str]:
    """Field errors, in Chinese. Nothing is written unless this is empty."""
    errors: dict[str, str] = {}
    if not (data.get("title") or "").strip():
        errors["title"] = _("请填写通知主题")
    project: Project | None = data.get("project")
    if project is None:
        errors["project"] = _("请选择所属项目")
    elif not Project.objects.restrict(actor).filter(pk=project.pk).exists():
        errors["project"] = _("您不是该项目的成员，不能在其中发布通知")
    body = data.get("body") or ""
    if len(body) > MAX_BODY:
        errors["body"] = _("通知内容不能超过 %(n)d 字") % {"n": MAX_BODY}
    elif not plain_text(sanitize(body)).strip():
        errors["body"] = _("请填写通知内容")
    if data.get("effective_date") is None:
        errors["effective_date"] = _("请填写生效日期")
    if not (data.get("target_everyone") or departments or people):
        errors["targets"] = _("请至少选择一个通知对象：指定人员、涉及部门或全体人员")
    inactive = [p.display_name for p in people if not p.is_active]
    if inactive:
        errors["target_people"] = _("以下人员账号已停用：%(names)s") % {"names": "、".join(inactive)}
    confirm_by = data.get("confirm_by")
    if data.get("requires_confirmation"):
        if confirm_by is None:
            errors["confirm_by"] = _("需确认的通知请填写确认截止时间")
        elif publishing and confirm_by <= clock.now():
            errors["confirm_by"] = _("确认截止时间 %(t)s 已经过去") % {"t": f"{clock.local(confirm_by):%Y-%m-%d %H:%M}"}
        elif confirm_by > clock.now() + dt.timedelta(days=366):
            errors["confirm_by"] = _("确认截止时间不能晚于一年后")
    if actor.department_id is None:
        errors["title"] = _("您尚未分配部门，不能发布通知；请联系管理员")
    return errors


def _targets_snapshot(notice: Notice) -> dict[str, Any]:
    return {
        **snapshot(notice, NOTICE_FIELDS),
        "target_departments": sorted(notice.target_departments.values_list("pk", flat=True)),
        "target_people": sorted(notice.target_people.values_list("pk", flat=True)),
    }


def _clean(data: dict[str, Any]) -> dict[str, Any]:
    data = dict(data)
    data["title"] = (data.get("title") or "").strip()
    data["body"] = sanitize(data.get("body") or "")
    data["requires_confirmation"] = bool(data.get("requires_confirmation"))
    data["target_everyone"] = bool(data.get("target_everyone"))
    if not data["requires_confirmation"]:
        data["confirm_by"] = None
    return data


@transaction.atomic
def notice_create(
    *,
    actor: Person,
    departments: list[Department] | None = None,
    people: list[Person] | None = None,
    publish: bool = False,
    **data: Any,
) -> Notice:
    """Write a notice (a draft, or published at once). The body is sanitised before it is stored."""
    departments, people = departments or [], people or []
    data = _clean(data)
    errors = notice_validate(actor, data, departments, people, publishing=publish)
    if errors:
        raise ApplicationError(_("通知填写不完整或有误"), fields=errors)
    notice = Notice(
        number=number_next("TZ"),
        created_by=actor,
        department=actor.department,
        **{k: v for k, v in data.items() if k in NOTICE_FIELDS},
    )
    notice.save()
    notice.target_departments.set(departments)
    notice.target_people.set(people)
    audit_record(actor=actor, action="notice.create", obj=notice, after=_targets_snapshot(notice))
    if publish:
        return notice_transition(actor=actor, notice=notice, name="publish", expected_version=notice.version)
    return notice


@transaction.atomic
def notice_update(
    *,
    actor: Person,
    notice: Notice,
    expected_version: int,
    departments: list[Department],
    people: list[Person],
    **data: Any,
) -> Notice:
    """Edit a draft. A published notice is not edited: withdraw it and send a corrected one."""
    authorize(actor, VIEW, notice)
    notice = Notice.objects.select_for_update().get(pk=notice.pk)
    if notice.version != expected_version:
        raise Conflict()
    if notice.created_by_id != actor.pk:
        raise Forbidden(_("只有发布人可以修改通知"))
    if notice.state != NoticeState.DRAFT:
        raise InvalidState(_("通知已发布，不能修改；如需更正请撤回后重新发布"))
    merged = _clean({**{f: getattr(notice, f) for f in NOTICE_FIELDS}, **data})
    errors = notice_validate(actor, merged, departments, people, publishing=False)
    if errors:
        raise ApplicationError(_("通知填写有误"), fields=errors)
    before = _targets_snapshot(notice)
    for name in NOTICE_FIELDS:
        setattr(notice, name, merged[name])
    save_versioned(notice, expected_version=expected_version, fields=NOTICE_FIELDS)
    notice.target_departments.set(departments)
    notice.target_people.set(people)
    old, new = changed_fields(before, _targets_snapshot(notice))
    if new:
        audit_record(actor=actor, action="notice.update", obj=notice, before=old, after=new)
    return notice


# --- Publishing -----------------------------------------------------------------------------------
def expand_targets(notice: Notice) -> list[Person]:
    """Everyone the notice reaches: all active people, the members of the departments named (with their
    sub-departments) and the people named; never the sender."""
    people = Person.objects.filter(is_active=True).select_related("department")
    if not notice.target_everyone:
        department_ids = DepartmentTree.load().with_descendants(notice.target_departments.values_list("pk", flat=True))
        named = set(notice.target_people.values_list("pk", flat=True))
        people = people.filter(department_id__in=department_ids) | people.filter(pk__in=named)
    return [p for p in people.exclude(pk=notice.created_by_id).order_by("department__sort_order", "pk").distinct()]


def head_of(person: Person) -> Person | None:
    """Who answers for this person: their department head (the head above, if they head it themselves)."""
    for rung in manager_chain(person):
        if rung.person is not None:
            return rung.person
    return None


def _common_department(people: list[Person]) -> Department | None:
    """The smallest department containing everyone: its robots (and those above it) carry the notice."""
    tree = DepartmentTree.load()
    chains = [[n.id for n in tree.ancestors(p.department_id)] for p in people if p.department_id]
    if not chains:
        return None
    shared = set(chains[0]).intersection(*map(set, chains[1:]))
    nearest = next((d for d in chains[0] if d in shared), None)
    return Department.objects.filter(pk=nearest).first() if nearest else None


@transaction.atomic
def notice_transition(
    *, actor: Person, notice: Notice, name: str, reason: str = "", expected_version: int | None = None
) -> Notice:
    """发布 / 提醒未确认人员 / 撤回."""
    authorize(actor, VIEW, notice)
    notice = Notice.objects.select_for_update(of=("self",)).select_related("project", "department").get(pk=notice.pk)
    if expected_version is not None and notice.version != expected_version:
        raise Conflict()
    transition = MACHINE.check(notice, name, actor)
    reason = (reason or "").strip()
    if transition.needs_reason and not reason:
        raise ApplicationError(fields={"reason": _("请填写%(label)s") % {"label": REASON_LABELS[name]}})
    if len(reason) > 2000:
        raise ApplicationError(fields={"reason": _("说明不能超过 2000 字")})
    if name == "remind":
        remind_pending(notice, actor=actor)
        return notice
    now = clock.now()
    before = notice.state
    after: dict[str, Any] = {}
    recipients: list[Person] = []
    if name == "publish":
        data = {f: getattr(notice, f) for f in NOTICE_FIELDS}
        errors = notice_validate(
            actor, data, list(notice.target_departments.all()), list(notice.target_people.all()), publishing=True
        )
        if errors:
            raise ApplicationError(_("发布前请补全通知"), fields=errors)
        recipients = expand_targets(notice)
        if not recipients:
            raise ApplicationError(fields={"targets": _("所选通知对象中没有在职人员")})
        NoticeReceipt.objects.bulk_create(
            [NoticeReceipt(notice=notice, person=p, department_id=p.department_id) for p in recipients]
        )
        heads = {h.pk: h for h in (head_of(p) for p in recipients) if h is not None}
        notice.observers.set(list(heads.values()))
        notice.published_at = now
        after = {"recipients": len(recipients), "observers": sorted(heads)}
    elif name == "withdraw":
        notice.withdraw_reason = reason
        notice.closed_at = now
        after = {"reason": reason}
    notice.state = transition.target
    notice.version += 1
    notice.updated_at = now
    notice.save()
    audit_record(
        actor=actor,
        action=f"notice.{name}",
        obj=notice,
        before={"state": before},
        after={"state": notice.state, **after},
    )
    if name == "publish":
        if notice.requires_confirmation and notice.confirm_by is not None:
            clock_arm(
                subject=notice,
                process="notice",
                limit="confirm",
                owner=actor,
                department=notice.department,
                project=notice.project,
                due_at=notice.confirm_by,
            )
        _announce(notice, recipients)
    elif name == "withdraw":
        clock_cancel(subject=notice, note=_("通知已撤回"))
        people = [r.person for r in notice.receipts.select_related("person")]
        _tell(notice, people, _("【通知撤回】%(t)s") % {"t": notice.title}, _("撤回原因：%(r)s") % {"r": reason})
    return notice


def _tell(notice: Notice, people: list[Person], title: str, body: str, *, kind: str = MessageKind.INFO, **kw) -> None:
    if people:
        notify(
            recipients=people,
            kind=kind,
            title=title,
            body=body,
            url=notice.get_absolute_url(),
            subject=notice,
            **kw,
        )


def _announce(notice: Notice, recipients: list[Person]) -> None:
    """Inbox and email to every recipient; the robots of the smallest department that holds them all."""
    if notice.requires_confirmation and notice.confirm_by is not None:
        title = _("【请确认】%(t)s") % {"t": notice.title}
        ask = _("请于 %(when)s 前打开通知并点击“已阅”确认。") % {"when": _when(notice.confirm_by)}
    else:
        title = _("【通知】%(t)s") % {"t": notice.title}
        ask = ""
    body = "\n".join(
        line
        for line in (
            _("生效日期：%(d)s") % {"d": f"{notice.effective_date:%Y-%m-%d}"},
            plain_text(notice.body, limit=300),
            ask,
        )
        if line
    )
    _tell(
        notice,
        recipients,
        title,
        body,
        kind=MessageKind.ASSIGNMENT if notice.requires_confirmation else MessageKind.INFO,
        department=_common_department(recipients) or notice.department,
    )


# --- Confirming -----------------------------------------------------------------------------------
@transaction.atomic
def notice_confirm(*, actor: Person, notice: Notice) -> NoticeReceipt:
    """The recipient confirms (已阅). Confirming twice changes nothing; after the deadline it still counts,
    recorded as late."""
    authorize(actor, VIEW, notice)
    notice = Notice.objects.select_for_update().get(pk=notice.pk)
    receipt = NoticeReceipt.objects.select_for_update().filter(notice=notice, person=actor).first()
    if receipt is None:
        raise Forbidden(_("您不在本通知的确认名单中"))
    if notice.state != NoticeState.PUBLISHED:
        raise InvalidState(_("通知已撤回，无需确认"))
    if receipt.confirmed_at is not None:
        return receipt
    now = clock.now()
    receipt.confirmed_at = now
    receipt.save(update_fields=["confirmed_at"])
    late = notice.confirm_by is not None and now > notice.confirm_by
    audit_record(
        actor=actor,
        action="notice.confirm",
        obj=notice,
        after={"person": actor.pk, "confirmed_at": now, **({"late": True} if late else {})},
    )
    if notice.requires_confirmation and not notice.receipts.filter(confirmed_at__isnull=True).exists():
        clock_satisfy(subject=notice, limit="confirm", at=now)
    return receipt


def pending_people(notice: Notice) -> list[Person]:
    return [
        r.person
        for r in notice.receipts.filter(confirmed_at__isnull=True).select_related("person__department").order_by("pk")
    ]


def remind_pending(notice: Notice, *, actor: Person | None = None, automatic: bool = False) -> dict[str, Any]:
    """Remind everyone who has not confirmed yet (by the clock before the deadline, or by the sender)."""
    if notice.state != NoticeState.PUBLISHED:
        return {"skipped": notice.state}
    pending = pending_people(notice)
    deadline = _("（截止 %(when)s）") % {"when": _when(notice.confirm_by)} if notice.confirm_by else ""
    _tell(
        notice,
        pending,
        _("【待确认】%(t)s") % {"t": notice.title},
        _("您尚未确认这份通知%(d)s，请打开通知并点击“已阅”。") % {"d": deadline},
        kind=MessageKind.REMINDER,
    )
    if not automatic:
        audit_record(actor=actor, action="notice.remind", obj=notice, after={"reminded": [p.pk for p in pending]})
    return {"reminded": [p.pk for p in pending]}


def report_unconfirmed(notice: Notice, clock_row: Clock) -> dict[str, Any]:
    """At the deadline each department head receives the list of their people who did not confirm; the
    sender receives the totals. The policy's ladder names department heads, and a notice has many of
    them, so the lists go out here and the single-target escalation of the ladder is withdrawn."""
    if notice.state != NoticeState.PUBLISHED:
        return {"skipped": notice.state}
    pending = pending_people(notice)
    by_head: dict[int, list[Person]] = defaultdict(list)
    heads: dict[int, Person] = {}
    nobody: list[Person] = []
    for person in pending:
        head = head_of(person)
        if head is None:
            nobody.append(person)
            continue
        heads[head.pk] = head
        by_head[head.pk].append(person)
    report = []
    for head_id, people in by_head.items():
        head = heads[head_id]
        names = "、".join(f"{p.display_name}（{p.department.name if p.department else '—'}）" for p in people)
        _tell(
            notice,
            [head],
            _("【未确认名单】%(t)s") % {"t": notice.title},
            _("截至 %(when)s，您部门以下 %(n)d 人仍未确认：%(names)s。请督促确认。")
            % {"when": _when(clock_row.due_at), "n": len(people), "names": names},
            kind=MessageKind.ESCALATION,
            urgency="urgent",
        )
        report.append({"head": head.pk, "head_name": head.display_name, "people": [p.pk for p in people]})
    total = notice.receipts.count()
    _tell(
        notice,
        [notice.created_by],
        _("【确认截止】%(t)s：%(n)d 人未确认") % {"t": notice.title, "n": len(pending)},
        _("共 %(total)d 人，已确认 %(done)d 人。%(sent)s")
        % {
            "total": total,
            "done": total - len(pending),
            "sent": _("未确认名单已发送各部门负责人。") if report else "",
        },
    )
    notice.deadline_report = report
    notice.save(update_fields=["deadline_report"])
    subject_type, subject_id = subject_key(notice)
    Clock.objects.filter(
        subject_type=subject_type,
        subject_id=subject_id,
        limit="confirm",
        kind=ClockKind.ESCALATE,
        state=ClockState.ARMED,
    ).update(state=ClockState.CANCELLED, note=_("未确认名单已按部门发送负责人"))
    return {"pending": [p.pk for p in pending], "heads": sorted(heads), "no_head": [p.pk for p in nobody]}
