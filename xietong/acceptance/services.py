"""Handing in deliverables and judging them (the deliverable's steps are declared in `acceptance.process`
and run by `items.runner.run_step`; the request follows its deliverables)."""

from __future__ import annotations

from typing import Any

from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.utils.translation import gettext as _

from xietong.acceptance.models import Deliverable, DeliverableForm, Verdict
from xietong.acceptance.process import delivery_note_errors
from xietong.core.errors import ApplicationError, Forbidden, InvalidState
from xietong.core.permissions import VIEW, access, authorize
from xietong.items.numbering import number_next
from xietong.items.runner import run_step
from xietong.org.models import Person
from xietong.requests.choices import RequestState
from xietong.requests.models import Request

SUBMITTABLE = (RequestState.ACCEPTED, RequestState.IN_PROGRESS, RequestState.DELIVERED)


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
    release: str = "",
    features: str = "",
    test_report: str = "",
    test_report_file: UploadedFile | None = None,
) -> Deliverable:
    """成果交付清单: the receiving side hands over a deliverable (name, version, form, acceptor) with its
    《成果交付说明》 (版本号、功能清单、测试报告)."""
    authorize(actor, VIEW, request)
    request = (
        Request.objects.select_for_update(of=("self",))
        .select_related("receiving_department", "requester")
        .get(pk=request.pk)
    )
    from xietong.tasks.models import Task

    # 模块负责人按截止时间交付成果 (002 二（一）步骤4): a task's owner delivers what their task produced.
    owns_a_task = Task.objects.filter(request=request, owner=actor).exists()
    if not (request.is_receiver_side(actor) or owns_a_task):
        raise Forbidden(_("成果由接收方（负责执行的一方）或任务负责人提交"))
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
    note_inputs = {
        "release": release,
        "features": features,
        "test_report": test_report,
        "test_report_file": test_report_file,
    }
    errors.update(delivery_note_errors(note_inputs))
    if errors:
        raise ApplicationError(_("成果交付清单有误"), fields=errors)
    deliverable = Deliverable.objects.create(
        number=number_next("JF"),
        title=name[:120],
        project=request.project,
        created_by=actor,
        request=request,
        department=(
            request.receiving_department
            if request.is_receiver_side(actor) or actor.department is None
            else actor.department
        ),
        submitter=actor,
        acceptor=acceptor,
        form=form,
    )
    # Checked above, and no one else can see the new row before commit.
    inputs = {"note": note, "upload": upload, **note_inputs}
    return run_step(actor=actor, item=deliverable, step="submit", inputs=inputs, as_system=True, fresh=True)


@transaction.atomic
def deliverable_verdict(
    *, actor: Person, deliverable: Deliverable, outcome: str, reason: str, results: dict[int, tuple[bool, str]]
) -> Verdict:
    """成果验收报告: only the named acceptor; every criterion judged, reasons for anything not passed."""
    if outcome not in Verdict.Outcome.values:
        access(actor, Deliverable, deliverable.pk)
        raise ApplicationError(_("验收结论有误"), fields={"outcome": _("结论只能是 通过、需整改 或 不通过")})
    judged = run_step(actor=actor, item=deliverable, step=outcome, reason=reason, inputs={"results": results})
    return Verdict.objects.get(submission__deliverable=judged, submission__version=judged.version)


@transaction.atomic
def deliverable_start_rework(*, actor: Person, deliverable: Deliverable) -> Deliverable:
    """负责人需在 1 个工作日内启动整改."""
    return run_step(actor=actor, item=deliverable, step="start_rework")


@transaction.atomic
def deliverable_resubmit(
    *,
    actor: Person,
    deliverable: Deliverable,
    note: str = "",
    upload: UploadedFile | None = None,
    release: str = "",
    features: str = "",
    test_report: str = "",
    test_report_file: UploadedFile | None = None,
) -> Deliverable:
    """A reworked deliverable goes back to the acceptor as the next version, with its own 成果交付说明."""
    inputs = {
        "upload": upload,
        "release": release,
        "features": features,
        "test_report": test_report,
        "test_report_file": test_report_file,
    }
    return run_step(actor=actor, item=deliverable, step="resubmit", reason=note, inputs=inputs)


def verdict_results_from_post(data: Any, criteria) -> dict[int, tuple[bool, str]]:
    """Form fields criterion-<id> = pass|fail and reason-<id> → {criterion id: (passed, reason)}."""
    results = {}
    for c in criteria:
        choice = data.get(f"criterion-{c.pk}")
        if choice in ("pass", "fail"):
            results[c.pk] = (choice == "pass", data.get(f"reason-{c.pk}", ""))
    return results
