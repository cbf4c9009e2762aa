"""What every process item shares: a base model with the permission rule, numbering, comments with
@mentions, and attachments that keep every version under the name "主题+版本+日期"."""

from __future__ import annotations

from typing import ClassVar

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from xietong.core import clock
from xietong.core.models import VersionedModel
from xietong.core.permissions import Reach, RestrictedQuerySet
from xietong.items.guard import StateGuarded, StateGuardedQuerySet


class WorkItemQuerySet(RestrictedQuerySet, StateGuardedQuerySet):  # type: ignore[override]
    pass


class WorkItem(StateGuarded, VersionedModel):
    """A process item (a request, a task, a meeting …): numbered, in one project, with a state.

    Who may see it, the rule of SPEC §1: members of its project; heads and division leaders of the
    departments named in `department_fields` (sub-departments included); the people named in
    `participant_fields`; the general manager and coordinators. Actions on it are decided by its
    services (who may acknowledge, accept …); `reach_filter` only decides visibility.
    """

    department_fields: ClassVar[tuple[str, ...]] = ()
    participant_fields: ClassVar[tuple[str, ...]] = ()  # FK or M2M fields to Person
    process: ClassVar[str] = ""  # the process name used by clock policies (e.g. "request")
    # The collaboration type its kind implies (items.collaboration), "" when it depends on the item.
    default_collaboration_type: ClassVar[str] = ""
    rich_text_fields: ClassVar[tuple[str, ...]] = ()  # sanitised HTML: search indexes their text, not tags

    number = models.CharField(_("编号"), max_length=40, unique=True, editable=False)
    title = models.CharField(_("主题"), max_length=120)
    project = models.ForeignKey("org.Project", verbose_name=_("项目"), on_delete=models.PROTECT, related_name="+")
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("创建人"), on_delete=models.PROTECT, related_name="+"
    )
    closed_at = models.DateTimeField(_("关闭时间"), null=True, blank=True, editable=False)

    objects = WorkItemQuerySet.as_manager()

    class Meta:
        abstract = True

    def __str__(self) -> str:
        return f"{self.number} {self.title}"

    @classmethod
    def reach_filter(cls, reach: Reach, action: str) -> Q | None:
        if reach.sees_all:
            return None
        condition = Q(project_id__in=reach.project_ids) | Q(created_by_id=reach.person_id)
        for field in cls.department_fields:
            condition |= Q(**{f"{field}_id__in": reach.led_department_ids})
        for field in cls.participant_fields:
            if cls._meta.get_field(field).many_to_many:
                # A subquery, not a join: no duplicate rows when several people match.
                condition |= Q(pk__in=cls._base_manager.filter(**{field: reach.person_id}).values("pk"))
            else:
                condition |= Q(**{f"{field}_id": reach.person_id})
        return condition


class NumberSequence(models.Model):
    """The last number used per prefix and year (XQ-2026-0001 …), taken under a row lock."""

    prefix = models.CharField(max_length=10)
    year = models.PositiveSmallIntegerField()
    last = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["prefix", "year"], name="one_sequence_per_prefix_year")]

    def __str__(self) -> str:
        return f"{self.prefix}-{self.year}: {self.last}"


class Comment(models.Model):
    """讨论: a comment on any item; @姓名 or @用户名 notifies that person."""

    subject_type = models.CharField(max_length=80)
    subject_id = models.BigIntegerField()
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("作者"), on_delete=models.PROTECT, related_name="+"
    )
    body = models.TextField(_("内容"))
    mentions = models.ManyToManyField(settings.AUTH_USER_MODEL, blank=True, related_name="+")
    created_at = models.DateTimeField(_("时间"), default=clock.now)

    class Meta:
        verbose_name = _("评论")
        verbose_name_plural = _("评论")
        ordering = ["created_at", "pk"]
        indexes = [models.Index(fields=["subject_type", "subject_id"], name="comment_subject")]

    def __str__(self) -> str:
        return self.body[:40]


def attachment_path(instance: Attachment, filename: str) -> str:
    return f"attachments/{instance.subject_type.replace('.', '/')}/{instance.subject_id}/{instance.stored_name}"


class Attachment(models.Model):
    """A file on an item. Uploading the same topic again adds a version; every version is kept."""

    subject_type = models.CharField(max_length=80)
    subject_id = models.BigIntegerField()
    topic = models.CharField(_("主题"), max_length=80)
    version = models.PositiveSmallIntegerField(_("版本"))
    name = models.CharField(_("文件名"), max_length=200, help_text=_("主题+版本+日期，例如 需求说明书V2-20260520.docx"))
    original_name = models.CharField(_("原文件名"), max_length=255)
    stored_name = models.CharField(max_length=120)
    file = models.FileField(upload_to=attachment_path, max_length=300)
    size = models.PositiveBigIntegerField(_("大小（字节）"))
    content_type = models.CharField(max_length=120, blank=True)
    sha256 = models.CharField(max_length=64)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("上传人"), on_delete=models.PROTECT, related_name="+"
    )
    uploaded_at = models.DateTimeField(_("上传时间"), default=clock.now)

    class Meta:
        verbose_name = _("附件")
        verbose_name_plural = _("附件")
        ordering = ["topic", "-version"]
        constraints = [
            models.UniqueConstraint(
                fields=["subject_type", "subject_id", "topic", "version"], name="one_attachment_version"
            )
        ]
        indexes = [models.Index(fields=["subject_type", "subject_id"], name="attachment_subject")]

    def __str__(self) -> str:
        return self.name


class ReplyRequest(models.Model):
    """Someone asked to answer on an item: @mentioned in a comment or asked for help (【需协助】). The answer is
    their next comment on the item; its clock (the "message" process's reply limit) runs until then
    (items.replies)."""

    subject_type = models.CharField(max_length=80)
    subject_id = models.BigIntegerField()
    person = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("被请求人"), on_delete=models.PROTECT, related_name="+"
    )
    asked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("请求人"), on_delete=models.PROTECT, related_name="+"
    )
    assist = models.BooleanField(_("【需协助】"), default=False)
    question = models.CharField(_("内容"), max_length=300)
    asked_at = models.DateTimeField(_("请求时间"), default=clock.now)
    answered_at = models.DateTimeField(_("答复时间"), null=True, blank=True)
    answer = models.ForeignKey(
        Comment, verbose_name=_("答复"), null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        verbose_name = _("答复请求")
        verbose_name_plural = _("答复请求")
        ordering = ["asked_at", "pk"]
        indexes = [
            models.Index(
                fields=["person", "asked_at", "id"], condition=Q(answered_at__isnull=True), name="reply_person_asked"
            ),
            models.Index(fields=["subject_type", "subject_id", "person"], name="reply_subject_person"),
            models.Index(fields=["person", "answered_at"], name="reply_person_open"),
        ]

    def __str__(self) -> str:
        item = self.item()
        return f"{item}" if item is not None else self.subject_type

    def get_absolute_url(self) -> str:
        item = self.item()
        url = item.get_absolute_url() if item is not None and hasattr(item, "get_absolute_url") else ""
        return f"{url}#comments" if url else ""

    def item(self) -> models.Model | None:
        from django.apps import apps

        model = apps.get_model(self.subject_type)
        return model._default_manager.filter(pk=self.subject_id).first()
