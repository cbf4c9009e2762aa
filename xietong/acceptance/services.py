"""Submitting deliverables, verdicts per criterion, rework loops; the request follows its deliverables."""

from __future__ import annotations

from typing import Any

from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.utils.translation import gettext as _

from xietong.acceptance.models import CriterionResult, Deliverable, DeliverableForm, Submission, Verdict
from xietong.clocks.services import clock_arm, clock_satisfy
from xietong.core import clock
from xietong.core.audit import audit_record
from xietong.core.errors import ApplicationError, Forbidden, InvalidState
from xietong.core.i18n import enumerate_list
from xietong.core.permissions import VIEW, authorize
from xietong.items.services import attachment_add, number_next
from xietong.notify.models import MessageKind
from xietong.notify.services import notify
from xietong.org.models import Person
from xietong.requests.choices import RequestState
from xietong.requests.models import Request
from xietong.requests.services import request_follow

SUBMITTABLE = (RequestState.ACCEPTED, RequestState.IN_PROGRESS, RequestState.DELIVERED)


def _arm_review(deliverable: Deliverable) -> None:
    clock_arm(
        subject=deliverable,
        process="deliverable",
        limit="review",
        owner=deliverable.acceptor,
        department=deliverable.acceptor.department,
        project=deliverable.project,
    )


def _submission(actor: Person, deliverable: Deliverable, note: str, upload: UploadedFile | None) -> Submission:
    attachment = (
        attachment_add(actor=actor, subject=deliverable, upload=upload, topic=deliverable.title) if upload else None
    )
    return Submission.objects.create(
        deliverable=deliverable,
        version=deliverable.version,
        note=(note or "").strip(),
        attachment=attachment,
        submitted_by=actor,
    )


def _ask_acceptor(deliverable: Deliverable) -> None:
    notify(
        recipients=[deliverable.acceptor],
        kind=MessageKind.ASSIGNMENT,
        title=_("【待验收】%(name)s %(v)s") % {"name": deliverable.title, "v": deliverable.version_label},
        body=_("%(who)s 提交了交付成果，请在 2 个工作日内按验收标准完成验收。")
        % {"who": deliverable.submitter.display_name},
        url=deliverable.get_absolute_url(),
        subject=deliverable,
    )


@transaction.atomic
def deliverable_submit(
    *,
    actor: Person,
    request: Request,
    name: str,
    form: str = DeliverableForm.ELECTRONIC,
    acceptor: Person | None = None,
    note: str = "",
    upload: UploadedFile | None = None,
) -> Deliverable:
    """成果交付清单: the receiving side hands over a deliverable (name, version, form, acceptor)."""
    authorize(actor, VIEW, request)
    request = (
        Request.objects.select_for_update(of=("self",))
        .select_related("receiving_department", "requester")
        .get(pk=request.pk)
    )
    if not request.is_receiver_side(actor):
        raise Forbidden(_("成果由接收方（负责执行的一方）提交"))
    if request.state not in SUBMITTABLE:
        raise InvalidState(_("需求受理并开始执行后才能提交成果"))
    errors: dict[str, str] = {}
    name = (name or "").strip()
    if not name:
        errors["name"] = _("请填写交付物名称，如“续航测试报告”")
    if form not in DeliverableForm.values:
        errors["form"] = _("交付形式只能是 电子档 或 纸质档")
    acceptor = acceptor or request.requester
    if acceptor is not None and not Request.objects.restrict(acceptor).filter(pk=request.pk).exists():
        errors["acceptor"] = _("%(p)s 看不到这份需求，不能担任验收人") % {"p": acceptor}
    if not request.criteria.exists():
        errors["name"] = _("这份需求没有验收标准，请发起方先补充验收标准")
    if errors:
        raise ApplicationError(_("成果交付清单有误"), fields=errors)
    deliverable = Deliverable.objects.create(
        number=number_next("JF"),
        title=name[:120],
        project=request.project,
        created_by=actor,
        request=request,
        department=request.receiving_department,
        submitter=actor,
        acceptor=acceptor,
        form=form,
    )
    submission = _submission(actor, deliverable, note, upload)
    audit_record(
        actor=actor,
        action="deliverable.submit",
        obj=deliverable,
        after={
            "version": 1,
            "form": form,
            "acceptor": acceptor.pk,
            "file": submission.attachment.name if submission.attachment else None,
        },
    )
    _arm_review(deliverable)
    request_follow(
        actor=actor, request=request, to_state=RequestState.DELIVERED, cause=_("提交成果：%(n)s") % {"n": name}
    )
    _ask_acceptor(deliverable)
    return deliverable


@transaction.atomic
def deliverable_verdict(
    *, actor: Person, deliverable: Deliverable, outcome: str, reason: str, results: dict[int, tuple[bool, str]]
) -> Verdict:
    """成果验收报告: only the named acceptor; every criterion judged, reasons for anything not passed."""
    authorize(actor, VIEW, deliverable)
    deliverable = (
        Deliverable.objects.select_for_update(of=("self",))
        .select_related("request", "acceptor", "submitter")
        .get(pk=deliverable.pk)
    )
    if actor.pk != deliverable.acceptor_id:
        raise Forbidden(_("只有指定的验收人 %(p)s 可以验收") % {"p": deliverable.acceptor.display_name})
    if deliverable.state != Deliverable.State.SUBMITTED:
        raise InvalidState(_("当前没有待验收的版本（状态：%(s)s）") % {"s": deliverable.get_state_display()})
    criteria = list(deliverable.request.criteria.order_by("position"))
    errors: dict[str, str] = {}
    if outcome not in Verdict.Outcome.values:
        errors["outcome"] = _("结论只能是 通过、需整改 或 不通过")
    missing = [c for c in criteria if c.pk not in results]
    if missing:
        errors["results"] = _("请逐条判定验收标准：%(c)s 未判定") % {
            "c": enumerate_list(_("第%(n)d条") % {"n": c.position} for c in missing)
        }
    unexplained = [c for c in criteria if c.pk in results and not results[c.pk][0] and not results[c.pk][1].strip()]
    if unexplained:
        errors["results"] = _("未达标的标准须写明原因：%(c)s") % {
            "c": enumerate_list(_("第%(n)d条") % {"n": c.position} for c in unexplained)
        }
    reason = (reason or "").strip()
    if outcome in (Verdict.Outcome.REWORK, Verdict.Outcome.FAIL) and not reason:
        errors["reason"] = _("需整改或不通过时须给出具体修改意见")
    if outcome == Verdict.Outcome.PASS and any(not results.get(c.pk, (True, ""))[0] for c in criteria):
        errors["outcome"] = _("有验收标准未达标，不能判定为通过")
    if errors:
        raise ApplicationError(_("验收结论有误"), fields=errors)
    submission = deliverable.submissions.get(version=deliverable.version)
    now = clock.now()
    verdict = Verdict.objects.create(submission=submission, outcome=outcome, reason=reason, acceptor=actor, at=now)
    CriterionResult.objects.bulk_create(
        [
            CriterionResult(verdict=verdict, criterion=c, passed=results[c.pk][0], reason=results[c.pk][1].strip())
            for c in criteria
        ]
    )
    before = deliverable.state
    next_state: dict[str, str] = {
        Verdict.Outcome.PASS: Deliverable.State.PASSED,
        Verdict.Outcome.REWORK: Deliverable.State.REWORK,
        Verdict.Outcome.FAIL: Deliverable.State.FAILED,
    }
    deliverable.state = next_state[outcome]
    deliverable.save(update_fields=["state"])
    audit_record(
        actor=actor,
        action=f"deliverable.{outcome}",
        obj=deliverable,
        before={"state": before},
        after={
            "state": deliverable.state,
            "version": deliverable.version,
            "reason": reason,
            "results": {str(c.position): results[c.pk][0] for c in criteria},
        },
    )
    clock_satisfy(subject=deliverable, limit="review", at=now)
    request = deliverable.request
    if outcome == Verdict.Outcome.REWORK:
        clock_arm(
            subject=deliverable,
            process="deliverable",
            limit="rework",
            owner=deliverable.submitter,
            department=deliverable.department,
            project=deliverable.project,
            start=now,
        )
        request_follow(
            actor=actor,
            request=request,
            to_state=RequestState.IN_PROGRESS,
            cause=_("成果“%(n)s”需整改") % {"n": deliverable.title},
        )
    elif outcome == Verdict.Outcome.FAIL:
        request_follow(
            actor=actor,
            request=request,
            to_state=RequestState.IN_PROGRESS,
            cause=_("成果“%(n)s”验收不通过") % {"n": deliverable.title},
        )
    elif not request.deliverables.exclude(state=Deliverable.State.PASSED).exists() and request_follow(
        actor=actor, request=request, to_state=RequestState.COMPLETED, cause=_("全部成果验收通过")
    ):
        from xietong.feedback.services import feedback_invite

        feedback_invite(actor=actor, request=request)
    notify(
        recipients=[deliverable.submitter],
        kind=MessageKind.ASSIGNMENT if outcome != "pass" else MessageKind.INFO,
        title=_("【验收%(o)s】%(n)s %(v)s")
        % {"o": verdict.get_outcome_display(), "n": deliverable.title, "v": deliverable.version_label},
        body=reason or _("全部验收标准达标。"),
        url=deliverable.get_absolute_url(),
        subject=deliverable,
    )
    return verdict


@transaction.atomic
def deliverable_start_rework(*, actor: Person, deliverable: Deliverable) -> Deliverable:
    """负责人需在 1 个工作日内启动整改."""
    authorize(actor, VIEW, deliverable)
    deliverable = Deliverable.objects.select_for_update().get(pk=deliverable.pk)
    if actor.pk != deliverable.submitter_id:
        raise Forbidden(_("只有交付人可以启动整改"))
    if deliverable.state != Deliverable.State.REWORK:
        raise InvalidState(_("只有“需整改”的成果可以启动整改"))
    deliverable.state = Deliverable.State.REWORKING
    deliverable.save(update_fields=["state"])
    audit_record(
        actor=actor,
        action="deliverable.start_rework",
        obj=deliverable,
        before={"state": "rework"},
        after={"state": "reworking"},
    )
    clock_satisfy(subject=deliverable, limit="rework")
    return deliverable


@transaction.atomic
def deliverable_resubmit(
    *, actor: Person, deliverable: Deliverable, note: str = "", upload: UploadedFile | None = None
) -> Deliverable:
    """A reworked deliverable goes back to the acceptor as the next version."""
    authorize(actor, VIEW, deliverable)
    deliverable = (
        Deliverable.objects.select_for_update(of=("self",))
        .select_related("request", "acceptor", "submitter")
        .get(pk=deliverable.pk)
    )
    if actor.pk != deliverable.submitter_id:
        raise Forbidden(_("只有交付人可以重新提交"))
    if deliverable.state not in (Deliverable.State.REWORK, Deliverable.State.REWORKING):
        raise InvalidState(_("只有需整改的成果可以重新提交"))
    if not (note or "").strip():
        raise ApplicationError(fields={"note": _("请说明本版本的整改内容")})
    now = clock.now()
    deliverable.version += 1
    deliverable.state = Deliverable.State.SUBMITTED
    deliverable.save(update_fields=["version", "state"])
    submission = _submission(actor, deliverable, note, upload)
    audit_record(
        actor=actor,
        action="deliverable.resubmit",
        obj=deliverable,
        after={
            "version": deliverable.version,
            "reason": submission.note,
            "file": submission.attachment.name if submission.attachment else None,
        },
    )
    clock_satisfy(subject=deliverable, limit="rework", at=now)
    _arm_review(deliverable)
    request_follow(
        actor=actor,
        request=deliverable.request,
        to_state=RequestState.DELIVERED,
        cause=_("重新提交成果：%(n)s %(v)s") % {"n": deliverable.title, "v": deliverable.version_label},
    )
    _ask_acceptor(deliverable)
    return deliverable


def verdict_results_from_post(data: Any, criteria) -> dict[int, tuple[bool, str]]:
    """Form fields criterion-<id> = pass|fail and reason-<id> → {criterion id: (passed, reason)}."""
    results = {}
    for c in criteria:
        choice = data.get(f"criterion-{c.pk}")
        if choice in ("pass", "fail"):
            results[c.pk] = (choice == "pass", data.get(f"reason-{c.pk}", ""))
    return results
