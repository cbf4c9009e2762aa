"""A ModelAdmin base whose saves and deletions are audited in the admin's own transaction."""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.db import models

from xietong.core.audit import audit_record, changed_fields, snapshot


def _audit_fields(model: type[models.Model]) -> list[str]:
    return [
        f.name
        for f in model._meta.get_fields()
        if (f.concrete and not f.auto_created and getattr(f, "editable", False) and f.name != "password")
        or (
            f.many_to_many
            and not f.auto_created
            and getattr(getattr(f.remote_field, "through", None), "_meta", None) is not None
            and f.remote_field.through._meta.auto_created  # type: ignore[union-attr]
        )
    ]


class AuditedModelAdmin(admin.ModelAdmin):
    """Every add, change and delete made in the admin writes one audit event with before/after."""

    def _action(self, obj: models.Model, verb: str) -> str:
        return f"{obj._meta.label_lower}.{verb}"

    def save_model(self, request, obj, form, change) -> None:
        fields = _audit_fields(type(obj))
        if change and obj.pk:
            stored = type(obj)._base_manager.get(pk=obj.pk)
            obj._audit_before = snapshot(stored, fields)  # type: ignore[attr-defined]
        super().save_model(request, obj, form, change)

    def log_addition(self, request, obj, message) -> Any:
        audit_record(
            actor=request.user,
            action=self._action(obj, "create"),
            obj=obj,
            after=snapshot(obj, _audit_fields(type(obj))),
        )
        return super().log_addition(request, obj, message)

    def log_change(self, request, obj, message) -> Any:
        after = snapshot(obj, _audit_fields(type(obj)))
        before = getattr(obj, "_audit_before", {})
        old, new = changed_fields(before, after)
        if new:
            audit_record(actor=request.user, action=self._action(obj, "change"), obj=obj, before=old, after=new)
        return super().log_change(request, obj, message)

    def delete_model(self, request, obj) -> None:
        audit_record(
            actor=request.user,
            action=self._action(obj, "delete"),
            obj=obj,
            before=snapshot(obj, _audit_fields(type(obj))),
        )
        super().delete_model(request, obj)

    def delete_queryset(self, request, queryset) -> None:
        for obj in queryset:
            audit_record(
                actor=request.user,
                action=self._action(obj, "delete"),
                obj=obj,
                before=snapshot(obj, _audit_fields(type(obj))),
            )
        super().delete_queryset(request, queryset)
