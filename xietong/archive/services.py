"""Writes to the archive: filing a closed item, legal hold, and deletion once the retention has run out.

Archived items are read-only: `archive_guard` is registered with the shared comment and attachment
writes, and every process service already refuses changes to a closed item by its state.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db import models, transaction
from django.utils.translation import gettext as _

from xietong.archive.models import MIN_RETENTION_YEARS, ArchiveRecord, RetentionPolicy, SearchDocument
from xietong.archive.rows import child_rows
from xietong.archive.subjects import work_item_model
from xietong.archive.type_labels import type_label
from xietong.core import clock
from xietong.core.audit import audit_record
from xietong.core.errors import ApplicationError, Forbidden, InvalidState, NotFound
from xietong.items.collaboration import collaboration_label
from xietong.items.models import Attachment, Comment, WorkItem
from xietong.org.models import Person


def add_years(day: dt.date, years: int) -> dt.date:
    """The same calendar day `years` later; 29 February becomes 28 February in a common year."""
    try:
        return day.replace(year=day.year + years)
    except ValueError:
        return day.replace(year=day.year + years, day=28)


def retention_years(subject_type: str) -> int:
    policy = RetentionPolicy.objects.filter(subject_type=subject_type).first()
    return max(MIN_RETENTION_YEARS, policy.years if policy else MIN_RETENTION_YEARS)


def archive_name(item: WorkItem, day: dt.date) -> str:
    """协作类型-项目名称-日期 (000 二（五）), e.g. 跨部门事务对接-智能手表项目-2026-05-20, where the item has a
    collaboration type; else the process's type (需求协作-智能手表项目-2026-05-20; a designed process's own
    name, 费用报销-…). An item in no project (an emergency may be reported without one) is filed under the
    first department it names, else its title."""
    kind = collaboration_label(item) or _kind(item)
    return f"{kind}-{_filed_under(item)}-{day:%Y-%m-%d}"


def _kind(item: WorkItem) -> str:
    """The item's own 类型 when its type holds several processes (a designed process's name), else its type's."""
    return getattr(item, "kind_label", None) or type_label(type(item))


def _filed_under(item: WorkItem) -> str:
    if item.project_id:
        return item.project.name
    for field in type(item).department_fields:
        department = getattr(item, field, None)
        if department is not None:
            return department.name
    return item.title


def may_manage_archive(person: Any) -> bool:
    """Legal hold and deletion: the coordinating office (综合管理部) and administrators."""
    return bool(getattr(person, "is_superuser", False) or getattr(person, "is_coordinator", False))


def _value(obj: models.Model, f: models.Field) -> Any:
    if f.is_relation:
        related = getattr(obj, f.name, None)
        return str(related) if related is not None else None
    if f.choices:
        return str(getattr(obj, f"get_{f.name}_display")())
    value = getattr(obj, f.attname)
    if isinstance(value, dt.datetime):
        return clock.local(value).strftime("%Y-%m-%d %H:%M")
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, list | dict):
        return value  # JSON as it is (an agenda is a list), read by the archive page's filed_value
    return value if isinstance(value, bool | int | float | str) or value is None else str(value)


def form_of(obj: models.Model, parent: models.Model | None = None) -> list[list[Any]]:
    """[label, value] for every labelled field of the form, as filed (unlabelled fields such as a
    row's position, and the link back to its parent item, are bookkeeping, not content)."""
    rows = []
    content = getattr(type(obj), "content_fields", ())
    for f in obj._meta.concrete_fields:
        if f.name == "id" or str(f.verbose_name) == f.name.replace("_", " ") or f.name in content:
            continue
        if parent is not None and f.is_relation and f.related_model is type(parent):
            continue
        value = _value(obj, f)
        if value and f.name in getattr(type(obj), "coded_fields", ()):  # a code in words (indexing._labelled_text)
            value = obj.shown_code(f.name, value, parent or obj)  # type: ignore[attr-defined]
        rows.append([str(f.verbose_name), value])
    if content:  # a form kept as data (a designed process's values): its fields as the form labels them
        rows += [[label, text] for label, text in obj.content_rows()]  # type: ignore[attr-defined]
    return rows


def manifest_of(item: WorkItem) -> dict[str, Any]:
    """What is filed: the form, the rows that belong to it (criteria, minutes …), related items that
    point at it (tasks, deliverables, exception reports …), the discussion, every attachment version."""
    from xietong.archive.subjects import work_item_models

    label = item._meta.label_lower
    children = [{"type": str(child._meta.verbose_name), "form": form_of(child, item)} for child in child_rows(item)]
    related = []
    for other_label, model in work_item_models().items():
        for f in model._meta.concrete_fields:
            if f.is_relation and f.related_model is type(item):
                for other in model._base_manager.filter(**{f.name: item}).order_by("pk")[:500]:
                    related.append({"type": other_label, "id": other.pk, "number": other.number, "title": other.title})
    comments = Comment.objects.filter(subject_type=label, subject_id=item.pk).select_related("author")
    attachments = Attachment.objects.filter(subject_type=label, subject_id=item.pk).order_by("topic", "version")
    return {
        "form": form_of(item),
        "children": children,
        "related": related,
        "comments": [
            {
                "author": c.author.display_name,
                "at": clock.local(c.created_at).strftime("%Y-%m-%d %H:%M"),
                "body": c.body,
            }
            for c in comments
        ],
        "attachments": [
            {
                "id": a.pk,
                "name": a.name,
                "topic": a.topic,
                "version": a.version,
                "size": a.size,
                "sha256": a.sha256,
                "uploaded_at": clock.local(a.uploaded_at).strftime("%Y-%m-%d %H:%M"),
            }
            for a in attachments
        ],
    }


@transaction.atomic
def archive_item(*, item: WorkItem) -> ArchiveRecord:
    """File a closed item (the worker calls this once `closed_at` is set). Idempotent."""
    label = item._meta.label_lower
    existing = ArchiveRecord.objects.filter(subject_type=label, subject_id=item.pk).first()
    if existing is not None:
        return existing
    now = clock.now()
    closed_day = clock.local(item.closed_at or now).date()
    archived_day = clock.local(now).date()
    record = ArchiveRecord.objects.create(
        subject_type=label,
        subject_id=item.pk,
        number=item.number,
        title=item.title[:255],
        type_label=_kind(item),
        name=archive_name(item, closed_day),
        project_id=item.project_id,
        archived_at=now,
        retention_until=add_years(archived_day, retention_years(label)),
        manifest=manifest_of(item),
    )
    audit_record(
        actor=None,
        action="archive.file",
        obj=item,
        after={"archive": record.pk, "name": record.name, "retention_until": record.retention_until},
    )
    return record


def archived_record(subject: models.Model) -> ArchiveRecord | None:
    return ArchiveRecord.objects.filter(subject_type=subject._meta.label_lower, subject_id=subject.pk).first()


def archive_guard(subject: models.Model, what: str) -> None:
    """Refuse a write to an archived item (registered with items.services)."""
    record = archived_record(subject)
    if record is not None:
        raise InvalidState(
            _("该事项已于 %(day)s 归档为“%(name)s”，归档后只读，不能再%(what)s")
            % {"day": clock.local(record.archived_at).strftime("%Y-%m-%d"), "name": record.name, "what": what}
        )


def _locked(record_id: int, actor: Person) -> ArchiveRecord:
    if not may_manage_archive(actor):
        if not ArchiveRecord.objects.restrict(actor).filter(pk=record_id).exists():
            raise NotFound()
        raise Forbidden(_("只有综合管理部或系统管理员可以管理归档的保全与删除"))
    record = ArchiveRecord.objects.select_for_update().filter(pk=record_id).first()
    if record is None:
        raise NotFound()
    return record


def _subject_or_none(record: ArchiveRecord) -> models.Model | None:
    model = work_item_model(record.subject_type)
    return model._base_manager.filter(pk=record.subject_id).first() if model else None


def _audit(actor: Person, action: str, record: ArchiveRecord, **kwargs: Any) -> None:
    subject = _subject_or_none(record)
    if subject is not None:
        audit_record(actor=actor, action=action, obj=subject, **kwargs)
    else:
        audit_record(actor=actor, action=action, obj=record, **kwargs)


@transaction.atomic
def archive_hold(*, actor: Person, record_id: int, reason: str) -> ArchiveRecord:
    """法律保全: blocks deletion, whatever the retention date, until released."""
    record = _locked(record_id, actor)
    reason = (reason or "").strip()
    if not reason:
        raise ApplicationError(fields={"reason": _("请填写保全原因（如诉讼、审计、监管调查）")})
    if record.deleted_at is not None:
        raise InvalidState(_("该归档已删除"))
    before = {"legal_hold": record.legal_hold, "legal_hold_reason": record.legal_hold_reason}
    record.legal_hold, record.legal_hold_reason = True, reason[:300]
    record.legal_hold_by, record.legal_hold_at = actor, clock.now()
    record.save(update_fields=["legal_hold", "legal_hold_reason", "legal_hold_by", "legal_hold_at"])
    _audit(actor, "archive.hold", record, before=before, after={"legal_hold": True, "legal_hold_reason": reason})
    return record


@transaction.atomic
def archive_release(*, actor: Person, record_id: int, reason: str = "") -> ArchiveRecord:
    record = _locked(record_id, actor)
    if not record.legal_hold:
        raise InvalidState(_("该归档未处于法律保全"))
    before = {"legal_hold": True, "legal_hold_reason": record.legal_hold_reason}
    record.legal_hold, record.legal_hold_reason = False, ""
    record.save(update_fields=["legal_hold", "legal_hold_reason"])
    _audit(actor, "archive.release", record, before=before, after={"legal_hold": False, "reason": reason})
    return record


def deletion_refusal(record: ArchiveRecord, today: dt.date) -> str | None:
    """Why this record may not be deleted today, or None."""
    if record.deleted_at is not None:
        return _("该归档已于 %(day)s 删除") % {"day": clock.local(record.deleted_at).strftime("%Y-%m-%d")}
    if record.legal_hold:
        return _("该归档处于法律保全（%(reason)s），解除保全前不可删除") % {"reason": record.legal_hold_reason}
    if today < record.retention_until:
        return _("保存期限至 %(day)s，届时才可删除") % {"day": record.retention_until.isoformat()}
    return None


@transaction.atomic
def archive_delete(*, actor: Person, record_id: int, reason: str) -> ArchiveRecord:
    """Delete the archived documents once the retention has run out and no legal hold applies.

    Removes: every attachment version of the item (file and row), every comment, and their search
    documents; the filed manifest is reduced to what was deleted. Kept: the item's own row (other
    records and the audit trail refer to it), the archive record (marked deleted) and the audit trail.
    """
    record = _locked(record_id, actor)
    refusal = deletion_refusal(record, clock.today())
    if refusal:
        raise ApplicationError(refusal)
    reason = (reason or "").strip()
    if not reason:
        raise ApplicationError(fields={"reason": _("请填写删除原因")})
    attachments = list(
        Attachment.objects.filter(subject_type=record.subject_type, subject_id=record.subject_id).order_by(
            "topic", "version"
        )
    )
    comments = Comment.objects.filter(subject_type=record.subject_type, subject_id=record.subject_id)
    removed = {
        "attachments": [{"name": a.name, "sha256": a.sha256} for a in attachments],
        "comments": comments.count(),
    }
    files = [a.file for a in attachments if a.file]
    comments.delete()
    Attachment.objects.filter(pk__in=[a.pk for a in attachments]).delete()
    SearchDocument.objects.filter(subject_type=record.subject_type, subject_id=record.subject_id).exclude(
        kind="item"
    ).delete()
    record.deleted_at, record.deleted_by, record.deletion_reason = clock.now(), actor, reason[:300]
    record.manifest = {"deleted": removed}
    record.save(update_fields=["deleted_at", "deleted_by", "deletion_reason", "manifest"])
    _audit(
        actor,
        "archive.delete",
        record,
        before={"archive": record.pk, "name": record.name, **removed},
        after={"deleted": True, "reason": reason},
    )

    def remove_files() -> None:  # after commit: a rolled-back deletion keeps its files
        for stored in files:
            stored.delete(save=False)

    transaction.on_commit(remove_files)
    return record
