from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from xietong.core.models import ApiToken, AuditEvent

admin.site.site_header = _("协同 · 系统管理")
admin.site.site_title = _("协同 · 系统管理")
admin.site.index_title = _("组织、日历与规则配置")


class ReadOnlyAdmin(admin.ModelAdmin):
    """Records that are evidence: visible to administrators, never edited or deleted by anyone."""

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(AuditEvent)
class AuditEventAdmin(ReadOnlyAdmin):
    list_display = ("seq", "at", "actor_label", "action", "object_type", "object_label", "ip")
    list_filter = ("action", "object_type")
    search_fields = ("object_label", "actor_label", "action", "object_id")
    date_hierarchy = "at"
    readonly_fields = [f.name for f in AuditEvent._meta.fields]


@admin.register(ApiToken)
class ApiTokenAdmin(ReadOnlyAdmin):
    list_display = ("name", "person", "prefix", "created_at", "last_used_at", "revoked_at")
    search_fields = ("name", "person__name", "person__username")
    readonly_fields = ("person", "name", "prefix", "created_at", "last_used_at", "revoked_at")
