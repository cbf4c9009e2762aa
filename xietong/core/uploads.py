"""Uploads are refused before they cost the server anything (issue 23: a 300 MB POST was written to disk in
full, then refused by the size check).

Two guards, one limit (XIETONG_ATTACHMENT_MAX_MB, plus room for the form's other fields):
- UploadSizeMiddleware reads the declared Content-Length before anything reads the body. The API answers a
  JSON 413 with the limit; a page request keeps its body unread (an empty one is parsed instead) and its view
  shows `upload_refusal(request)` at its file field.
- CappedUploadHandler counts the bytes of each file as they stream in, whatever Content-Length said: past the
  limit the file is skipped (its bytes are read from the socket and dropped, never stored) and the refusal is
  recorded the same way, for the file's field.
"""

from __future__ import annotations

import io
from collections.abc import Callable

from django.conf import settings
from django.core.files.uploadhandler import FileUploadHandler, SkipFile
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.utils.translation import gettext as _

FORM_ALLOWANCE = 1024 * 1024  # the form's other fields and the multipart framing around the file


def max_upload_bytes() -> int:
    return int(getattr(settings, "XIETONG_ATTACHMENT_MAX_MB", 20)) * 1024 * 1024


def too_large_message(size: int | None = None) -> str:
    limit = max_upload_bytes() // (1024 * 1024)
    if size is None:
        return _("文件超过上限 %(limit)d MB，未保存；请压缩或拆分后再上传") % {"limit": limit}
    return _("文件大小 %(size).1f MB 超过上限 %(limit)d MB") % {"size": size / 1048576, "limit": limit}


def upload_refusal(request: HttpRequest, field: str = "file") -> str | None:
    """The refusal recorded for this request's upload (at `field`, or for the whole body), if any."""
    refusals: dict[str, str] = getattr(request, "upload_refusals", {})
    return refusals.get(field) or refusals.get("*")


def _refuse(request: HttpRequest, field: str, message: str) -> None:
    refusals = getattr(request, "upload_refusals", None)
    if refusals is None:
        refusals = {}
        request.upload_refusals = refusals  # type: ignore[attr-defined]
    refusals.setdefault(field, message)


class UploadSizeMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        try:
            declared = int(request.META.get("CONTENT_LENGTH") or 0)
        except ValueError:
            declared = 0
        if declared > max_upload_bytes() + FORM_ALLOWANCE:
            message = too_large_message(declared)
            if request.path.startswith("/api/"):
                return JsonResponse({"code": "too_large", "message": message, "fields": {}}, status=413)
            if not request.headers.get("HX-Request"):
                # A plain form post (no script on the page): the body stays unread, the page says why.
                return render(request, "413.html", {"message": message}, status=413)
            # The body is never read: the view sees an empty form and shows the refusal at its file field.
            request._stream = io.BytesIO(b"")  # type: ignore[attr-defined]
            request.META["CONTENT_LENGTH"] = "0"
            _refuse(request, "*", message)
        return self.get_response(request)


class CappedUploadHandler(FileUploadHandler):
    """First of FILE_UPLOAD_HANDLERS: stops each file at the limit while it streams."""

    def new_file(self, field_name, *args, **kwargs):  # type: ignore[no-untyped-def]
        super().new_file(field_name, *args, **kwargs)
        self.received = 0

    def receive_data_chunk(self, raw_data: bytes, start: int) -> bytes | None:
        self.received += len(raw_data)
        if self.received > max_upload_bytes():
            if self.request is not None:
                _refuse(self.request, self.field_name, too_large_message(None))
            raise SkipFile()
        return raw_data

    def file_complete(self, file_size: int) -> None:
        return None
