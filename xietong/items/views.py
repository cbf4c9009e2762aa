"""Comments and attachments on any item, through the item's own permission filter."""

from __future__ import annotations

from urllib.parse import quote

from django.contrib import messages
from django.db import transaction
from django.http import FileResponse, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from xietong.core.audit import audit_record
from xietong.core.errors import ApplicationError, NotFound
from xietong.core.http import AuthedRequest
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


@require_POST
def attachment_upload(request: AuthedRequest, subject_type: str, subject_id: int) -> HttpResponse:
    subject = subject_access(request.user, subject_type, subject_id)
    upload = request.FILES.get("file")
    error: object = None
    if upload is None:
        error = _("请选择要上传的文件")
    else:
        try:
            attachment_add(actor=request.user, subject=subject, upload=upload, topic=request.POST.get("topic", ""))
        except ApplicationError as exc:
            error = exc.fields.get("file") or exc.message
    if request.htmx:
        return render(
            request,
            "items/_attachments.html",
            {"subject": subject, "attachments": attachments_of(subject), "attachment_error": error},
        )
    if error:
        messages.error(request, str(error))
    else:
        messages.success(request, _("附件已上传"))
    return redirect(_back(subject) + "#attachments")


@require_GET
def attachment_download(request: AuthedRequest, attachment_id: int) -> FileResponse:
    try:
        attachment = Attachment.objects.get(pk=attachment_id)
    except Attachment.DoesNotExist as exc:
        raise NotFound() from exc
    subject = subject_access(request.user, attachment.subject_type, attachment.subject_id)
    with transaction.atomic():
        audit_record(
            actor=request.user,
            action="items.attachment.download",
            obj=subject,
            after={"attachment": attachment.pk, "name": attachment.name},
        )
    response = FileResponse(
        attachment.file.open("rb"), content_type=attachment.content_type or "application/octet-stream"
    )
    response["Content-Disposition"] = f"attachment; filename*=UTF-8''{quote(attachment.name)}"
    response["X-Content-Type-Options"] = "nosniff"
    return response
