"""Files of a designed item over the API: /api/processes/{key}/items/{id}/attachments — list, upload (to the
item, or into one of the form's attachment fields) and download. The same rules as the pages: only people who
see the item (anyone else: 404), the attachment rules for name, type, content and size (items.services,
core.filetypes, core.uploads), a field's files only from the requester before (re)submitting, every upload and
download audited."""

import datetime as dt
from typing import Any

from django.db import transaction
from django.http import FileResponse
from django.utils.translation import gettext as _
from ninja import Field, File, Form, Router, Schema, Status, UploadedFile

from xietong.core.api_errors import responses
from xietong.core.errors import ApplicationError, NotFound
from xietong.core.http import AuthedRequest
from xietong.core.permissions import access
from xietong.core.uploads import upload_refusal
from xietong.designer.api import _items
from xietong.designer.definitions import definition_of
from xietong.designer.items import FILE_TYPES, field_files_attach, uploads_checked
from xietong.designer.models import DesignedItem, ItemState
from xietong.items.downloads import attachment_download
from xietong.items.models import Attachment
from xietong.items.services import attachment_add, attachments_of, subject_key

router = Router(tags=["processes"])


class AttachmentOut(Schema):
    id: int
    name: str = Field(description="标准文件名：主题+版本+日期，例如 发票V1-20261009.pdf")
    original_name: str
    topic: str
    version: int
    size: int
    content_type: str
    sha256: str
    uploaded_by_id: int
    uploaded_at: dt.datetime
    field: str | None = Field(None, description="所属附件字段的标识；事项附件为 null")


def _field_of(item: DesignedItem) -> dict[int, str]:
    """Which attachment field names each file (a field holds a pk, or a list of them)."""
    out: dict[int, str] = {}
    for key, value in (item.values or {}).items():
        for pk in value if isinstance(value, list) else [value]:
            if isinstance(pk, int):
                out.setdefault(pk, key)
    return out


def _out(item: DesignedItem, attachments: list[Attachment]) -> list[AttachmentOut]:
    definition = definition_of(item)
    file_keys = {f.key for f in definition.fields if f.type in FILE_TYPES}
    fields = {pk: key for pk, key in _field_of(item).items() if key in file_keys}
    return [
        AttachmentOut(
            id=a.pk,
            name=a.name,
            original_name=a.original_name,
            topic=a.topic,
            version=a.version,
            size=a.size,
            content_type=a.content_type,
            sha256=a.sha256,
            uploaded_by_id=a.uploaded_by_id,
            uploaded_at=a.uploaded_at,
            field=fields.get(a.pk),
        )
        for a in attachments
    ]


@router.get(
    "/{key}/items/{designed_id}/attachments",
    response=responses(list[AttachmentOut]),
    summary="设计流程：事项附件（含附件字段中的文件）",
)
def list_attachments(request: AuthedRequest, key: str, designed_id: int):
    item = access(request.user, _items(request, key), designed_id)
    return _out(item, attachments_of(item))


@router.post(
    "/{key}/items/{designed_id}/attachments",
    response=responses(AttachmentOut, 201),
    summary="设计流程：上传附件（field 为附件字段标识时放入该字段）",
)
def upload_attachment(
    request: AuthedRequest,
    key: str,
    designed_id: int,
    file: File[UploadedFile | None] = None,  # type: ignore[type-arg]
    field: Form[str] = "",  # type: ignore[type-arg]
    topic: Form[str] = "",  # type: ignore[type-arg]
):
    item = access(request.user, _items(request, key), designed_id)
    refusal = upload_refusal(request, "file")
    if refusal is not None:
        raise ApplicationError(refusal, fields={"file": refusal})
    if file is None:
        raise ApplicationError(_("请选择要上传的文件"), fields={"file": _("请选择要上传的文件")})
    if not field:
        attachment = attachment_add(actor=request.user, subject=item, upload=file, topic=topic)
        return Status(201, _out(item, [attachment])[0])
    definition = definition_of(item)
    target = next((f for f in definition.fields if f.key == field and f.type in FILE_TYPES), None)
    if target is None:
        raise ApplicationError(fields={"field": _("“%(key)s”不是此流程的附件字段") % {"key": field}})
    if item.created_by_id != request.user.pk:
        raise ApplicationError(_("只有发起人可以补充附件"))
    if item.state not in (ItemState.DRAFT, ItemState.RETURNED):
        raise ApplicationError(_("附件字段只能在提交前（草稿或退回后）补充"))
    uploads: dict[str, list[Any]] = {field: [file]}
    errors = uploads_checked(definition, uploads, item.values)
    if errors:
        raise ApplicationError("；".join(errors.values()), fields=errors)
    before = {a.pk for a in attachments_of(item)}
    with transaction.atomic():
        field_files_attach(actor=request.user, item=item, definition=definition, uploads=uploads)
    added = [a for a in attachments_of(item) if a.pk not in before]
    return Status(201, _out(item, added)[0])


@router.get(
    "/{key}/items/{designed_id}/attachments/{attachment_id}",
    response=responses(None),
    summary="设计流程：下载附件",
    openapi_extra={
        "responses": {
            200: {
                "description": "附件文件",
                "content": {"application/octet-stream": {"schema": {"type": "string", "format": "binary"}}},
            }
        }
    },
)
def download_attachment(request: AuthedRequest, key: str, designed_id: int, attachment_id: int) -> FileResponse:
    item = access(request.user, _items(request, key), designed_id)
    subject_type, subject_id = subject_key(item)
    attachment = Attachment.objects.filter(pk=attachment_id, subject_type=subject_type, subject_id=subject_id).first()
    if attachment is None:
        raise NotFound()
    return attachment_download(actor=request.user, attachment=attachment, subject=item)
