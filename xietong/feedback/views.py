"""协作反馈表 for each participant, and the 协作总结报告 of a request."""

from __future__ import annotations

from django.contrib import messages
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from xietong.core.errors import ApplicationError, NotFound
from xietong.core.http import AuthedRequest
from xietong.core.permissions import access
from xietong.feedback.models import FeedbackInvitation
from xietong.feedback.process import DIMENSIONS
from xietong.feedback.selectors import request_summary
from xietong.feedback.services import feedback_close, feedback_submit
from xietong.requests.models import Request


@require_GET
def mine(request: AuthedRequest) -> HttpResponse:
    invitations = (
        FeedbackInvitation.objects.filter(person=request.user).select_related("request").order_by("-created_at")
    )
    return render(request, "feedback/mine.html", {"invitations": invitations})


def _score(value: str | None) -> int | None:
    try:
        return int(value) if value not in (None, "") else None
    except ValueError:
        return None


@require_http_methods(["GET", "POST"])
def form(request: AuthedRequest, invitation_id: int) -> HttpResponse:
    invitation = (
        FeedbackInvitation.objects.filter(pk=invitation_id, person=request.user).select_related("request").first()
    )
    if invitation is None:
        raise NotFound()
    errors: dict[str, object] = {}
    form_error: object = None
    if request.method == "POST":
        try:
            feedback_submit(
                actor=request.user,
                invitation_id=invitation.pk,
                communication=_score(request.POST.get("communication")),
                division=_score(request.POST.get("division")),
                timeliness=_score(request.POST.get("timeliness")),
                suggestion=request.POST.get("suggestion", ""),
            )
        except ApplicationError as error:
            errors = error.fields
            form_error = None if error.fields else error.message
        else:
            messages.success(request, _("感谢您的反馈"))
            return redirect("feedback-mine")
    # What was typed stays after a refusal: each dimension's chosen score, the suggestion, the error at its field.
    rows = [
        {"name": name, "label": label, "chosen": request.POST.get(name, ""), "error": errors.get(name)}
        for name, label in DIMENSIONS
    ]
    return render(
        request,
        "feedback/form.html",
        {
            "invitation": invitation,
            "rows": rows,
            "suggestion": request.POST.get("suggestion", ""),
            "suggestion_error": errors.get("suggestion"),
            "form_error": form_error,
            "scores": [str(s) for s in range(1, 6)],
        },
    )


@require_GET
def summary(request: AuthedRequest, request_id: int) -> HttpResponse:
    item = access(request.user, Request, request_id)
    return render(
        request,
        "feedback/summary.html",
        {
            "summary": request_summary(item),
            "item": item,
            "dimensions": DIMENSIONS,
            "can_close": item.is_requester_side(request.user),
        },
    )


@require_POST
def close_round(request: AuthedRequest, request_id: int) -> HttpResponse:
    item = access(request.user, Request, request_id)
    try:
        count = feedback_close(actor=request.user, request=item)
    except ApplicationError as error:
        messages.error(request, str(error.message))
    else:
        messages.success(request, _("协作反馈已截止（%(n)d 份未填写）") % {"n": count})
    return redirect("feedback-summary", request_id=item.pk)
