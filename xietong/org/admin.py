from django.contrib import admin
from django.contrib.auth.admin import UserAdmin
from django.utils.translation import gettext_lazy as _

from xietong.core.admin_audit import AuditedModelAdmin
from xietong.org.models import Department, Person, Project, ProjectMembership


@admin.register(Department)
class DepartmentAdmin(AuditedModelAdmin):
    list_display = ("name", "code", "parent", "head", "division_leader", "is_coordinating_office", "sort_order")
    list_filter = ("is_coordinating_office",)
    search_fields = ("name", "code")
    autocomplete_fields = ("parent", "head", "division_leader")
    ordering = ("sort_order", "name")


@admin.register(Person)
class PersonAdmin(AuditedModelAdmin, UserAdmin):
    list_display = ("username", "name", "department", "title", "phone", "email", "is_active")
    list_filter = ("department", "is_general_manager", "is_coordinator", "is_staff", "is_active")
    search_fields = ("username", "name", "email", "phone")
    autocomplete_fields = ("department",)
    ordering = ("department__sort_order", "username")
    fieldsets = (
        (None, {"fields": ("username", "password")}),
        (_("基本信息"), {"fields": ("name", "department", "title", "email", "phone", "calendar")}),
        (_("即时通讯"), {"fields": ("dingtalk_id", "feishu_id", "wecom_id")}),
        (_("角色"), {"fields": ("is_general_manager", "is_coordinator", "is_staff", "is_superuser", "is_active")}),
        (_("权限"), {"fields": ("groups", "user_permissions"), "classes": ("collapse",)}),
        (_("重要日期"), {"fields": ("last_login", "date_joined")}),
    )
    add_fieldsets = (
        (None, {"classes": ("wide",), "fields": ("username", "name", "department", "email", "password1", "password2")}),
    )


class MembershipInline(admin.TabularInline):
    model = ProjectMembership
    extra = 1
    autocomplete_fields = ("person",)


@admin.register(Project)
class ProjectAdmin(AuditedModelAdmin):
    list_display = ("name", "code", "department", "lead", "status")
    list_filter = ("status", "department")
    search_fields = ("name", "code")
    autocomplete_fields = ("department", "lead")
    inlines = [MembershipInline]
