"""成果交付 and 成果验收 pages, and the acceptance report as Excel."""

from __future__ import annotations

from urllib.parse import quote

from django import forms
from django.contrib import messages
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from xietong.acceptance.forms import (
    GoLiveForm,
    ResubmitForm,
    ResultConfirmationIssueForm,
    ResultSignForm,
    RetrospectiveFileForm,
    SubmitForm,
)
from xietong.acceptance.models import Deliverable, Verdict
from xietong.acceptance.services import (
    deliverable_resubmit,
    deliverable_start_rework,
    deliverable_submit,
    deliverable_verdict,
    verdict_results_from_post,
)
from xietong.clocks.selectors import clock_views
from xietong.core.errors import ApplicationError, InvalidState, NotFound
from xietong.core.http import AuthedRequest
from xietong.core.permissions import access
from xietong.core.spreadsheets import workbook_bytes
from xietong.core.uploads import upload_refusal
from xietong.core.views import form_apply_error
from xietong.items.panels import panels_for
from xietong.items.runner import run_step
from xietong.items.selectors import timeline
from xietong.items.services import attachments_of, comments_of
from xietong.items.step_views import refusal_text
from xietong.requests.models import Request


def _error_text(error: ApplicationError) -> str:
    return "；".join(str(v) for v in error.fields.values()) or str(error.message)


def _refused_uploads(request: AuthedRequest, form) -> None:
    for name in ("file", "test_report_file"):
        if (refused := upload_refusal(request, name)) is not None:
            form.add_error(name, refused)


@require_POST
def submit(request: AuthedRequest, request_id: int) -> HttpResponse:
    """成果交付清单 with its 成果交付说明; a refusal shows on the request's page at each field, what was typed kept."""
    from xietong.requests.views import request_page

    item = access(request.user, Request, request_id)
    form = SubmitForm(request.POST, request.FILES, request_item=item)
    _refused_uploads(request, form)
    if form.is_valid():
        data = form.cleaned_data
        try:
            deliverable = deliverable_submit(
                actor=request.user,
                request=item,
                name=data["name"],
                form=data["form"],
                acceptor=data["acceptor"],
                note=data["note"],
                upload=data["file"],
                release=data["release"],
                features=data["features"],
                test_report=data["test_report"],
                test_report_file=data["test_report_file"],
            )
        except ApplicationError as error:
            form_apply_error(form, error)
        else:
            messages.success(request, _("成果已提交，等待验收"))
            return redirect(deliverable.get_absolute_url())
    return request_page(request, item.pk, bound={"deliverables": {"form": form, "open": True}})


def _report(deliverable: Deliverable):
    submissions = list(
        deliverable.submissions.select_related(
            "attachment", "test_report_file", "submitted_by", "verdict__acceptor"
        ).prefetch_related("verdict__results__criterion")
    )
    return submissions


@require_GET
def detail(request: AuthedRequest, deliverable_id: int) -> HttpResponse:
    return _page(request, deliverable_id)


def _page(request: AuthedRequest, deliverable_id: int, resubmit_form: ResubmitForm | None = None) -> HttpResponse:
    deliverable = access(
        request.user, Deliverable.objects.select_related("request", "acceptor", "submitter"), deliverable_id
    )
    context = {
        "deliverable": deliverable,
        "subject": deliverable,
        "panels": panels_for(request, deliverable),
        "submissions": _report(deliverable),
        "criteria": list(deliverable.request.criteria.order_by("position")),
        "outcomes": Verdict.Outcome.choices,
        "can_judge": deliverable.state == "submitted" and request.user.pk == deliverable.acceptor_id,
        "can_rework": deliverable.state == "rework" and request.user.pk == deliverable.submitter_id,
        "can_resubmit": deliverable.state in ("rework", "reworking") and request.user.pk == deliverable.submitter_id,
        "resubmit_form": resubmit_form or ResubmitForm(),
        "clock_views": clock_views(deliverable),
        "timeline": timeline(deliverable, {"state": _("状态"), "version": _("版本")}),
        "comments": comments_of(deliverable),
        "attachments": attachments_of(deliverable),
    }
    return render(request, "acceptance/detail.html", context)


@require_POST
def judge(request: AuthedRequest, deliverable_id: int) -> HttpResponse:
    deliverable = access(request.user, Deliverable, deliverable_id)
    criteria = list(deliverable.request.criteria.order_by("position"))
    try:
        deliverable_verdict(
            actor=request.user,
            deliverable=deliverable,
            outcome=request.POST.get("outcome", ""),
            reason=request.POST.get("reason", ""),
            results=verdict_results_from_post(request.POST, criteria),
        )
    except ApplicationError as error:
        messages.error(request, _error_text(error))
    else:
        messages.success(request, _("验收结论已记录，成果验收报告已生成"))
    return redirect(deliverable.get_absolute_url())


@require_POST
def rework(request: AuthedRequest, deliverable_id: int, action: str) -> HttpResponse:
    deliverable = access(request.user, Deliverable, deliverable_id)
    if action == "start":
        try:
            deliverable_start_rework(actor=request.user, deliverable=deliverable)
        except ApplicationError as error:
            messages.error(request, _error_text(error))
        else:
            messages.success(request, _("已保存"))
        return redirect(deliverable.get_absolute_url())
    form = ResubmitForm(request.POST, request.FILES)
    _refused_uploads(request, form)
    if form.is_valid():
        data = form.cleaned_data
        try:
            deliverable_resubmit(
                actor=request.user,
                deliverable=deliverable,
                note=data["note"],
                upload=data["file"],
                release=data["release"],
                features=data["features"],
                test_report=data["test_report"],
                test_report_file=data["test_report_file"],
            )
        except ApplicationError as error:
            form_apply_error(form, error)
        else:
            messages.success(request, _("已保存"))
            return redirect(deliverable.get_absolute_url())
    return _page(request, deliverable.pk, resubmit_form=form)


@require_GET
def report_xlsx(request: AuthedRequest, deliverable_id: int) -> HttpResponse:
    """成果验收报告 as Excel: the deliverable, each version's verdict and every criterion's result."""
    from openpyxl import Workbook
    from openpyxl.styles import Font

    deliverable = access(
        request.user, Deliverable.objects.select_related("request", "acceptor", "submitter"), deliverable_id
    )
    wb = Workbook()
    ws = wb.active
    ws.title = _("成果验收报告")
    ws.append([_("成果验收报告 · %(t)s") % {"t": deliverable.title}])
    ws["A1"].font = Font(bold=True, size=14)
    for label, value in (
        (_("需求编号"), deliverable.request.number),
        (_("需求主题"), deliverable.request.title),
        (_("交付物名称"), deliverable.title),
        (_("交付形式"), deliverable.get_form_display()),
        (_("交付人"), deliverable.submitter.display_name),
        (_("验收人"), deliverable.acceptor.display_name),
        (_("当前版本"), deliverable.version_label),
        (_("当前状态"), deliverable.get_state_display()),
    ):
        ws.append([label, value])
    for submission in _report(deliverable):
        ws.append([])
        verdict = getattr(submission, "verdict", None)
        ws.append(
            [
                f"V{submission.version}",
                submission.submitted_at.astimezone().strftime("%Y-%m-%d %H:%M"),
                submission.attachment.name if submission.attachment else "",
                submission.note,
            ]
        )
        # 《成果交付说明》: 版本号、功能清单、测试报告
        ws.append([_("版本号"), submission.release])
        ws.append([_("功能清单"), "\n".join(f"{i}. {f}" for i, f in enumerate(submission.feature_list, start=1))])
        report = [submission.test_report, submission.test_report_file.name if submission.test_report_file else ""]
        ws.append([_("测试报告"), *report])
        if verdict is None:
            ws.append([_("结论"), _("待验收")])
            continue
        ws.append(
            [
                _("结论"),
                verdict.get_outcome_display(),
                verdict.acceptor.display_name,
                verdict.at.astimezone().strftime("%Y-%m-%d %H:%M"),
            ]
        )
        ws.append([_("验收意见"), verdict.reason])
        ws.append([_("序号"), _("验收标准"), _("是否达标"), _("说明")])
        for result in verdict.results.all():
            ws.append(
                [
                    result.criterion.position,
                    result.criterion.text,
                    _("达标") if result.passed else _("未达标"),
                    result.reason,
                ]
            )
    ws.column_dimensions["B"].width = 40
    response = HttpResponse(
        workbook_bytes(wb), content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    )
    filename = _("成果验收报告-%(n)s.xlsx") % {"n": deliverable.number}
    response["Content-Disposition"] = f"attachment; filename*=UTF-8''{quote(filename)}"
    return response


@require_GET
def result_confirmation_xlsx(request: AuthedRequest, request_id: int) -> HttpResponse:
    """结果确认表 as Excel, in the form's layout: the summary, what was delivered, each key receiver's signature."""
    from openpyxl import Workbook
    from openpyxl.styles import Alignment, Font

    from xietong.acceptance.panels import result_confirmation_panel
    from xietong.core import clock

    item = access(request.user, Request.objects.select_related("project", "requester"), request_id)
    form = result_confirmation_panel(request, item)
    if form is None:
        raise InvalidState(_("尚未发起结果确认表"))
    confirmation = form["confirmation"]

    def at(value) -> str:
        return clock.local(value).strftime("%Y-%m-%d %H:%M") if value else ""

    wb = Workbook()
    ws = wb.active
    ws.title = _("结果确认表")
    ws.append([_("结果确认表")])
    ws["A1"].font = Font(bold=True, size=14)
    for label, value in (
        (_("需求编号"), item.number),
        (_("需求主题"), item.title),
        (_("项目"), item.project.name if item.project_id else ""),
        (_("发起人"), confirmation.issued_by.display_name),
        (_("发起时间"), at(confirmation.issued_at)),
        (_("最终方案/成果汇总"), confirmation.summary),
    ):
        ws.append([label, value])
    ws.append([])
    ws.append([_("交付物"), _("版本号"), _("验收结论")])
    for deliverable, latest in form["deliverables"]:
        release = latest.release if latest and latest.release else deliverable.version_label
        ws.append([deliverable.title, release, deliverable.get_state_display()])
    ws.append([])
    ws.append([_("序号"), _("部门"), _("角色"), _("关键接收人"), _("签字确认"), _("签字时间")])
    for s in form["signatures"]:
        signed = _("已签字") if s.signed_at else _("待签字")
        if s.signed_at and s.signed_by_id != s.person_id:
            signed = _("%(who)s 代签") % {"who": s.signed_by.display_name}
        ws.append([s.position, s.department.name, s.get_role_display(), s.person.display_name, signed, at(s.signed_at)])
    ws.append([_("全部确认时间"), at(confirmation.confirmed_at)])
    if confirmation.voided_at:
        ws.append([_("作废时间"), at(confirmation.voided_at), _("需求退回重做，本表及其签字已作废")])
    ws.column_dimensions["A"].width = 18
    ws.column_dimensions["B"].width = 40
    for row in ws.iter_rows():
        for cell in row:
            cell.alignment = Alignment(wrap_text=True, vertical="top")
    response = HttpResponse(
        workbook_bytes(wb), content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    )
    filename = _("结果确认表-%(n)s.xlsx") % {"n": item.number}
    response["Content-Disposition"] = f"attachment; filename*=UTF-8''{quote(filename)}"
    return response


def _refused(
    request: AuthedRequest,
    item: Request,
    error: ApplicationError,
    *,
    panel: str,
    name: str,
    form: forms.Form,
    shown: bool,
    rename: dict[str, str] | None = None,
) -> HttpResponse:
    """A refused panel form: the request's page again (400) with each message at its field and what was typed
    kept; a refusal of the whole form above it. When the person is not offered the form at all, the refusal
    has no field to stand at and shows above the page."""
    from xietong.requests.views import request_page

    if isinstance(error, NotFound):
        raise error
    if form.is_valid():  # else the form's own messages are already at their fields
        renamed = {(rename or {}).get(field, field): message for field, message in error.fields.items()}
        form_apply_error(form, ApplicationError(error.message, fields=renamed))
    messages.error(request, _("未保存：请按提示修改后重新提交") if shown else refusal_text(error))
    return request_page(request, item.pk, bound={panel: {name: form}}, status=400)


@require_POST
def result_confirmation_issue(request: AuthedRequest, request_id: int) -> HttpResponse:
    """发起结果确认表 from the request's page: the step of the request's process, the summary at its field."""
    from xietong.acceptance.panels import result_confirmation_panel

    item = access(request.user, Request, request_id)
    form = ResultConfirmationIssueForm(request.POST)
    form.is_valid()
    data = getattr(form, "cleaned_data", {})
    try:
        run_step(
            actor=request.user,
            item=item,
            step="confirm_results",
            reason=data.get("reason") or "",
            expected_version=data.get("version"),
        )
    except ApplicationError as error:
        shown = bool((result_confirmation_panel(request, item) or {}).get("may_issue"))
        return _refused(request, item, error, panel="result_confirmation", name="issue_form", form=form, shown=shown)
    messages.success(request, _("结果确认表已发起，已通知关键接收人签字确认"))
    return redirect(item.get_absolute_url() + "#result-confirmation")


@require_POST
def result_confirmation_sign(request: AuthedRequest, request_id: int) -> HttpResponse:
    """签字确认结果 from the request's page."""
    from xietong.acceptance.panels import result_confirmation_panel

    item = access(request.user, Request, request_id)
    form = ResultSignForm(request.POST)
    form.is_valid()
    try:
        run_step(
            actor=request.user,
            item=item,
            step="sign_results",
            expected_version=getattr(form, "cleaned_data", {}).get("version"),
        )
    except ApplicationError as error:
        shown = bool((result_confirmation_panel(request, item) or {}).get("may_sign"))
        return _refused(request, item, error, panel="result_confirmation", name="sign_form", form=form, shown=shown)
    messages.success(request, _("已签字确认结果"))
    return redirect(item.get_absolute_url() + "#result-confirmation")


@require_POST
def go_live(request: AuthedRequest, request_id: int) -> HttpResponse:
    """上线: starts the 3-working-day clock of the project's retrospective."""
    from xietong.acceptance.panels import retrospective_panel
    from xietong.acceptance.retrospective import retrospective_go_live

    item = access(request.user, Request, request_id)
    form = GoLiveForm(request.POST)
    error: ApplicationError | None = None
    if form.is_valid():
        try:
            retrospective_go_live(actor=request.user, request=item, went_live_at=form.cleaned_data["went_live_at"])
        except ApplicationError as refused:
            error = refused
    else:
        error = ApplicationError(fields={})  # the form's own message is already at its field
    if error is not None:
        shown = bool((retrospective_panel(request, item) or {}).get("may_go_live"))
        return _refused(request, item, error, panel="retrospective", name="go_live_form", form=form, shown=shown)
    messages.success(request, _("已记录上线，请在 3 个工作日内完成项目复盘"))
    return redirect(item.get_absolute_url() + "#retrospective")


@require_POST
def file_retrospective(request: AuthedRequest, retrospective_id: int) -> HttpResponse:
    from xietong.acceptance.models import Retrospective
    from xietong.acceptance.panels import retrospective_panel
    from xietong.acceptance.retrospective import retrospective_file

    item = access(request.user, Retrospective.objects.select_related("request"), retrospective_id)
    form = RetrospectiveFileForm(request.POST)
    form.is_valid()
    try:
        retrospective_file(
            actor=request.user, retrospective=item, report=getattr(form, "cleaned_data", {}).get("report") or ""
        )
    except ApplicationError as error:
        shown = bool((retrospective_panel(request, item.request) or {}).get("may_file"))
        return _refused(
            request,
            item.request,
            error,
            panel="retrospective",
            name="file_form",
            form=form,
            shown=shown,
            rename={"reason": "report"},
        )
    messages.success(request, _("复盘报告已提交并归档"))
    return redirect(item.get_absolute_url())
