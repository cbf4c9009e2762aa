"""Shared model bases and the records every app relies on: audit events, API tokens."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.db import models
from django.utils.encoding import force_str
from django.utils.hashable import make_hashable
from django.utils.translation import gettext_lazy as _

from xietong.core import clock


def choice_labels(field: models.Field) -> dict[Any, Any] | None:
    """A field's value → label map, built once per field (labels stay lazy: translated when shown), or None
    for choices Django must evaluate on each call (a callable)."""
    choices = field.choices
    if not isinstance(choices, list | tuple):
        return None
    cached = field.__dict__.get("_xietong_choice_labels")
    if cached is None or cached[0] is not choices:
        cached = (choices, dict(make_hashable(field.flatchoices)))
        field._xietong_choice_labels = cached  # type: ignore[attr-defined]
    return cached[1]


class ChoiceLabelsModel(models.Model):
    """get_FOO_display() from choice_labels(): Django rebuilds the map on every call, hashing each lazy label
    (one gettext per choice), ~40 µs a call — 2 ms for a page of 25 rows showing state and priority."""

    class Meta:
        abstract = True

    def _get_FIELD_display(self, field: models.Field) -> Any:
        labels = choice_labels(field)
        if labels is None:
            return super()._get_FIELD_display(field)  # type: ignore[misc]
        value = getattr(self, field.attname)
        return force_str(labels.get(make_hashable(value), value), strings_only=True)


class TimeStampedModel(ChoiceLabelsModel):
    created_at = models.DateTimeField(_("创建时间"), default=clock.now, editable=False)
    updated_at = models.DateTimeField(_("更新时间"), default=clock.now, editable=False)

    class Meta:
        abstract = True


class VersionedModel(TimeStampedModel):
    """A row edited by people: every write names the version it started from (optimistic locking).

    Writes go through `core.concurrency.save_versioned`, which refuses a stale version with a Conflict
    instead of silently overwriting someone else's change.
    """

    version = models.PositiveIntegerField(_("版本"), default=1, editable=False)

    class Meta:
        abstract = True


class AuditEvent(models.Model):
    """One entry of the append-only audit trail (留痕): who did what to which object, before and after.

    Writers only append rows (no shared row to lock): an event is written unsealed (seq None) in the
    transaction of its change, and the sequencer (core.audit.audit_seal, run by the worker) later seals
    committed events into the hash chain in batches: its position (seq), its predecessor's hash and its
    own hash over its content, so that editing, deleting or reordering a sealed event breaks the chain;
    `xietong audit verify` recomputes it. `id` is the order in which events were written (timelines).
    """

    seq = models.BigIntegerField(_("序号"), unique=True, null=True, blank=True, editable=False)
    at = models.DateTimeField(_("时间"), db_index=True, editable=False)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("操作人"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        db_constraint=False,
    )
    actor_label = models.CharField(_("操作人"), max_length=150, blank=True, editable=False)
    action = models.CharField(_("动作"), max_length=80, db_index=True, editable=False)
    object_type = models.CharField(_("对象类型"), max_length=80, editable=False)
    object_id = models.CharField(_("对象编号"), max_length=64, editable=False)
    object_label = models.CharField(_("对象"), max_length=255, blank=True, editable=False)
    before = models.JSONField(_("修改前"), null=True, blank=True, editable=False)
    after = models.JSONField(_("修改后"), null=True, blank=True, editable=False)
    ip = models.GenericIPAddressField(_("IP 地址"), null=True, blank=True, editable=False)
    prev_hash = models.CharField(_("前一事件哈希"), max_length=64, blank=True, default="", editable=False)
    hash = models.CharField(_("哈希"), max_length=64, blank=True, default="", editable=False)

    class Meta:
        verbose_name = _("审计事件")
        verbose_name_plural = _("审计事件")
        ordering = ["-id"]
        indexes = [
            models.Index(fields=["object_type", "object_id", "id"], name="audit_object_id_idx"),
            # The sequencer's queue: only the few events not sealed yet are in it.
            models.Index(fields=["id"], condition=models.Q(seq__isnull=True), name="audit_unsealed_idx"),
        ]

    def __str__(self) -> str:
        return f"#{self.seq if self.seq is not None else '-'} {self.action} {self.object_label}"


class AuditChainHead(models.Model):
    """The chain's sealed tip (last seq and hash). Only the sequencer writes it, one batch at a time."""

    seq = models.BigIntegerField(default=0)
    last_hash = models.CharField(max_length=64, default="0" * 64)

    class Meta:
        verbose_name = _("审计链头")

    def __str__(self) -> str:
        return f"#{self.seq}"


class ApiToken(models.Model):
    """A personal API token for scripts. Only its SHA-256 digest is stored; the secret is shown once."""

    person = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("所属人员"), on_delete=models.CASCADE, related_name="api_tokens"
    )
    name = models.CharField(_("名称"), max_length=80)
    prefix = models.CharField(_("前缀"), max_length=12, editable=False)
    digest = models.CharField(max_length=64, unique=True, editable=False)
    created_at = models.DateTimeField(_("创建时间"), default=clock.now, editable=False)
    last_used_at = models.DateTimeField(_("最近使用"), null=True, blank=True, editable=False)
    revoked_at = models.DateTimeField(_("吊销时间"), null=True, blank=True, editable=False)

    class Meta:
        verbose_name = _("API 令牌")
        verbose_name_plural = _("API 令牌")
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.name} ({self.prefix}…)"

    @property
    def is_active(self) -> bool:
        return self.revoked_at is None


class WorkerHeartbeat(models.Model):
    """One running `xietong worker` process, beating while its loop turns (GET /healthz reads these).

    A worker writes its row when it starts, refreshes `beat_at` every few seconds and removes the row when it
    stops cleanly; a row whose beat is older than XIETONG_WORKER_STALE_SECONDS is a worker that died or hangs.
    `restarts` and `last_exit` come from the supervisor that (re)started it (`xietong serve`).
    """

    host = models.CharField(_("主机"), max_length=255)
    pid = models.PositiveIntegerField(_("进程号"))
    started_at = models.DateTimeField(_("启动时间"))
    beat_at = models.DateTimeField(_("最近心跳"), db_index=True)
    restarts = models.PositiveIntegerField(_("重启次数"), default=0)
    last_exit = models.CharField(_("上次退出原因"), max_length=80, blank=True)

    class Meta:
        verbose_name = _("后台任务进程心跳")
        verbose_name_plural = _("后台任务进程心跳")
        constraints = [models.UniqueConstraint(fields=["host", "pid"], name="one_heartbeat_per_process")]

    def __str__(self) -> str:
        return f"{self.host}:{self.pid}"
