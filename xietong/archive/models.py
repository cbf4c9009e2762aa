"""The archive (归档) and the search index (检索): closed items kept with their documents under
"类型-项目名称-日期" for at least two years, and one searchable row per item, comment and attachment."""

from __future__ import annotations

from django.conf import settings
from django.core.validators import MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from xietong.archive.document_kinds import DOCUMENT_OF
from xietong.archive.tokens import type_word
from xietong.core import clock
from xietong.core.permissions import Reach, RestrictedQuerySet

MIN_RETENTION_YEARS = 2


class DirtySubject(models.Model):
    """An item changed: the worker brings its search documents (and its archive) up to date.

    Written by the audit hook in the transaction of the change. A later change replaces `token`, so
    the worker removes the row only if the token is still the one it read: nothing is ever lost.
    """

    subject_type = models.CharField(max_length=80)
    subject_id = models.BigIntegerField()
    token = models.CharField(max_length=32)
    claimed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("待索引事项")
        verbose_name_plural = _("待索引事项")
        constraints = [models.UniqueConstraint(fields=["subject_type", "subject_id"], name="one_dirty_row")]

    def __str__(self) -> str:
        return f"{self.subject_type}#{self.subject_id}"


class DocumentKind(models.TextChoices):
    ITEM = "item", _("事项")
    COMMENT = "comment", _("评论")
    ATTACHMENT = "attachment", _("附件")
    DOCUMENT = "document", _("归档文件")


class DocumentStatus(models.TextChoices):
    OPEN = "open", _("进行中")
    CLOSED = "closed", _("已关闭")
    ARCHIVED = "archived", _("已归档")


def bar_keys(ids) -> str:
    """{12, 15} → "|12|15|": a set of ids that a LIKE '%|12|%' finds (no join needed)."""
    ordered = sorted({int(i) for i in ids if i is not None})
    return "|" + "|".join(map(str, ordered)) + "|" if ordered else ""


class SearchDocumentQuerySet(RestrictedQuerySet["SearchDocument"]):
    pass


class SearchDocument(models.Model):
    """One searchable thing: an item, one comment on it, or one version of one of its attachments.

    `tokens` holds the jieba words (space separated) that SQLite FTS5 and PostgreSQL's GIN index see.
    The visibility keys copy what WorkItem.reach_filter looks at, so `restrict(user)` shows a document
    exactly when the person may see its item.
    """

    subject_type = models.CharField(_("事项类型"), max_length=80)
    subject_id = models.BigIntegerField(_("事项编号"))
    kind = models.CharField(_("类别"), max_length=12, choices=DocumentKind.choices)
    source_id = models.BigIntegerField(default=0, help_text=_("评论或附件的编号；事项本身为 0"))
    type_label = models.CharField(_("类型"), max_length=60)
    number = models.CharField(_("编号"), max_length=40, blank=True)
    title = models.CharField(_("标题"), max_length=255)
    body = models.TextField(_("内容"), blank=True)
    tokens = models.TextField(blank=True)
    url = models.CharField(max_length=300, blank=True)
    status = models.CharField(_("状态"), max_length=10, choices=DocumentStatus.choices, default=DocumentStatus.OPEN)
    occurred_at = models.DateTimeField(_("时间"))
    project = models.ForeignKey(
        "org.Project", verbose_name=_("项目"), null=True, on_delete=models.CASCADE, related_name="+"
    )
    created_by_id = models.BigIntegerField(null=True)
    departments = models.CharField(max_length=255, blank=True)
    participants = models.TextField(blank=True)
    digest = models.CharField(max_length=64, blank=True)

    objects = SearchDocumentQuerySet.as_manager()

    class Meta:
        verbose_name = _("检索文档")
        verbose_name_plural = _("检索文档")
        constraints = [
            models.UniqueConstraint(
                fields=["subject_type", "subject_id", "kind", "source_id"], name="one_document_per_source"
            )
        ]
        indexes = [
            models.Index(fields=["subject_type", "subject_id"], name="searchdoc_subject"),
            # Newest first: a search with more matches than it ranks walks this backwards (search.RANK_WINDOW).
            models.Index(fields=["occurred_at", "id"], name="searchdoc_recent"),
        ]

    def __str__(self) -> str:
        return f"{self.type_label} {self.title}"

    @classmethod
    def reach_words(cls, reach: Reach) -> list[str] | None:
        """reach_filter as index words (tokens.reach_words): every document the person may see carries at
        least one of them, so the index can leave out the rest before any row is read; reach_filter
        still decides. Types with a rule of their own pass by their type word. None: sees everything."""
        if reach.sees_all or any(r.sees_all for r in reach.represented):
            return None
        from xietong.archive.subjects import custom_reach_models

        words: list[str] = []
        for one in (reach, *reach.represented):  # a stand-in (代理) sees what the absent person sees
            words += [f"xtp{pk}" for pk in sorted(one.project_ids)]
            words += [f"xtc{one.person_id}", f"xtu{one.person_id}"]
            words += [f"xtd{pk}" for pk in sorted(one.led_department_ids)]
        return list(dict.fromkeys(words)) + [type_word(label) for label in custom_reach_models()]

    @classmethod
    def reach_filter(cls, reach: Reach, action: str) -> Q | None:
        """WorkItem.reach_filter, on the copied keys. An item type that defines its own rule is checked
        against that rule directly (a subquery), so the index never shows more than the item page."""
        if reach.sees_all:
            return None
        from xietong.archive.subjects import custom_reach_models

        condition = (
            Q(project_id__in=reach.project_ids)
            | Q(created_by_id=reach.person_id)
            | Q(participants__contains=f"|{reach.person_id}|")
        )
        for department_id in sorted(reach.led_department_ids):
            condition |= Q(departments__contains=f"|{department_id}|")
        custom = custom_reach_models()
        if not custom:
            return condition
        condition &= ~Q(subject_type__in=list(custom))
        for label, model in custom.items():
            rule = model.reach_filter(reach, action)  # type: ignore[attr-defined]
            visible = model._base_manager.all() if rule is None else model._base_manager.filter(rule)
            condition |= Q(subject_type=label, subject_id__in=visible.values("pk"))
        return condition


class TextState(models.TextChoices):
    PENDING = "pending", _("待提取")
    RUNNING = "running", _("提取中")
    DONE = "done", _("已提取")
    FAILED = "failed", _("提取失败，将重试")
    QUARANTINED = "quarantined", _("已隔离")


class ExtractedText(models.Model):
    """The text of an attachment's content, extracted once per distinct file (by SHA-256). Each attempt is
    counted before it starts (archive/extract.py); content that failed twice is quarantined."""

    sha256 = models.CharField(max_length=64, unique=True)
    text = models.TextField(blank=True)
    note = models.CharField(max_length=200, blank=True)
    extracted_at = models.DateTimeField(default=clock.now)
    outcome = models.CharField(max_length=12, choices=TextState.choices, default=TextState.DONE)
    attempts = models.PositiveSmallIntegerField(default=0)
    claimed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("附件文本")
        verbose_name_plural = _("附件文本")

    def __str__(self) -> str:
        return self.sha256[:12]


class RetentionPolicy(models.Model):
    """How long one item type is kept after archiving (never less than 2 years), and its archive label."""

    subject_type = models.CharField(
        _("事项类型"), max_length=80, unique=True, help_text=_("例如 requests.request、risks.exceptionreport")
    )
    label = models.CharField(
        _("归档类型名称"), max_length=40, blank=True, help_text=_("归档名称中的“类型”，如 需求协作")
    )
    years = models.PositiveSmallIntegerField(
        _("保存年限"), default=MIN_RETENTION_YEARS, validators=[MinValueValidator(MIN_RETENTION_YEARS)]
    )

    class Meta:
        verbose_name = _("保存期限")
        verbose_name_plural = _("保存期限")
        ordering = ["subject_type"]
        constraints = [models.CheckConstraint(condition=Q(years__gte=MIN_RETENTION_YEARS), name="retention_two_years")]

    def __str__(self) -> str:
        return _("%(label)s：%(n)d 年") % {"label": self.label or self.subject_type, "n": self.years}

    def save(self, *args, **kwargs) -> None:
        if self.years is None or self.years < MIN_RETENTION_YEARS:
            from django.core.exceptions import ValidationError

            raise ValidationError({"years": _("保存年限不得少于 %(n)d 年") % {"n": MIN_RETENTION_YEARS}})
        super().save(*args, **kwargs)


class ArchiveRecordQuerySet(RestrictedQuerySet["ArchiveRecord"]):
    pass


class ArchiveRecord(models.Model):
    """A closed item filed in the archive: its name, what was filed, until when it must be kept."""

    subject_type = models.CharField(_("事项类型"), max_length=80)
    subject_id = models.BigIntegerField(_("事项编号"))
    number = models.CharField(_("编号"), max_length=40)
    title = models.CharField(_("主题"), max_length=255)
    type_label = models.CharField(_("类型"), max_length=40)
    name = models.CharField(_("归档名称"), max_length=255, help_text=_("类型-项目名称-日期"))
    # Null for an item in no project (an emergency may be reported without one).
    project = models.ForeignKey(
        "org.Project", verbose_name=_("项目"), null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    archived_at = models.DateTimeField(_("归档时间"))
    retention_until = models.DateField(_("保存期限至"))
    manifest = models.JSONField(_("归档内容"), default=dict)
    legal_hold = models.BooleanField(_("法律保全"), default=False)
    legal_hold_reason = models.CharField(_("保全原因"), max_length=300, blank=True)
    legal_hold_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("保全设置人"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    legal_hold_at = models.DateTimeField(_("保全时间"), null=True, blank=True)
    deleted_at = models.DateTimeField(_("删除时间"), null=True, blank=True)
    deleted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("删除人"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    deletion_reason = models.CharField(_("删除原因"), max_length=300, blank=True)

    objects = ArchiveRecordQuerySet.as_manager()

    class Meta:
        verbose_name = _("归档")
        verbose_name_plural = _("归档")
        ordering = ["-archived_at", "-pk"]
        constraints = [models.UniqueConstraint(fields=["subject_type", "subject_id"], name="one_archive_per_item")]

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        from django.urls import reverse

        return reverse("archive-detail", args=[self.pk])

    @classmethod
    def reach_filter(cls, reach: Reach, action: str) -> Q | None:
        """Whoever may see the item may see its archive record (the item's own rule, as a subquery)."""
        if reach.sees_all:
            return None
        from xietong.archive.subjects import work_item_models

        condition = Q(pk__in=[])
        for label, model in work_item_models().items():
            rule = model.reach_filter(reach, action)  # type: ignore[attr-defined]
            visible = model._base_manager.all() if rule is None else model._base_manager.filter(rule)
            condition |= Q(subject_type=label, subject_id__in=visible.values("pk"))
            # A document filed for the item (its 协作总结报告) is seen by whoever sees the item.
            documents = [doc for doc, item in DOCUMENT_OF.items() if item == label]
            if documents:
                condition |= Q(subject_type__in=documents, subject_id__in=visible.values("pk"))
        return condition
