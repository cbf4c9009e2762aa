"""成果验收, as the rule reads: the receiving side hands over a deliverable (成果交付清单); the acceptor judges
every acceptance criterion within 2 working days (通过 / 需整改 / 不通过, reasons for anything not met);
after 需整改 the submitter starts the rework within 1 working day and hands in the next version. The
request follows its deliverables: delivered, back in progress, complete when all have passed."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from xietong.acceptance.models import CriterionResult, Deliverable, Submission, Verdict
from xietong.core.errors import ApplicationError
from xietong.core.i18n import enumerate_list
from xietong.items.process import Arm, Limit, Process, Reason, State, Step, StepContext, Tell
from xietong.items.services import attachment_add
from xietong.requests.choices import RequestState
from xietong.requests.services import request_follow

S = Deliverable.State


# --- who may ---------------------------------------------------------------------------------------
def submitter(person: Any, deliverable: Deliverable) -> bool:
    return person.pk == deliverable.submitter_id


def acceptor(person: Any, deliverable: Deliverable) -> bool:
    return person.pk == deliverable.acceptor_id


def only_the_acceptor(deliverable: Deliverable) -> str:
    return _("只有指定的验收人 %(p)s 可以验收") % {"p": deliverable.acceptor.display_name}


# --- what cannot be declared -------------------------------------------------------------------------
def delivery_note_errors(inputs: dict[str, Any], earlier: Iterable[str] = ()) -> dict[str, str]:
    """《成果交付说明》（包含版本号、功能清单、测试报告） (002 二（一）步骤4): every version states its 版本号 (a new
    one each time: `earlier` are those already used), lists what it delivers, and carries its test report —
    written out or as a file. {field: what is wrong}."""
    release = (inputs.get("release") or "").strip()
    errors: dict[str, str] = {}
    if not release:
        errors["release"] = _("请填写版本号，如“V1.0”")
    elif len(release) > 40:
        errors["release"] = _("版本号不能超过 40 个字")
    elif release in set(earlier):
        errors["release"] = _("版本号 %(r)s 已用于此前提交的版本，请填写新的版本号") % {"r": release}
    if not (inputs.get("features") or "").strip():
        errors["features"] = _("请填写功能清单，每行一项")
    if not (inputs.get("test_report") or "").strip() and not inputs.get("test_report_file"):
        errors["test_report"] = _("请填写测试报告（测试范围、结果与结论），或上传测试报告文件")
    return errors


def delivery_note_complete(ctx: StepContext) -> None:
    earlier = ctx.item.submissions.values_list("release", flat=True)
    if errors := delivery_note_errors(ctx.inputs, earlier):
        raise ApplicationError(_("成果交付说明不完整"), fields=errors)


def hand_in(ctx: StepContext) -> None:
    """A version is handed in: its 交付说明 and files, named "主题+版本+日期"."""
    deliverable, upload, report = ctx.item, ctx.inputs.get("upload"), ctx.inputs.get("test_report_file")
    if ctx.step.name == "resubmit":
        deliverable.version += 1
        ctx.changed.add("version")
    attachment = (
        attachment_add(actor=ctx.actor, subject=deliverable, upload=upload, topic=deliverable.title) if upload else None
    )
    report_file = (
        attachment_add(
            actor=ctx.actor, subject=deliverable, upload=report, topic=_("%(t)s测试报告") % {"t": deliverable.title}
        )
        if report
        else None
    )
    release = ctx.inputs["release"].strip()
    features = "\n".join(line.strip() for line in ctx.inputs["features"].splitlines() if line.strip())
    Submission.objects.create(
        deliverable=deliverable,
        version=deliverable.version,
        release=release,
        features=features,
        test_report=(ctx.inputs.get("test_report") or "").strip(),
        test_report_file=report_file,
        note=ctx.reason or (ctx.inputs.get("note") or "").strip(),
        attachment=attachment,
        submitted_by=ctx.actor,
    )
    ctx.details.update({"release": release, "features": features.count("\n") + 1})
    if report_file:
        ctx.details["test_report_file"] = report_file.name
    if ctx.step.name == "submit":
        ctx.details.update({"version": 1, "form": deliverable.form, "acceptor": deliverable.acceptor_id})
    else:
        ctx.details["version"] = deliverable.version
    ctx.details["file"] = attachment.name if attachment else None


def delivered(ctx: StepContext) -> None:
    deliverable = ctx.item
    cause = (
        _("提交成果：%(n)s") % {"n": deliverable.title}
        if ctx.step.name == "submit"
        else _("重新提交成果：%(n)s %(v)s") % {"n": deliverable.title, "v": deliverable.version_label}
    )
    request_follow(actor=ctx.actor, request=deliverable.request, to_state=RequestState.DELIVERED, cause=cause)


def criteria_judged(ctx: StepContext) -> None:
    """成果验收报告: every criterion judged, reasons for what is not met, advice for 需整改 / 不通过."""
    outcome, results = ctx.step.name, ctx.inputs.get("results", {})
    criteria = list(ctx.item.request.criteria.order_by("position"))
    errors: dict[str, str] = {}
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
    if outcome in (Verdict.Outcome.REWORK, Verdict.Outcome.FAIL) and not ctx.reason:
        errors["reason"] = _("需整改或不通过时须给出具体修改意见")
    if outcome == Verdict.Outcome.PASS and any(not results.get(c.pk, (True, ""))[0] for c in criteria):
        errors["outcome"] = _("有验收标准未达标，不能判定为通过")
    if errors:
        raise ApplicationError(_("验收结论有误"), fields=errors)
    ctx.inputs["criteria"] = criteria
    ctx.details.update(
        {
            "version": ctx.item.version,
            "reason": ctx.reason,
            "results": {str(c.position): results[c.pk][0] for c in criteria},
        }
    )


def verdict_recorded(ctx: StepContext) -> None:
    """The verdict and its results are kept; the request follows: back to work, or complete when every
    deliverable has passed — and then every participant is asked for feedback."""
    deliverable, outcome, results = ctx.item, ctx.step.name, ctx.inputs["results"]
    submission = deliverable.submissions.get(version=deliverable.version)
    verdict = Verdict.objects.create(
        submission=submission, outcome=outcome, reason=ctx.reason, acceptor=ctx.actor, at=ctx.now
    )
    CriterionResult.objects.bulk_create(
        [
            CriterionResult(verdict=verdict, criterion=c, passed=results[c.pk][0], reason=results[c.pk][1].strip())
            for c in ctx.inputs["criteria"]
        ]
    )
    request, name = deliverable.request, deliverable.title
    if outcome == Verdict.Outcome.REWORK:
        cause = _("成果“%(n)s”需整改") % {"n": name}
        request_follow(actor=ctx.actor, request=request, to_state=RequestState.IN_PROGRESS, cause=cause)
    elif outcome == Verdict.Outcome.FAIL:
        cause = _("成果“%(n)s”验收不通过") % {"n": name}
        request_follow(actor=ctx.actor, request=request, to_state=RequestState.IN_PROGRESS, cause=cause)
    elif not request.deliverables.exclude(state=S.PASSED).exists() and request_follow(
        actor=ctx.actor, request=request, to_state=RequestState.COMPLETED, cause=_("全部成果验收通过")
    ):
        from xietong.feedback.services import feedback_invite

        feedback_invite(actor=ctx.actor, request=request)


# --- who hears -------------------------------------------------------------------------------------
def version_params(ctx: StepContext) -> dict[str, Any]:
    deliverable = ctx.item
    return {
        "name": deliverable.title,
        "n": deliverable.title,
        "v": deliverable.version_label,
        "who": deliverable.submitter.display_name,
        "o": Verdict.Outcome(ctx.step.name).label if ctx.step.name in Verdict.Outcome.values else "",
        "remark": ctx.reason or _("全部验收标准达标。"),
    }


REVIEW = Arm("review", owner=lambda d: d.acceptor, department=lambda d: d.acceptor.department)
REWORK = Arm("rework", owner=lambda d: d.submitter, department=lambda d: d.department)
ASK_ACCEPTOR = Tell(
    to=lambda ctx: [ctx.item.acceptor],
    title=gettext_lazy("【待验收】%(name)s %(v)s"),
    body=gettext_lazy("%(who)s 提交了交付成果，请在 %(due)s 前（%(limit)s内）按验收标准完成验收。"),
    limit="review",
    params=version_params,
)


def initiator_and_manager(ctx: StepContext) -> list[Any]:
    """在群内@发起人及项目经理 (002 二（一）步骤4): the request's initiator and the project's manager hear of
    each version handed in — besides the acceptor, who is asked to judge it."""
    deliverable = ctx.item
    found: dict[int, Any] = {}
    for person in (deliverable.request.requester, deliverable.project.lead if deliverable.project_id else None):
        if person is not None and person.is_active and person.pk not in (ctx.actor.pk, deliverable.acceptor_id):
            found.setdefault(person.pk, person)
    return list(found.values())


TELL_PARTIES = Tell(
    to=initiator_and_manager,
    title=gettext_lazy("【成果已交付】%(name)s %(v)s"),
    body=gettext_lazy("%(who)s 提交了交付成果 %(v)s，验收人：%(acceptor)s。"),
    kind="info",
    params=lambda ctx: {**version_params(ctx), "acceptor": ctx.item.acceptor.display_name},
)


def verdict_step(outcome: str, target: str, label: Any, style: str, kind: str, arms: tuple[Arm, ...] = ()) -> Step:
    return Step(
        outcome,
        label,
        (S.SUBMITTED,),
        target,
        acceptor,
        style,
        reason=Reason(gettext_lazy("验收意见"), required=False),
        refusal=only_the_acceptor,
        check=criteria_judged,
        after=verdict_recorded,
        satisfies=("review",),
        arms=arms,
        tells=(
            Tell(
                to=lambda ctx: [ctx.item.submitter],
                title=gettext_lazy("【验收%(o)s】%(n)s %(v)s"),
                body="%(remark)s",
                kind=kind,
                params=version_params,
            ),
        ),
    )


DELIVERABLE = Process(
    key="deliverable",
    model=Deliverable,
    label=gettext_lazy("成果验收"),
    related=("request", "acceptor", "submitter", "project"),
    owners=("submitter", "acceptor"),
    version_field="",  # `version` is the deliverable's V1, V2 …: the step that hands in a new one bumps it
    states=(
        State(S.SUBMITTED, S.SUBMITTED.label, "warn"),
        State(S.PASSED, S.PASSED.label, "ok", final=True),
        State(S.REWORK, S.REWORK.label, "late"),
        State(S.REWORKING, S.REWORKING.label, "info"),
        State(S.FAILED, S.FAILED.label, "late", final=True),
    ),
    steps=(
        # Taken by deliverable_submit as it creates the deliverable (成果交付清单).
        Step(
            "submit",
            gettext_lazy("提交成果"),
            (S.SUBMITTED,),
            None,
            submitter,
            system=True,
            records_state=False,
            check=delivery_note_complete,
            apply=hand_in,
            after=delivered,
            arms=(REVIEW,),
            tells=(ASK_ACCEPTOR, TELL_PARTIES),
        ),
        verdict_step(Verdict.Outcome.PASS, S.PASSED, gettext_lazy("验收通过"), "primary", "info"),
        verdict_step(Verdict.Outcome.REWORK, S.REWORK, gettext_lazy("验收需整改"), "", "assignment", arms=(REWORK,)),
        verdict_step(Verdict.Outcome.FAIL, S.FAILED, gettext_lazy("验收不通过"), "danger", "assignment"),
        Step(
            "start_rework",
            gettext_lazy("启动整改"),
            (S.REWORK,),
            S.REWORKING,
            submitter,
            "primary",
            refusal=lambda d: _("只有交付人可以启动整改"),
            satisfies=("rework",),
        ),
        Step(
            "resubmit",
            gettext_lazy("重新提交成果"),
            (S.REWORK, S.REWORKING),
            S.SUBMITTED,
            submitter,
            "primary",
            reason=Reason(gettext_lazy("整改内容"), field="note", missing=gettext_lazy("请说明本版本的整改内容")),
            refusal=lambda d: _("只有交付人可以重新提交"),
            check=delivery_note_complete,
            apply=hand_in,
            after=delivered,
            satisfies=("rework",),
            arms=(REVIEW,),
            tells=(ASK_ACCEPTOR, TELL_PARTIES),
        ),
    ),
    limits=(
        Limit("review", "2d", remind_before="4h", ladder="standard", rule="验收人收到交付物后 2 个工作日内完成验收"),
        Limit(
            "rework",
            "1d",
            remind_before="2h",
            ladder="standard",
            rule="验收不通过：负责人 1 个工作日内启动整改并重新提交",
        ),
    ),
    action_labels={"request.reopen_work": gettext_lazy("退回执行")},
)
