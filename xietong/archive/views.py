"""Search (检索) and archive (归档) pages. Everything goes through the permission filter first."""

from __future__ import annotations

import datetime as dt
import json
from functools import partial
from urllib.parse import quote, urlencode

from django.contrib import messages
from django.core.paginator import Paginator
from django.db import transaction
from django.http import HttpResponse, StreamingHttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from xietong.archive.document_kinds import DOCUMENT_OF
from xietong.archive.documents import document_label
from xietong.archive.models import ArchiveRecord, DocumentStatus
from xietong.archive.search import SearchFilters, search
from xietong.archive.services import (
    archive_delete,
    archive_hold,
    archive_release,
    deletion_refusal,
    may_manage_archive,
)
from xietong.archive.subjects import work_item_models
from xietong.archive.templatetags.archive_values import filed_value
from xietong.archive.type_labels import type_label
from xietong.core import clock
from xietong.core.audit import audit_record
from xietong.core.errors import ApplicationError, NotFound
from xietong.core.http import AuthedRequest
from xietong.core.permissions import access
from xietong.core.zipstream import Member, text_member, zip_stream
from xietong.items.models import Attachment
from xietong.org.models import Department, Project


def _date(value: str | None) -> dt.date | None:
    try:
        return dt.date.fromisoformat(value) if value else None
    except ValueError:
        return None


def _int(value: str | None) -> int | None:
    try:
        return int(value) if value else None
    except ValueError:
        return None


def _type_choices() -> list[tuple[str, str]]:
    # Type labels are stored in Chinese (archive names, search documents); show them in the reader's language.
    return sorted(((label, _(type_label(model))) for label, model in work_item_models().items()), key=lambda c: c[1])


@require_GET
def search_page(request: AuthedRequest) -> HttpResponse:
    q = (request.GET.get("q") or "").strip()
    types = [t for t in request.GET.getlist("type") if t in work_item_models()]
    status = request.GET.get("status", "")
    filters = SearchFilters(
        types=types,
        project_id=_int(request.GET.get("project")),
        department_id=_int(request.GET.get("department")),
        date_from=_date(request.GET.get("from")),
        date_to=_date(request.GET.get("to")),
        status=status if status in DocumentStatus.values else "",
    )
    result = search(request.user, q, filters, page=_int(request.GET.get("page")) or 1) if q else None
    params = request.GET.copy()
    params.pop("page", None)
    return render(
        request,
        "archive/search.html",
        {
            "q": q,
            "result": result,
            "filters": filters,
            "type_choices": _type_choices(),
            "projects": Project.objects.restrict(request.user).order_by("name"),
            "departments": Department.objects.order_by("sort_order", "pk"),
            "statuses": DocumentStatus.choices,
            "query_string": params.urlencode(),
        },
    )


@require_GET
def archive_list(request: AuthedRequest) -> HttpResponse:
    records = ArchiveRecord.objects.restrict(request.user).select_related("project")
    kind = request.GET.get("type", "")
    if kind:
        records = records.filter(subject_type=kind)
    project = _int(request.GET.get("project"))
    if project:
        records = records.filter(project_id=project)
    text = (request.GET.get("q") or "").strip()
    if text:
        from django.db.models import Q

        records = records.filter(Q(name__icontains=text) | Q(number__icontains=text) | Q(title__icontains=text))
    page = Paginator(records, 30).get_page(request.GET.get("page"))
    params = {k: v for k, v in request.GET.items() if k != "page" and v}
    return render(
        request,
        "archive/list.html",
        {
            "page": page,
            # Filed documents (the 协作总结报告) are a 类型 of their own in the archive, not in search.
            "type_choices": sorted(
                _type_choices() + [(doc, document_label(doc)) for doc in DOCUMENT_OF], key=lambda c: c[1]
            ),
            "projects": Project.objects.restrict(request.user).order_by("name"),
            "selected_type": kind,
            "selected_project": project,
            "q": text,
            "query_string": urlencode(params),
            "today": clock.today(),
        },
    )


@require_GET
def archive_detail(request: AuthedRequest, record_id: int) -> HttpResponse:
    record = access(
        request.user, ArchiveRecord.objects.select_related("project", "deleted_by", "legal_hold_by"), record_id
    )
    manager = may_manage_archive(request.user)
    existing = set(
        Attachment.objects.filter(subject_type=record.subject_type, subject_id=record.subject_id).values_list(
            "pk", flat=True
        )
    )
    model = work_item_models().get(record.subject_type)
    item = model._base_manager.filter(pk=record.subject_id).first() if model else None
    return render(
        request,
        "archive/detail.html",
        {
            "record": record,
            "item": item,
            "manifest": record.manifest,
            "existing_attachments": existing,
            "can_manage": manager,
            "refusal": deletion_refusal(record, clock.today()),
        },
    )


def _act(request: AuthedRequest, record_id: int, action) -> HttpResponse:
    try:
        action()
    except NotFound:
        raise  # out of reach: the 404 page, like the record's own page — not a message on it
    except ApplicationError as error:
        message = error.message if not error.fields else "；".join(str(m) for m in error.fields.values())
        messages.error(request, str(message))
    return redirect("archive-detail", record_id=record_id)


@require_POST
def archive_hold_view(request: AuthedRequest, record_id: int) -> HttpResponse:
    def act():
        archive_hold(actor=request.user, record_id=record_id, reason=request.POST.get("reason", ""))
        messages.success(request, _("已设置法律保全"))

    return _act(request, record_id, act)


@require_POST
def archive_release_view(request: AuthedRequest, record_id: int) -> HttpResponse:
    def act():
        archive_release(actor=request.user, record_id=record_id, reason=request.POST.get("reason", ""))
        messages.success(request, _("已解除法律保全"))

    return _act(request, record_id, act)


@require_POST
def archive_delete_view(request: AuthedRequest, record_id: int) -> HttpResponse:
    def act():
        archive_delete(actor=request.user, record_id=record_id, reason=request.POST.get("reason", ""))
        messages.success(request, _("归档资料已删除"))

    return _act(request, record_id, act)


@require_GET
def archive_download(request: AuthedRequest, record_id: int) -> StreamingHttpResponse:
    """The archive pack: the filed form and discussion (JSON and text) and every attachment version."""
    record = access(request.user, ArchiveRecord, record_id)
    if record.deleted_at is not None:
        raise ApplicationError(_("该归档资料已删除"))
    attachments = list(Attachment.objects.filter(subject_type=record.subject_type, subject_id=record.subject_id))
    form = "\n".join(
        f"{label}：{filed_value(value).replace(chr(10), '；')}" for label, value in record.manifest.get("form", [])
    )
    members: list[Member] = [
        text_member(f"{record.name}/归档内容.json", json.dumps(record.manifest, ensure_ascii=False, indent=2)),
        text_member(f"{record.name}/表单.txt", form),
        *((f"{record.name}/附件/{a.name}", partial(a.file.open, "rb")) for a in attachments),
    ]
    with transaction.atomic():
        audit_record(
            actor=request.user,
            action="archive.download",
            obj=record,
            after={"name": record.name, "attachments": [a.name for a in attachments]},
        )
    # Sent while it is compressed, a megabyte at a time: a pack of large attachments never sits in memory.
    response = StreamingHttpResponse(zip_stream(members), content_type="application/zip")
    response["Content-Disposition"] = f"attachment; filename*=UTF-8''{quote(record.name + '.zip')}"
    return response
