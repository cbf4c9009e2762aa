"""Keeping the search index up to date: the audit hook queues a changed item, the worker re-indexes it
(and archives it once closed), `xietong search reindex` rebuilds everything.

What an item exposes is decided here, generically: number, title and every text field of the item and
of the rows that belong to it (minutes, criteria, progress updates …), each comment, and the text of
every version of every attachment.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import logging
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

from django.db import models, transaction
from django.db.models import Q
from django.urls import reverse

from xietong.archive.document_kinds import DOCUMENT_OF
from xietong.archive.documents import FILERS, filed_documents
from xietong.archive.extract import attachment_text, extract_pending
from xietong.archive.models import (
    ArchiveRecord,
    DirtySubject,
    DocumentKind,
    DocumentStatus,
    ExtractedText,
    SearchDocument,
    TextState,
    bar_keys,
)
from xietong.archive.rows import child_rows, children_of
from xietong.archive.subjects import work_item_model, work_item_models
from xietong.archive.tokens import document_tokens, reach_words
from xietong.archive.type_labels import type_label
from xietong.core import clock
from xietong.core.memo import memo_scope, memoized
from xietong.items.models import Attachment, Comment, WorkItem
from xietong.notices.richtext import plain_text

logger = logging.getLogger("xietong.archive")
CLAIM_LEASE = dt.timedelta(minutes=5)  # a worker that died while indexing: its rows are taken again after this
SECRET_WORDS = ("password", "secret", "token", "digest", "hash", "key")


# --- The hook: queue every changed item ---------------------------------------------------------
# Changes that leave every indexed word as it was: a clock firing (a reminder, an escalation, a limit
# running out) writes escalations and messages, never the item's text — and firings come by thousands.
UNINDEXED_PREFIXES = ("clock.",)


def queue_subject(object_type: str, object_id: str, action: str = "") -> None:
    """Called by audit_record in the transaction of every change: one upsert, nothing else."""
    if action.startswith(UNINDEXED_PREFIXES):
        return
    if work_item_model(object_type) is None or not str(object_id).isdigit():
        return
    DirtySubject.objects.bulk_create(
        [DirtySubject(subject_type=object_type, subject_id=int(object_id), token=uuid.uuid4().hex, claimed_at=None)],
        update_conflicts=True,
        unique_fields=["subject_type", "subject_id"],
        update_fields=["token", "claimed_at"],
    )


# --- What an item exposes -----------------------------------------------------------------------
def _is_text(f: models.Field) -> bool:
    return (
        isinstance(f, models.CharField | models.TextField)
        and not f.choices
        and not any(word in f.name.lower() for word in SECRET_WORDS)
        and f.name not in ("number", "title", "subject_type", "stored_name", "sha256", "content_type")
    )


def _labelled_text(obj: models.Model, item: WorkItem) -> list[tuple[str, str]]:
    """`item`: the item `obj` is or belongs to."""
    pairs = []
    rich = getattr(type(obj), "rich_text_fields", ())
    content = getattr(type(obj), "content_fields", ())
    coded = getattr(type(obj), "coded_fields", ())
    for f in obj._meta.concrete_fields:
        if _is_text(f) and f.name not in content:
            value = (getattr(obj, f.attname) or "").strip()
            if f.name in rich:
                value = plain_text(value, limit=len(value) + 1)
            if value and f.name in coded:  # a code in words: a designed step by its name (财务会签, not finance)
                value = obj.shown_code(f.name, value, item)  # type: ignore[attr-defined]
            if value:
                pairs.append((str(f.verbose_name), value))
    if content:  # a form kept as data (a designed process's values): its fields as the form labels them
        pairs += [(label, text) for label, text in obj.content_rows() if text]  # type: ignore[attr-defined]
    return pairs


def item_text(item: WorkItem, children: list[models.Model] | None = None) -> tuple[str, str]:
    """(what a snippet shows: "label：value" lines, what is indexed: the values only — field labels
    such as 需求背景 would otherwise make every request match 需求)."""
    pairs = _labelled_text(item, item)
    for child in child_rows(item) if children is None else children:
        pairs.extend(_labelled_text(child, item))
    return "\n".join(f"{label}：{value}" for label, value in pairs), "\n".join(value for _, value in pairs)


def _people_ids(item: WorkItem, many: set[int] | None = None) -> set[int]:
    """The people named by the item's participant fields (`many`: those of its many-to-many fields,
    when a bulk reindex read them already)."""
    ids: set[int] = set(many or ())
    for name in type(item).participant_fields:
        f = item._meta.get_field(name)
        if f.many_to_many:
            if many is None:
                ids |= set(getattr(item, name).values_list("pk", flat=True))
        else:
            value = getattr(item, f.attname)  # type: ignore[union-attr]
            if value is not None:
                ids.add(int(value))
    return ids


def _is_archived(item: WorkItem) -> bool:
    return ArchiveRecord.objects.filter(subject_type=item._meta.label_lower, subject_id=item.pk).exists()


def _status(item: WorkItem, archived: bool) -> str:
    if archived:
        return DocumentStatus.ARCHIVED
    return DocumentStatus.CLOSED if item.closed_at else DocumentStatus.OPEN


@dataclass
class Draft:
    kind: str
    source_id: int
    title: str
    body: str
    url: str
    occurred_at: dt.datetime
    words_of: str  # the text whose words are indexed


def drafts_for(item: WorkItem, preloaded: Preloaded | None = None) -> list[Draft]:
    label = item._meta.label_lower
    url = item.get_absolute_url() if hasattr(item, "get_absolute_url") else ""
    heading = f"{item.number} {item.title}"
    shown, indexed = item_text(item, None if preloaded is None else preloaded.children.get(item.pk, []))
    drafts = [Draft(DocumentKind.ITEM, 0, heading, shown, url, item.updated_at, f"{heading}\n{indexed}")]
    if preloaded is None:
        comments = list(Comment.objects.filter(subject_type=label, subject_id=item.pk).select_related("author"))
        attachments = list(Attachment.objects.filter(subject_type=label, subject_id=item.pk))
        texts: dict[str, str] = {}
    else:
        comments = preloaded.comments.get(item.pk, [])
        attachments = preloaded.attachments.get(item.pk, [])
        texts = preloaded.texts
    for comment in comments:
        drafts.append(
            Draft(
                DocumentKind.COMMENT,
                comment.pk,
                f"{heading} · {comment.author.display_name}的评论",
                comment.body,
                f"{url}#comments",
                comment.created_at,
                comment.body,
            )
        )
    documents = filed_documents(label, item.pk) if preloaded is None else preloaded.documents.get(item.pk, [])
    for record in documents:  # the 协作总结报告 filed for a request: found by its words, seen as the request is
        text = "\n".join(f"{name}：{value}" for name, value in record.manifest.get("form", []))
        drafts.append(
            Draft(
                DocumentKind.DOCUMENT,
                record.pk,
                record.name,
                text,
                record.get_absolute_url(),
                record.archived_at,
                f"{record.name}\n{record.title}\n{text}",
            )
        )
    for attachment in attachments:
        text = texts[attachment.sha256] if attachment.sha256 in texts else attachment_text(attachment)
        drafts.append(
            Draft(
                DocumentKind.ATTACHMENT,
                attachment.pk,
                attachment.name,
                text,
                _download_url(attachment.pk),
                attachment.uploaded_at,
                f"{attachment.name}\n{text}",
            )
        )
    return drafts


def _download_url(pk: int) -> str:
    """reverse("attachment-download") once, then the same path with each attachment's id."""
    sentinel = 987654321
    template = memoized("archive-download-url", lambda: reverse("attachment-download", args=[sentinel]))
    return template.replace(str(sentinel), str(pk))


@dataclass
class Preloaded:
    """What the documents of a batch of items need besides the items: read in one query each."""

    comments: dict[int, list[Comment]]
    attachments: dict[int, list[Attachment]]
    texts: dict[str, str]  # extracted text by content hash
    children: dict[int, list[models.Model]]  # the rows filed with each item (child_rows)
    people: dict[int, set[int]]  # the people of each item's many-to-many participant fields
    documents: dict[int, list[ArchiveRecord]] = field(default_factory=dict)  # filed documents (archive.documents)

    @classmethod
    def load(cls, label: str, model: type[WorkItem], ids: list[int]) -> Preloaded:
        comments: dict[int, list[Comment]] = {}
        for comment in (
            Comment.objects.filter(subject_type=label, subject_id__in=ids).select_related("author").order_by("pk")
        ):
            comments.setdefault(comment.subject_id, []).append(comment)
        attachments: dict[int, list[Attachment]] = {}
        for attachment in Attachment.objects.filter(subject_type=label, subject_id__in=ids).order_by("pk"):
            attachments.setdefault(attachment.subject_id, []).append(attachment)
        hashes = {a.sha256 for rows in attachments.values() for a in rows}
        texts = dict(
            ExtractedText.objects.filter(sha256__in=hashes, outcome=TextState.DONE).values_list("sha256", "text")
        )
        people: dict[int, set[int]] = {pk: set() for pk in ids}
        for name in model.participant_fields:
            f = model._meta.get_field(name)
            if f.many_to_many:
                through = f.remote_field.through  # type: ignore[union-attr]
                source, target = f.m2m_column_name(), f.m2m_reverse_name()  # type: ignore[union-attr]
                for owner, person in through.objects.filter(**{f"{source}__in": ids}).values_list(source, target):
                    people[owner].add(person)
        documents: dict[int, list[ArchiveRecord]] = {}
        if label in DOCUMENT_OF.values():
            types = [doc for doc, item in DOCUMENT_OF.items() if item == label]
            for record in ArchiveRecord.objects.filter(
                subject_type__in=types, subject_id__in=ids, deleted_at__isnull=True
            ).order_by("pk"):
                documents.setdefault(record.subject_id, []).append(record)
        return cls(comments, attachments, texts, children_of(model, ids), people, documents)


def _load(subject_type: str, subject_id: int) -> WorkItem | None:
    model = work_item_model(subject_type)
    return model._base_manager.select_related("project").filter(pk=subject_id).first() if model else None


def index_subject(subject_type: str, subject_id: int) -> int:
    """Bring the documents of one item in line with the item. Returns how many rows were written."""
    item = _load(subject_type, subject_id)
    return _index(subject_type, subject_id, item, item is not None and _is_archived(item))


def _documents(
    subject_type: str, item: WorkItem, archived: bool, preloaded: Preloaded | None = None
) -> Iterator[tuple[Draft, dict[str, Any]]]:
    """Each document of the item with the values its index row holds."""
    departments = [getattr(item, f"{name}_id") for name in type(item).department_fields]
    people = _people_ids(item, None if preloaded is None else preloaded.people.get(item.pk, set()))
    common = {
        "type_label": getattr(item, "kind_label", None)
        or memoized(("archive-type-label", subject_type), lambda: type_label(type(item))),
        "number": item.number,
        "status": _status(item, archived),
        "project_id": item.project_id,
        "created_by_id": item.created_by_id,
        "departments": bar_keys(departments),
        "participants": bar_keys(people),
    }
    keys = reach_words(
        subject_type=subject_type,
        project_id=item.project_id,
        created_by_id=item.created_by_id,
        participants=people,
        departments=[d for d in departments if d is not None],
    )
    for draft in drafts_for(item, preloaded):
        yield (
            draft,
            {
                **common,
                "title": draft.title[:255],
                "body": draft.body,
                "tokens": document_tokens(draft.words_of, draft.occurred_at, keys),
                "url": draft.url[:300],
                "occurred_at": draft.occurred_at,
            },
        )


def _digest(values: dict[str, Any]) -> str:
    return hashlib.sha256(repr(sorted(values.items())).encode()).hexdigest()


def _index(subject_type: str, subject_id: int, item: WorkItem | None, archived: bool) -> int:
    existing = {
        (d.kind, d.source_id): d
        for d in SearchDocument.objects.filter(subject_type=subject_type, subject_id=subject_id)
    }
    if item is None:
        SearchDocument.objects.filter(pk__in=[d.pk for d in existing.values()]).delete()
        return len(existing)
    written = 0
    for draft, values in _documents(subject_type, item, archived):
        digest = _digest(values)
        current = existing.pop((draft.kind, draft.source_id), None)
        if current is not None and current.digest == digest:
            continue
        if current is None:
            SearchDocument.objects.create(
                subject_type=subject_type, subject_id=subject_id, kind=draft.kind, source_id=draft.source_id,
                digest=digest, **values,
            )  # fmt: skip
        else:
            SearchDocument.objects.filter(pk=current.pk).update(digest=digest, **values)
        written += 1
    if existing:
        SearchDocument.objects.filter(pk__in=[d.pk for d in existing.values()]).delete()
        written += len(existing)
    return written


# --- The worker's sweep -------------------------------------------------------------------------
def subject_refresh(subject_type: str, subject_id: int) -> bool:
    """Everything that follows a change to one item: archive it if it was just closed, re-index it.
    Returns whether it was archived now."""
    from xietong.archive.services import archive_item

    item = _load(subject_type, subject_id)
    was_archived = item is not None and _is_archived(item)
    archived_now = item is not None and item.closed_at is not None and not was_archived
    if item is not None and archived_now:
        archive_item(item=item)
    if item is not None:
        for filer in FILERS.get(subject_type, ()):
            filer(item)  # e.g. the 协作总结报告, once the feedback round has closed
    _index(subject_type, subject_id, item, was_archived or archived_now)
    return archived_now


def index_sweep(batch_size: int = 200) -> int:
    """Claim up to `batch_size` queued items (skip-locked) and refresh each in its own transaction."""
    with memo_scope():  # facts read once per batch (type labels, calendars …), dropped when one changes
        return _index_batch(batch_size)


def _index_batch(batch_size: int) -> int:
    now = clock.now()
    with transaction.atomic():
        rows = list(
            DirtySubject.objects.filter(Q(claimed_at__isnull=True) | Q(claimed_at__lt=now - CLAIM_LEASE))
            .order_by("pk")
            .select_for_update(skip_locked=True)[:batch_size]
        )
        DirtySubject.objects.filter(pk__in=[r.pk for r in rows]).update(claimed_at=now)
    for row in rows:
        try:
            # Attachments' text first, outside any transaction: reading a file never holds a lock.
            retry = extract_pending(row.subject_type, row.subject_id)
            with transaction.atomic():
                archived = subject_refresh(row.subject_type, row.subject_id)
                tokens = {row.token}
                if archived:
                    # Archiving recorded an audit event, which re-queued the item under a new token (and
                    # holds its row until we commit): the index above already includes that change.
                    tokens |= set(DirtySubject.objects.filter(pk=row.pk).values_list("token", flat=True))
                DirtySubject.objects.filter(pk=row.pk, token__in=tokens).delete()
            if retry:  # an attachment failed once: the next pass tries it again (a second failure quarantines it)
                queue_subject(row.subject_type, str(row.subject_id))
        except Exception:  # the row stays claimed; another pass takes it after the lease
            logger.exception("indexing %s#%s failed", row.subject_type, row.subject_id)
    return len(rows)


def reindex_all(*, stdout=None, chunk: int = 500) -> int:
    """Rebuild every document of every item type (`xietong search reindex`), a chunk of items per
    transaction: the items with their rows, comments, attachments and extracted texts read in a few
    queries, the documents written with bulk inserts. Items closed but not yet filed are archived on the
    way, one by one, as the worker would. Returns the number of items; prints progress to `stdout`."""
    total = 0
    labels = work_item_models()
    SearchDocument.objects.exclude(subject_type__in=list(labels)).delete()
    started = time.monotonic()
    documents = 0
    for label, model in labels.items():
        ids = list(model._base_manager.order_by("pk").values_list("pk", flat=True))
        # Documents of items gone: a subquery, not the ids as parameters (PostgreSQL takes at most 65,535,
        # and a company has more items than that).
        SearchDocument.objects.filter(subject_type=label).exclude(
            subject_id__in=model._base_manager.values("pk")
        ).delete()
        for start in range(0, len(ids), chunk):
            with memo_scope():
                documents += _reindex_chunk(label, model, ids[start : start + chunk])
            total += len(ids[start : start + chunk])
            if stdout is not None:
                rate = documents / max(time.monotonic() - started, 1e-6)
                stdout.write(
                    f"{label}: {min(start + chunk, len(ids))}/{len(ids)} 项，{documents} 篇（{rate:.0f} 篇/秒）"
                )
    DirtySubject.objects.all().delete()
    # Attachments whose text was never read: their items go to the worker, which extracts outside any
    # transaction (and quarantines what fails twice) and indexes them again.
    extracted = ExtractedText.objects.filter(outcome__in=[TextState.DONE, TextState.QUARANTINED]).values("sha256")
    for subject_type, subject_id in (
        Attachment.objects.exclude(sha256__in=extracted).values_list("subject_type", "subject_id").distinct()
    ):
        queue_subject(subject_type, str(subject_id))
    return total


def _reindex_chunk(label: str, model: type[WorkItem], ids: list[int]) -> int:
    with transaction.atomic():
        items = list(model._base_manager.select_related("project").filter(pk__in=ids))
        archived = set(
            ArchiveRecord.objects.filter(subject_type=label, subject_id__in=ids).values_list("subject_id", flat=True)
        )
        filed_now = [item for item in items if item.closed_at is not None and item.pk not in archived]
        for item in filed_now:  # rare: the worker files closed items within seconds
            subject_refresh(label, item.pk)
        done = {item.pk for item in filed_now}
        preloaded = Preloaded.load(label, model, ids)
        rows = []
        for item in items:
            if item.pk in done:
                continue
            for draft, values in _documents(label, item, item.pk in archived, preloaded):
                where = {"subject_type": label, "subject_id": item.pk, "kind": draft.kind, "source_id": draft.source_id}
                rows.append(SearchDocument(**where, digest=_digest(values), **values))
        SearchDocument.objects.filter(subject_type=label, subject_id__in=[i for i in ids if i not in done]).delete()
        SearchDocument.objects.bulk_create(rows, batch_size=500)
    return len(rows)
