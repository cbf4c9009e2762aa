"""Comments and attachments on any item, through the item's own permission filter."""

from __future__ import annotations

from pathlib import PurePath

from django.contrib import messages
from django.db.models import Model
from django.http import FileResponse, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from xietong.core.errors import ApplicationError, NotFound
from xietong.core.filetypes import PREVIEW_TYPES
from xietong.core.http import AuthedRequest
from xietong.core.uploads import upload_refusal
from xietong.items.downloads import attachment_download as download
from xietong.items.downloads import attachment_response
from xietong.items.models import Attachment
from xietong.items.services import (
    attachment_add,
    attachments_of,
    comment_add,
    comments_of,
    subject_access,
)


def _back(subject) -> str:
    return subject.get_absolute_url() if hasattr(subject, "get_absolute_url") else "/"


@require_POST
def comment_create(request: AuthedRequest, subject_type: str, subject_id: int) -> HttpResponse:
    subject = subject_access(request.user, subject_type, subject_id)
    error: object = None
    try:
        comment_add(actor=request.user, subject=subject, body=request.POST.get("body", ""))
    except ApplicationError as exc:
        error = exc.fields.get("body") or exc.message
    if request.htmx:
        return render(
            request,
            "items/_comments.html",
            {"subject": subject, "comments": comments_of(subject), "comment_error": error},
        )
    if error:
        messages.error(request, str(error))
    return redirect(_back(subject) + "#comments")


def _attachments_context(subject) -> dict:
    return {"subject": subject, "attachments": attachments_of(subject)}


@require_POST
def attachment_upload(request: AuthedRequest, subject_type: str, subject_id: int) -> HttpResponse:
    subject = subject_access(request.user, subject_type, subject_id)
    upload = request.FILES.get("file")
    error: object = upload_refusal(request, "file")
    if error is None and upload is None:
        error = _("请选择要上传的文件")
    elif error is None and upload is not None:
        try:
            attachment_add(actor=request.user, subject=subject, upload=upload, topic=request.POST.get("topic", ""))
        except ApplicationError as exc:
            error = exc.fields.get("file") or exc.message
    if request.htmx:
        if error:
            # Only the error at the file field changes: the topic and everything else typed stay as they are.
            response = render(request, "items/_attachment_error.html", {"attachment_error": error})
            response["HX-Reswap"] = "none"
            return response
        return render(request, "items/_attachments.html", _attachments_context(subject))
    if error:
        messages.error(request, str(error))
    else:
        messages.success(request, _("附件已上传"))
    return redirect(_back(subject) + "#attachments")


def previewable(attachment: Attachment) -> bool:
    return PurePath(attachment.name).suffix.lower() in PREVIEW_TYPES


def _visible_attachment(request: AuthedRequest, attachment_id: int) -> tuple[Attachment, Model]:
    try:
        attachment = Attachment.objects.get(pk=attachment_id)
    except Attachment.DoesNotExist as exc:
        raise NotFound() from exc
    return attachment, subject_access(request.user, attachment.subject_type, attachment.subject_id)


@require_GET
def attachment_download(request: AuthedRequest, attachment_id: int) -> FileResponse:
    attachment, subject = _visible_attachment(request, attachment_id)
    return download(actor=request.user, attachment=attachment, subject=subject)


@require_GET
def attachment_preview(request: AuthedRequest, attachment_id: int) -> FileResponse:
    """An image or a PDF shown in the page; any other type is only ever downloaded (404 here)."""
    attachment, _subject = _visible_attachment(request, attachment_id)
    if not previewable(attachment):
        raise NotFound()
    return attachment_response(attachment, inline=True)
