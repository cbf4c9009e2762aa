"""An attachment sent back to whoever may see its item, by the pages and by the API alike: downloaded under its
standard name (主题+版本+日期), never run as a page of the site, and each download audited on the item."""

from __future__ import annotations

import mimetypes
from pathlib import PurePath
from typing import Any
from urllib.parse import quote

from django.db import transaction
from django.db.models import Model
from django.http import FileResponse

from xietong.core.audit import audit_record
from xietong.core.filetypes import PREVIEW_TYPES
from xietong.items.models import Attachment


def attachment_response(attachment: Attachment, *, inline: bool) -> FileResponse:
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


def attachment_download(*, actor: Any, attachment: Attachment, subject: Model) -> FileResponse:
    """The file as a download, recorded on its item (the caller has checked that `actor` sees `subject`)."""
    with transaction.atomic():
        audit_record(
            actor=actor,
            action="items.attachment.download",
            obj=subject,
            after={"attachment": attachment.pk, "name": attachment.name},
        )
    return attachment_response(attachment, inline=False)
