"""通知 pages: lists (待我确认 / 我发出的), the form, the notice with its 已阅 button and, for the sender
and the heads concerned, who confirmed per department and per person."""

from __future__ import annotations

from urllib.parse import quote

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from xietong.clocks.selectors import clock_views
from xietong.core.errors import ApplicationError, NotFound
from xietong.core.http import AuthedRequest
from xietong.core.permissions import access
from xietong.core.views import form_apply_error
from xietong.items.runner import run_step
from xietong.items.services import attachments_of, comments_of
from xietong.items.step_views import refusal_text, step_buttons, step_view
from xietong.meetings.timeline import readable_timeline
from xietong.notices.choices import NoticeState
from xietong.notices.exports import confirmation_workbook, scope_text
from xietong.notices.forms import NoticeForm
from xietong.notices.models import Notice
from xietong.notices.process import NOTICE
from xietong.notices.selectors import SCOPES, can_track, my_receipt, notice_list, receipt_summary
from xietong.notices.services import notice_confirm, notice_create, notice_update

FIELD_LABELS = {
    "state": gettext_lazy("状态"),
    "title": gettext_lazy("通知主题"),
    "effective_date": gettext_lazy("生效日期"),
    "confirm_by": gettext_lazy("确认截止时间"),
    "target_departments": gettext_lazy("涉及部门"),
    "target_people": gettext_lazy("指定人员"),
    "target_everyone": gettext_lazy("全体人员"),
}


def _apply_error(form: NoticeForm, error: ApplicationError) -> None:
    fields = {("target_departments" if k == "targets" else k): v for k, v in error.fields.items()}
    form_apply_error(form, ApplicationError(error.message, fields=fields))


@require_GET
def notice_index(request: AuthedRequest) -> HttpResponse:
    scope = request.GET.get("scope", "todo")
    scope = scope if scope in SCOPES else "todo"
    q = request.GET.get("q", "")[:50]
    page = Paginator(notice_list(request.user, scope, q), 25).get_page(request.GET.get("page"))
    return render(
        request,
        "notices/list.html",
        {"page": page, "scope": scope, "q": q, "tones": NOTICE.tones, "query": request.GET.urlencode()},
    )


def _targets(form: NoticeForm) -> dict:
    return {
        "departments": list(form.cleaned_data.get("target_departments") or []),
        "people": list(form.cleaned_data.get("target_people") or []),
    }


@require_http_methods(["GET", "POST"])
def notice_new(request: AuthedRequest) -> HttpResponse:
    if request.method == "POST":
        form = NoticeForm(request.POST, user=request.user)
        if form.is_valid():
            publish = "publish" in request.POST
            try:
                notice = notice_create(actor=request.user, publish=publish, **_targets(form), **form.service_data())
            except ApplicationError as error:
                _apply_error(form, error)
            else:
                if publish:
                    messages.success(request, _("通知已发布给 %(n)d 人") % {"n": notice.receipts.count()})
                else:
                    messages.success(request, _("草稿 %(n)s 已保存") % {"n": notice.number})
                return redirect(notice.get_absolute_url())
    else:
        form = NoticeForm(user=request.user, initial={"requires_confirmation": True})
    return render(request, "notices/form.html", {"form": form})


def _notice(request: AuthedRequest, notice_id: int) -> Notice:
    return access(request.user, Notice.objects.select_related("project", "department", "created_by"), notice_id)


@require_http_methods(["GET", "POST"])
def notice_edit(request: AuthedRequest, notice_id: int) -> HttpResponse:
    notice = _notice(request, notice_id)
    if notice.state != NoticeState.DRAFT or notice.created_by_id != request.user.pk:
        messages.error(request, _("通知已发布，不能修改；如需更正请撤回后重新发布"))
        return redirect(notice.get_absolute_url())
    if request.method == "POST":
        form = NoticeForm(request.POST, user=request.user)
        if form.is_valid():
            try:
                saved = notice_update(
                    actor=request.user,
                    notice=notice,
                    expected_version=form.cleaned_data.get("version") or 0,
                    **_targets(form),
                    **form.service_data(),
                )
                if "publish" in request.POST:
                    saved = run_step(actor=request.user, item=saved, step="publish")
            except ApplicationError as error:
                _apply_error(form, error)
            else:
                messages.success(request, _("已发布") if "publish" in request.POST else _("已保存"))
                return redirect(saved.get_absolute_url())
    else:
        form = NoticeForm(
            user=request.user,
            initial={
                **{f: getattr(notice, f) for f in ("title", "project", "body", "effective_date")},
                "body_format": "html",  # what is stored is the sanitised HTML
                "requires_confirmation": notice.requires_confirmation,
                "confirm_by": notice.confirm_by,
                "target_everyone": notice.target_everyone,
                "target_departments": list(notice.target_departments.all()),
                "target_people": list(notice.target_people.all()),
                "version": notice.version,
            },
        )
    return render(request, "notices/form.html", {"form": form, "item": notice})


@require_GET
def notice_detail(request: AuthedRequest, notice_id: int) -> HttpResponse:
    notice = _notice(request, notice_id)
    tracking = can_track(request.user, notice)
    return render(
        request,
        "notices/detail.html",
        {
            "item": notice,
            "subject": notice,
            "tone": NOTICE.tones.get(notice.state, ""),
            # 已阅 has its own card on the page (with the deadline); the other steps are buttons.
            "actions": [s for s in step_buttons(NOTICE, notice, request.user) if s.name != "confirm"],
            "receipt": my_receipt(notice, request.user),
            "tracking": tracking,
            "summary": receipt_summary(notice) if tracking and notice.state != NoticeState.DRAFT else None,
            "scope": scope_text(notice),
            "clock_views": clock_views(notice) if tracking else [],
            "timeline": readable_timeline(notice, FIELD_LABELS) if tracking else [],
            "comments": comments_of(notice),
            "attachments": attachments_of(notice),
        },
    )


@require_POST
def notice_confirm_view(request: AuthedRequest, notice_id: int) -> HttpResponse:
    notice = _notice(request, notice_id)
    try:
        notice_confirm(actor=request.user, notice=notice)
    except ApplicationError as error:
        messages.error(request, refusal_text(error))
    else:
        messages.success(request, _("已确认：已阅"))
    return redirect(notice.get_absolute_url())


notice_do = step_view(NOTICE)


@require_GET
def notice_export(request: AuthedRequest, notice_id: int) -> HttpResponse:
    notice = _notice(request, notice_id)
    if not can_track(request.user, notice):
        raise NotFound()
    response = HttpResponse(
        confirmation_workbook(notice),
        content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    )
    name = _("内部事务通知确认单-%(n)s.xlsx") % {"n": notice.number}
    response["Content-Disposition"] = f"attachment; filename*=UTF-8''{quote(name)}"
    return response
