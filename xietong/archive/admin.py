from django.contrib import admin

from xietong.archive.models import ArchiveRecord, RetentionPolicy
from xietong.core.admin import ReadOnlyAdmin
from xietong.core.admin_audit import AuditedModelAdmin


@admin.register(RetentionPolicy)
class RetentionPolicyAdmin(AuditedModelAdmin):
    list_display = ("subject_type", "label", "years")
    list_editable = ("label", "years")


@admin.register(ArchiveRecord)
class ArchiveRecordAdmin(ReadOnlyAdmin):
    list_display = ("name", "number", "title", "archived_at", "retention_until", "legal_hold", "deleted_at")
    list_filter = ("type_label", "legal_hold")
    search_fields = ("name", "number", "title")
