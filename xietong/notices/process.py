"""内部事务通知确认单, as the rule reads: the sender publishes a notice to people, departments (with their
sub-departments) or everyone; each recipient confirms (已阅) by the deadline the sender set; those who have
not are reminded before it, and at the deadline each department head receives the list of their people who
did not confirm (timers.py). The sender may remind the pending ones, or withdraw the notice with a reason."""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from xietong.clocks.wording import due_text, limit_clause_line
from xietong.core.errors import ApplicationError, Forbidden
from xietong.items.process import ALL_LIMITS, Arm, Limit, Nav, Process, Reason, State, Step, StepContext, Tell
from xietong.notices.choices import NoticeState
from xietong.notices.models import Notice, NoticeReceipt
from xietong.notices.recipients import common_department, expand_targets, head_of, pending_people, receipt_people
from xietong.notices.richtext import plain_text
from xietong.notices.validation import NOTICE_FIELDS, notice_validate
from xietong.notify.models import MessageKind

S = NoticeState


# --- who may ---------------------------------------------------------------------------------------
def sender(person: Any, notice: Notice) -> bool:
    return person.pk == notice.created_by_id


def sender_with_pending(person: Any, notice: Notice) -> bool:
    return (
        sender(person, notice)
        and notice.requires_confirmation
        and notice.receipts.filter(confirmed_at__isnull=True).exists()
    )


def is_pending_recipient(person: Any, notice: Notice) -> bool:
    """A recipient who has not confirmed yet (已阅)."""
    return notice.receipts.filter(person_id=person.pk, confirmed_at__isnull=True).exists()


def asks_confirmation(ctx: StepContext) -> bool:
    return bool(ctx.item.requires_confirmation and ctx.item.confirm_by is not None)


# --- what cannot be declared -------------------------------------------------------------------------
def ready_to_publish(ctx: StepContext) -> None:
    """Publishing needs a complete notice (a draft may be incomplete) and someone active to reach."""
    notice = ctx.item
    if not ctx.inputs.get("validated"):  # notice_create validated these very values a moment ago
        data = {f: getattr(notice, f) for f in NOTICE_FIELDS}
        departments, people = list(notice.target_departments.all()), list(notice.target_people.all())
        errors = notice_validate(ctx.principal, data, departments, people, publishing=True)
        if errors:
            raise ApplicationError(_("发布前请补全通知"), fields=errors)
    ctx.inputs["recipients"] = expand_targets(notice)
    if not ctx.inputs["recipients"]:
        raise ApplicationError(fields={"targets": _("所选通知对象中没有在职人员")})


def ask_recipients(ctx: StepContext) -> None:
    """A receipt for everyone reached; the heads answering for them follow the confirmations."""
    notice, recipients = ctx.item, ctx.inputs["recipients"]
    NoticeReceipt.objects.bulk_create(
        [NoticeReceipt(notice=notice, person=p, department_id=p.department_id) for p in recipients]
    )
    heads = {h.pk: h for h in (head_of(p) for p in recipients) if h is not None}
    notice.observers.set(list(heads.values()))
    ctx.details.update({"recipients": len(recipients), "observers": sorted(heads)})


def own_reading_only(ctx: StepContext) -> None:
    """Reading is one's own: a stand-in does not confirm for the absent person."""
    if ctx.acting_for is not None:
        raise Forbidden(_("您不在本通知的确认名单中"))


def stamp_receipt(ctx: StepContext) -> None:
    notice, now = ctx.item, ctx.now
    receipt = NoticeReceipt.objects.select_for_update().get(notice=notice, person=ctx.actor)
    receipt.confirmed_at = now
    receipt.save(update_fields=["confirmed_at"])
    late = notice.confirm_by is not None and now > notice.confirm_by
    ctx.details.update({"person": ctx.actor.pk, "confirmed_at": now, **({"late": True} if late else {})})


def meet_when_everyone_confirmed(ctx: StepContext) -> None:
    from xietong.clocks.services import clock_satisfy

    notice = ctx.item
    if notice.requires_confirmation and not notice.receipts.filter(confirmed_at__isnull=True).exists():
        clock_satisfy(subject=notice, limit="confirm", at=ctx.now)


def list_reminded(ctx: StepContext) -> None:
    ctx.details["reminded"] = [p.pk for p in pending_people(ctx.item)]


# --- who hears -------------------------------------------------------------------------------------
def recipients(ctx: StepContext) -> list[Any]:
    return receipt_people(ctx.item)


def pending(ctx: StepContext) -> list[Any]:
    return pending_people(ctx.item)


def announcement(ctx: StepContext) -> dict[str, Any]:
    notice = ctx.item
    return {"t": notice.title, "d": f"{notice.effective_date:%Y-%m-%d}", "text": plain_text(notice.body, limit=300)}


def reminder(ctx: StepContext) -> dict[str, Any]:
    confirm_by = ctx.item.confirm_by
    return {
        "t": ctx.item.title,
        "d": _("（截止 %(when)s）") % {"when": due_text(confirm_by)} if confirm_by else "",
        "b": limit_clause_line(ctx.item, "confirm"),
    }


def robots_of_everyone_reached(ctx: StepContext) -> Any:
    """The robots of the smallest department that holds every recipient carry the announcement."""
    return common_department(receipt_people(ctx.item)) or ctx.item.department


REMINDER = Tell(
    to=pending,
    title=gettext_lazy("【待确认】%(t)s"),
    body=gettext_lazy("您尚未确认这份通知%(d)s，请打开通知并点击“已阅”。%(b)s"),
    kind=MessageKind.REMINDER,
    params=reminder,
)

NOTICE = Process(
    key="notice",
    model=Notice,
    label=gettext_lazy("通知确认"),
    nav=Nav(gettext_lazy("通知"), "notice-list", prefix="/notices/", order=50),
    workbench="xietong.notices.workbench.notices_to_confirm",
    workbench_order=15,
    workbench_key="notices",
    related=("project", "department"),
    owners=("created_by",),
    states=(
        State(S.DRAFT, S.DRAFT.label, "muted"),
        State(S.PUBLISHED, S.PUBLISHED.label, "ok"),
        State(S.WITHDRAWN, S.WITHDRAWN.label, "muted", closed=True),
    ),
    steps=(
        Step(
            "publish",
            gettext_lazy("发布"),
            (S.DRAFT,),
            S.PUBLISHED,
            sender,
            "primary",
            check=ready_to_publish,
            apply=ask_recipients,
            stamps=("published_at",),
            arms=(
                Arm(
                    "confirm",
                    owner=lambda n: n.created_by,
                    department=lambda n: n.department,
                    due_at=lambda ctx: ctx.item.confirm_by,
                    when=asks_confirmation,
                ),
            ),
            tells=(
                Tell(
                    to=recipients,
                    title=gettext_lazy("【请确认】%(t)s"),
                    body=gettext_lazy("生效日期：%(d)s\n%(text)s\n请于 %(due)s 前打开通知并点击“已阅”确认。"),
                    limit="confirm",
                    params=announcement,
                    department=robots_of_everyone_reached,
                    when=asks_confirmation,
                ),
                Tell(
                    to=recipients,
                    title=gettext_lazy("【通知】%(t)s"),
                    body=gettext_lazy("生效日期：%(d)s\n%(text)s"),
                    kind=MessageKind.INFO,
                    params=announcement,
                    department=robots_of_everyone_reached,
                    when=lambda ctx: not asks_confirmation(ctx),
                ),
            ),
        ),
        Step(
            "confirm",
            gettext_lazy("已阅"),
            (S.PUBLISHED,),
            None,
            is_pending_recipient,
            "primary",
            check=own_reading_only,
            apply=stamp_receipt,
            after=meet_when_everyone_confirmed,
            records_state=False,
        ),
        Step(
            "remind",
            gettext_lazy("提醒未确认人员"),
            (S.PUBLISHED,),
            None,
            sender_with_pending,
            apply=list_reminded,
            records_state=False,
            tells=(REMINDER,),
        ),
        Step(
            "withdraw",
            gettext_lazy("撤回"),
            (S.PUBLISHED,),
            S.WITHDRAWN,
            sender,
            "danger",
            reason=Reason(gettext_lazy("撤回原因"), keep_in="withdraw_reason"),
            cancels=(ALL_LIMITS,),
            tells=(
                Tell(
                    to=recipients,
                    title=gettext_lazy("【通知撤回】%(t)s"),
                    body=gettext_lazy("撤回原因：%(r)s"),
                    kind=MessageKind.INFO,
                    params=lambda ctx: {"t": ctx.item.title, "r": ctx.reason},
                ),
            ),
        ),
    ),
    limits=(
        Limit(
            "confirm",
            "0m",
            remind_before="4h",
            ladder="department-head",
            rule="需确认的通知：截止时仍未确认的名单发送其部门负责人",
        ),
    ),
    action_labels={
        "notice.create": gettext_lazy("起草通知"),
        "notice.update": gettext_lazy("修改通知"),
        "notice.confirm": gettext_lazy("确认已阅"),
    },
)
