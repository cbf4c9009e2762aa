"""结果确认表, as 《企业协作沟通标准化平台使用指南》三 步骤4 states it: 「沟通目标达成后，发起人通过“结果确认表”汇总最终
方案/成果，请所有关键接收人线上签字确认」 and 「未确认结果的事项不得关闭」. Two steps the acceptance app adds to the
request's declared process (run by items.runner like every other step, audited on the request): the initiator
issues the form once every deliverable has passed; each key receiver signs their line. The request's 关闭 is
refused until every line is signed. The document states no time limit for signing, so no clock is armed.
When the initiator sends a completed request back (退回重做) the results change: the form and its signatures
are voided (audited, everyone on it told) and it must be issued and signed again before the request closes.

Key receivers (关键接收人): the request's receiver for the receiving department (its head when none is named),
and each participating department that took part — its contact (对接人), else its 协作负责人, else its head."""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from xietong.acceptance.models import ResultConfirmation, ResultSignature
from xietong.core import clock
from xietong.core.errors import InvalidState
from xietong.core.i18n import enumerate_list
from xietong.items.process import Reason, Step, StepContext, Tell
from xietong.requests.choices import RequestState
from xietong.requests.models import Participation, Request

TAKING_PART = (Participation.State.AWAITING, Participation.State.CONFIRMED)


def key_receivers(request: Request) -> list[tuple[str, Any, Any]]:
    """(role, department, person) for every key receiver, in the form's order, each person once."""
    lines: list[tuple[str, Any, Any]] = []
    receiver = request.receiver or request.receiving_department.head
    if receiver is not None:
        lines.append((ResultSignature.Role.RECEIVER, request.receiving_department, receiver))
    participations = (
        request.participations.filter(state__in=TAKING_PART)
        .select_related("department__head", "contact", "coordinator")
        .order_by("position")
    )
    for p in participations:
        person = p.contact or p.coordinator or p.department.head
        if person is not None:
            lines.append((ResultSignature.Role.PARTICIPANT, p.department, person))
    unique: dict[int, tuple[str, Any, Any]] = {}
    for line in lines:
        unique.setdefault(line[2].pk, line)
    return list(unique.values())


def confirmation_of(request: Request) -> ResultConfirmation | None:
    return ResultConfirmation.objects.filter(request=request).first()


def pending(request: Request) -> list[ResultSignature]:
    found = confirmation_of(request)
    if found is None or found.voided_at is not None:
        return []
    return list(found.signatures.filter(signed_at__isnull=True).select_related("person", "department"))


# --- who may ---------------------------------------------------------------------------------------
def may_issue(person: Any, request: Request) -> bool:
    """The initiator's side, once — or again after the form was voided."""
    issued = ResultConfirmation.objects.filter(request=request, voided_at__isnull=True)
    return request.is_requester_side(person) and not issued.exists()


def may_sign(person: Any, request: Request) -> bool:
    return ResultSignature.objects.filter(
        confirmation__request=request, confirmation__voided_at__isnull=True, person=person, signed_at__isnull=True
    ).exists()


def may_send_back(person: Any, request: Request) -> bool:
    return request.is_requester_side(person)


# --- effects ---------------------------------------------------------------------------------------
def issue(ctx: StepContext) -> None:
    """The form is filled: the summary, and one line per key receiver to sign. Issued again after it was
    voided, the same form starts over: the voided lines (kept in the audit of the voiding) give way to new ones."""
    request = ctx.item
    confirmation = confirmation_of(request)
    if confirmation is None:
        confirmation = ResultConfirmation.objects.create(
            request=request, summary=ctx.reason, issued_by=ctx.principal, issued_at=ctx.now
        )
    else:
        confirmation.signatures.all().delete()
        confirmation.summary, confirmation.issued_by, confirmation.issued_at = ctx.reason, ctx.principal, ctx.now
        confirmation.confirmed_at = confirmation.voided_at = None
        confirmation.save(update_fields=["summary", "issued_by", "issued_at", "confirmed_at", "voided_at"])
        ctx.details["reissued"] = True
    lines = key_receivers(request)
    ResultSignature.objects.bulk_create(
        [
            ResultSignature(confirmation=confirmation, position=i, role=role, department=department, person=person)
            for i, (role, department, person) in enumerate(lines, start=1)
        ]
    )
    ctx.details.update({"result_confirmation": confirmation.pk, "signers": [p.display_name for _r, _d, p in lines]})


def sign(ctx: StepContext) -> None:
    line = ResultSignature.objects.select_for_update().get(
        confirmation__request=ctx.item,
        confirmation__voided_at__isnull=True,
        person=ctx.principal,
        signed_at__isnull=True,
    )
    line.signed_at, line.signed_by = ctx.now, ctx.actor
    line.save(update_fields=["signed_at", "signed_by"])
    left = pending(ctx.item)
    ctx.details.update({"signed_for": line.department.name, "awaiting": [s.person.display_name for s in left]})
    if not left:
        ResultConfirmation.objects.filter(pk=line.confirmation_id).update(confirmed_at=ctx.now)
        ctx.details["all_signed"] = True


def void(ctx: StepContext) -> None:
    """退回重做: the results will change, so the form issued on them and every signature given no longer
    confirm anything. The form is marked voided (the audit keeps who had signed, and when)."""
    found = confirmation_of(ctx.item)
    if found is None or found.voided_at is not None:
        return
    lines = list(found.signatures.select_related("person", "department"))
    found.voided_at = ctx.now
    found.save(update_fields=["voided_at"])
    ctx.details.update(
        {
            "result_confirmation_voided": found.pk,
            "voided_signatures": [
                [s.person.display_name, s.department.name, clock.local(s.signed_at).isoformat()]
                for s in lines
                if s.signed_at
            ],
            "voided_awaiting": [s.person.display_name for s in lines if not s.signed_at],
        }
    )
    ctx.inputs["voided_lines"] = lines


def all_signed_before_closing(ctx: StepContext) -> None:
    """未确认结果的事项不得关闭: the request's 关闭 waits for every key receiver's signature."""
    request = ctx.item
    found = confirmation_of(request)
    if found is None:
        raise InvalidState(
            _("请先发起《结果确认表》，由全部关键接收人线上签字确认后再关闭需求（未确认结果的事项不得关闭）")
        )
    if found.voided_at is not None:
        raise InvalidState(
            _(
                "需求退回重做后，原《结果确认表》及其签字已作废：请重新发起，由全部关键接收人重新签字确认后再关闭需求"
                "（未确认结果的事项不得关闭）"
            )
        )
    if awaited := pending(request):
        raise InvalidState(
            _("《结果确认表》尚待 %(who)s 签字确认，不能关闭需求（未确认结果的事项不得关闭）")
            % {"who": enumerate_list(f"{s.person.display_name}（{s.department.name}）" for s in awaited)}
        )


# --- who hears -------------------------------------------------------------------------------------
def signers(ctx: StepContext) -> list[Any]:
    return [s.person for s in pending(ctx.item) if s.person.is_active]


def initiator(ctx: StepContext) -> list[Any]:
    return [p for p in (ctx.item.requester,) if p is not None and p.pk != ctx.actor.pk]


def everyone_on_the_voided_form(ctx: StepContext) -> list[Any]:
    lines = ctx.inputs.get("voided_lines", [])
    return [s.person for s in lines if s.person.is_active and s.person.pk != ctx.actor.pk]


def receiving_side(ctx: StepContext) -> list[Any]:
    return [p for p in (ctx.item.receiver_or_head,) if p is not None and p.pk != ctx.actor.pk]


def everyone_when_done(ctx: StepContext) -> list[Any]:
    found = confirmation_of(ctx.item)
    people = [s.person for s in found.signatures.select_related("person")] if found else []
    return [p for p in people if p.pk != ctx.actor.pk]


ISSUE = Step(
    "confirm_results",
    gettext_lazy("发起结果确认表"),
    (RequestState.COMPLETED,),
    None,
    may_issue,
    "primary",
    offered=False,  # the form in the 结果确认表 panel, the summary at its field
    reason=Reason(gettext_lazy("最终方案/成果汇总"), missing=gettext_lazy("请汇总最终方案/成果，供关键接收人签字确认")),
    apply=issue,
    tells=(
        Tell(
            to=signers,
            title=gettext_lazy("【待签字】结果确认表 %(label)s"),
            body=gettext_lazy("%(actor)s 汇总了最终方案/成果，请在平台上签字确认：%(reason)s"),
            anchor="#result-confirmation",
        ),
    ),
)

SIGN = Step(
    "sign_results",
    gettext_lazy("签字确认结果"),
    (RequestState.COMPLETED,),
    None,
    may_sign,
    "primary",
    offered=False,  # the button on the signer's line of the 结果确认表 panel
    apply=sign,
    refusal=lambda request: _("您不是待签字的关键接收人"),
    tells=(
        Tell(
            to=initiator,
            title=gettext_lazy("【已签字】结果确认表 %(label)s"),
            body=gettext_lazy("%(actor)s 已签字确认结果。"),
            kind="info",
            anchor="#result-confirmation",
            when=lambda ctx: not ctx.details.get("all_signed"),
        ),
        Tell(
            to=lambda ctx: [*initiator(ctx), *everyone_when_done(ctx)],
            title=gettext_lazy("【结果已确认】%(label)s"),
            body=gettext_lazy("全部关键接收人已签字确认《结果确认表》，需求可以关闭。"),
            kind="info",
            anchor="#result-confirmation",
            when=lambda ctx: bool(ctx.details.get("all_signed")),
        ),
    ),
)


SEND_BACK = Step(
    "send_back",
    gettext_lazy("退回重做"),
    (RequestState.COMPLETED,),
    RequestState.IN_PROGRESS,
    may_send_back,
    "danger",
    reason=Reason(
        gettext_lazy("退回原因"),
        missing=gettext_lazy("请写明退回原因：哪些成果需要修改或补充，如“补充竞品续航对比数据”"),
    ),
    refusal=lambda request: _("只有发起方可以退回重做"),
    apply=void,
    tells=(
        Tell(
            to=receiving_side,
            title=gettext_lazy("【退回重做】%(label)s"),
            body=gettext_lazy("%(actor)s 将已验收通过的需求退回重做：%(reason)s。请修改或补充成果后重新提交验收。"),
        ),
        Tell(
            to=everyone_on_the_voided_form,
            title=gettext_lazy("【结果确认表已作废】%(label)s"),
            body=gettext_lazy(
                "%(actor)s 将需求退回重做（%(reason)s），此前的《结果确认表》及其签字已作废；"
                "成果重新验收通过后，发起人将重新发起结果确认表，届时请重新签字确认。"
            ),
            kind="info",
            anchor="#result-confirmation",
        ),
    ),
)
