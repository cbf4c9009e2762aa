"""Comments and attachments on any item, through the item's own permission filter."""

from __future__ import annotations

import mimetypes
from pathlib import PurePath
from urllib.parse import quote

from django.contrib import messages
from django.db import transaction
from django.db.models import Model
from django.http import FileResponse, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from xietong.core.audit import audit_record
from xietong.core.errors import ApplicationError, NotFound
from xietong.core.filetypes import PREVIEW_TYPES
from xietong.core.http import AuthedRequest
from xietong.core.uploads import upload_refusal
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


def _file_response(attachment: Attachment, *, inline: bool) -> FileResponse:
    extension = PurePath(attachment.name).suffix.lower()
    if inline:
        content_type = PREVIEW_TYPES[extension]
    else:
        content_type = mimetypes.types_map.get(extension, "application/octet-stream")
    response = FileResponse(attachment.file.open("rb"), content_type=content_type)
    disposition = "inline" if inline else "attachment"
    response["Content-Disposition"] = f"{disposition}; filename*=UTF-8''{quote(attachment.name)}"
    response["X-Content-Type-Options"] = "nosniff"
    # The file is never a page of the site: no script, no form, no same-origin access, even if opened alone.
    response["Content-Security-Policy"] = "sandbox; default-src 'none'; img-src 'self' data:; style-src 'unsafe-inline'"
    return response


@require_GET
def attachment_download(request: AuthedRequest, attachment_id: int) -> FileResponse:
    attachment, subject = _visible_attachment(request, attachment_id)
    with transaction.atomic():
        audit_record(
            actor=request.user,
            action="items.attachment.download",
            obj=subject,
            after={"attachment": attachment.pk, "name": attachment.name},
        )
    return _file_response(attachment, inline=False)


@require_GET
def attachment_preview(request: AuthedRequest, attachment_id: int) -> FileResponse:
    """An image or a PDF shown in the page; any other type is only ever downloaded (404 here)."""
    attachment, _subject = _visible_attachment(request, attachment_id)
    if not previewable(attachment):
        raise NotFound()
    return _file_response(attachment, inline=True)
