"""Shared writes for process items: numbers, comments with @mentions, versioned attachments."""

from __future__ import annotations

import hashlib
import re
import uuid
from collections.abc import Callable
from pathlib import PurePath

from django.apps import apps
from django.conf import settings
from django.core.files.uploadedfile import UploadedFile
from django.db import models, transaction
from django.utils.translation import gettext as _

from xietong.core import clock
from xietong.core.audit import audit_record
from xietong.core.errors import ApplicationError, NotFound
from xietong.core.filenames import file_name_problem
from xietong.core.filetypes import content_problem
from xietong.core.permissions import access
from xietong.core.uploads import max_upload_bytes
from xietong.items.models import Attachment, Comment, WorkItem
from xietong.items.replies import after_comment, assist_without_anyone
from xietong.org.models import Person

DEFAULT_ALLOWED_EXTENSIONS = [
    ".pdf",
    ".doc",
    ".docx",
    ".xls",
    ".xlsx",
    ".ppt",
    ".pptx",
    ".txt",
    ".csv",
    ".md",
    ".png",
    ".jpg",
    ".jpeg",
    ".gif",
    ".webp",
    ".zip",
    ".rar",
    ".7z",
    ".vsdx",
    ".xmind",
]


# Checks every shared write runs first, e.g. "archived items are read-only" (registered by the archive).
# Each is called with (subject, what is being done) and raises ApplicationError to refuse.
_WRITE_GUARDS: list[Callable[[models.Model, str], None]] = []


def register_write_guard(guard: Callable[[models.Model, str], None]) -> None:
    if guard not in _WRITE_GUARDS:
        _WRITE_GUARDS.append(guard)


def check_writable(subject: models.Model, what: str) -> None:
    for guard in _WRITE_GUARDS:
        guard(subject, what)


def subject_key(subject: models.Model) -> tuple[str, int]:
    return subject._meta.label_lower, int(subject.pk)


def subject_access(user, subject_type: str, subject_id: int, action: str = "view") -> models.Model:
    """Fetch an item named by type and id, through the permission filter (NotFound otherwise)."""
    try:
        model = apps.get_model(subject_type)
    except (LookupError, ValueError) as exc:
        raise NotFound() from exc
    if not issubclass(model, WorkItem):  # only process items carry comments and attachments
        raise NotFound()
    return access(user, model, subject_id, action)


_MENTION = re.compile(r"@([\w\u4e00-\u9fff.-]{1,40})")


def mentioned_people(body: str, candidates: models.QuerySet[Person]) -> list[Person]:
    """@李娜 or @lina → that person, if among the candidates (people who may see the item)."""
    names = set(_MENTION.findall(body))
    if not names:
        return []
    return list(candidates.filter(models.Q(username__in=names) | models.Q(name__in=names), is_active=True))


@transaction.atomic
def comment_add(*, actor: Person, subject: models.Model, body: str) -> Comment:
    body = (body or "").strip()
    if not body:
        raise ApplicationError(fields={"body": _("评论内容不能为空")})
    if len(body) > 5000:
        raise ApplicationError(fields={"body": _("评论不能超过 5000 字")})
    check_writable(subject, _("发表评论"))
    # Only people who can see the item can be mentioned: a mention must not leak it.
    visible = [p for p in mentioned_people(body, Person.objects.all()) if p.pk != actor.pk and _can_see(p, subject)]
    if assist_without_anyone(body, visible):
        raise ApplicationError(fields={"body": _("标记【需协助】时请 @ 需要协助的人（须能查看此事项）")})
    subject_type, subject_id = subject_key(subject)
    comment = Comment.objects.create(subject_type=subject_type, subject_id=subject_id, author=actor, body=body)
    comment.mentions.set(visible)
    audit_record(
        actor=actor,
        action="items.comment.add",
        obj=subject,
        after={"comment": comment.pk, "body": body[:200], "mentions": [p.pk for p in visible]},
    )
    after_comment(actor=actor, subject=subject, comment=comment, mentioned=visible)
    if visible:
        from xietong.notify.services import notify

        notify(
            recipients=visible,
            kind="mention",
            title=_("%(actor)s 在“%(subject)s”中提到了您") % {"actor": actor.display_name, "subject": subject},
            body=body[:500],
            url=subject.get_absolute_url() + "#comments" if hasattr(subject, "get_absolute_url") else "",
            subject=subject,
        )
    return comment


def _can_see(person: Person, subject: models.Model) -> bool:
    return type(subject)._default_manager.restrict(person).filter(pk=subject.pk).exists()  # type: ignore[attr-defined]


def allowed_extensions() -> list[str]:
    return getattr(settings, "XIETONG_ATTACHMENT_EXTENSIONS", DEFAULT_ALLOWED_EXTENSIONS)


def max_attachment_bytes() -> int:
    return max_upload_bytes()


def attachment_name(topic: str, version: int, day, extension: str) -> str:
    """主题+版本+日期: 需求说明书V2-20260520.docx"""
    return f"{topic}V{version}-{day:%Y%m%d}{extension}"


def attachment_problem(upload: UploadedFile) -> str | None:
    """Why `upload` may not be attached (its name, type or size against the settings), or None — checked
    by attachment_add and by forms that take files before their item exists (a designed process's fields)."""
    original = PurePath(upload.name or "").name
    if (problem := file_name_problem(original)) is not None:
        return problem
    extension = PurePath(original).suffix.lower()
    if extension not in allowed_extensions():
        return _("不允许上传“%(ext)s”类型的文件；允许：%(allowed)s") % {
            "ext": extension or _("无扩展名"),
            "allowed": " ".join(allowed_extensions()),
        }
    limit = max_attachment_bytes()
    if upload.size is None or upload.size > limit:
        return _("文件大小 %(size).1f MB 超过上限 %(limit)d MB") % {
            "size": (upload.size or 0) / 1048576,
            "limit": limit // 1048576,
        }
    return content_problem(extension, upload)


_TOPIC_BAD = re.compile(r'[\\/:*?"<>|\x00-\x1f]')


@transaction.atomic
def attachment_add(*, actor: Person, subject: models.Model, upload: UploadedFile, topic: str = "") -> Attachment:
    """Attach a file; the same topic again becomes its next version. Size and type are checked first."""
    check_writable(subject, _("上传附件"))
    original = PurePath(upload.name or "").name
    if (problem := file_name_problem(original)) is not None:
        raise ApplicationError(fields={"file": problem})
    extension = PurePath(original).suffix.lower()
    topic = _TOPIC_BAD.sub("", (topic or PurePath(original).stem).strip())[:80]
    if not topic:
        raise ApplicationError(fields={"file": _("请填写附件主题")})
    if (problem := attachment_problem(upload)) is not None:
        raise ApplicationError(fields={"file": problem})
    subject_type, subject_id = subject_key(subject)
    latest = (
        Attachment.objects.select_for_update()
        .filter(subject_type=subject_type, subject_id=subject_id, topic=topic)
        .order_by("-version")
        .first()
    )
    version = (latest.version + 1) if latest else 1
    digest = hashlib.sha256()
    for chunk in upload.chunks():
        digest.update(chunk)
    upload.seek(0)
    attachment = Attachment(
        subject_type=subject_type,
        subject_id=subject_id,
        topic=topic,
        version=version,
        name=attachment_name(topic, version, clock.today(), extension),
        original_name=original[:255],
        stored_name=f"{uuid.uuid4().hex}{extension}",
        size=upload.size or 0,  # attachment_problem refused a file of unknown size
        content_type=(upload.content_type or "")[:120],
        sha256=digest.hexdigest(),
        uploaded_by=actor,
    )
    attachment.file.save(attachment.stored_name, upload, save=False)
    try:
        attachment.save()
        audit_record(
            actor=actor,
            action="items.attachment.add",
            obj=subject,
            after={"attachment": attachment.pk, "name": attachment.name, "sha256": attachment.sha256},
        )
    except Exception:
        attachment.file.delete(save=False)  # no row, no file
        raise
    return attachment


def attachments_of(subject: models.Model) -> list[Attachment]:
    subject_type, subject_id = subject_key(subject)
    return list(
        Attachment.objects.filter(subject_type=subject_type, subject_id=subject_id).select_related("uploaded_by")
    )


def comments_of(subject: models.Model) -> list[Comment]:
    subject_type, subject_id = subject_key(subject)
    return list(Comment.objects.filter(subject_type=subject_type, subject_id=subject_id).select_related("author"))
