from django import forms
from django.contrib import admin
from django.contrib.auth.admin import UserAdmin
from django.contrib.auth.forms import AdminPasswordChangeForm, UserChangeForm
from django.db import transaction
from django.utils.translation import gettext_lazy as _

from xietong.core.admin_audit import AuditedModelAdmin, _audit_fields
from xietong.core.audit import snapshot
from xietong.org.models import Absence, Department, OrgSyncRun, Person, Project, ProjectMembership


@admin.register(Department)
class DepartmentAdmin(AuditedModelAdmin):
    list_display = ("name", "code", "parent", "head", "division_leader", "is_coordinating_office", "sort_order")
    list_filter = ("is_coordinating_office",)
    search_fields = ("name", "code")
    autocomplete_fields = ("parent", "head", "division_leader")
    ordering = ("sort_order", "name")
    fieldsets = (
        (None, {"fields": ("name", "code", "parent", "head", "division_leader", "is_coordinating_office")}),
        (_("其他"), {"fields": ("sort_order", "calendar", "jit_sign_in")}),
        (_("通讯录同步"), {"fields": ("dingtalk_id", "feishu_id", "wecom_id", "ldap_id", "excel_id")}),
    )


class PersonChangeForm(UserChangeForm):
    def clean_is_active(self) -> bool:
        active = self.cleaned_data.get("is_active")
        if self.instance.pk and self.instance.is_active and not active:
            from xietong.org.services import deactivation_blockers

            blockers = deactivation_blockers(self.instance)
            if blockers:
                raise forms.ValidationError(
                    _("%(name)s 仍有未移交的工作（%(what)s），请先在其个人页面办理“离职交接”")
                    % {"name": self.instance.display_name, "what": "；".join(blockers)}
                )
        return bool(active)


class PersonPasswordForm(AdminPasswordChangeForm):
    """An administrator sets someone's password: by default that person must set their own at next sign-in."""

    must_change_password = forms.BooleanField(
        label=_("下次登录须修改密码"),
        required=False,
        initial=True,
        help_text=_("勾选后，本人登录后须先设置自己的密码才能使用任何页面"),
    )

    def __init__(self, user, *args, **kwargs):
        super().__init__(user, *args, **kwargs)
        # What the audit event compares with (log_change): the flag before this change.
        user._audit_before = snapshot(user, _audit_fields(type(user)))

    def save(self, commit: bool = True):
        person = super().save(commit=False)
        person.must_change_password = bool(self.cleaned_data.get("must_change_password")) and (
            person.has_usable_password()
        )
        if commit:
            person.save()
        return person


@admin.register(Person)
class PersonAdmin(AuditedModelAdmin, UserAdmin):
    form = PersonChangeForm
    change_password_form = PersonPasswordForm
    change_user_password_template = "admin/org/person/change_password.html"
    list_display = ("username", "name", "department", "title", "phone", "email", "is_active")
    list_filter = ("department", "is_general_manager", "is_coordinator", "is_staff", "is_active")
    search_fields = ("username", "name", "email", "phone")
    autocomplete_fields = ("department",)
    ordering = ("department__sort_order", "username")
    fieldsets = (
        (None, {"fields": ("username", "password")}),
        (_("基本信息"), {"fields": ("name", "department", "title", "email", "phone", "calendar")}),
        (
            _("即时通讯与登录"),
            {
                "fields": (
                    "dingtalk_id",
                    "feishu_id",
                    "wecom_id",
                    "oidc_id",
                    "ldap_id",
                    "excel_id",
                    "password_sign_in",
                    "must_change_password",
                )
            },
        ),
        (_("角色"), {"fields": ("is_general_manager", "is_coordinator", "is_staff", "is_superuser", "is_active")}),
        (_("权限"), {"fields": ("groups", "user_permissions"), "classes": ("collapse",)}),
        (_("重要日期"), {"fields": ("last_login", "date_joined")}),
    )
    add_fieldsets = (
        (None, {"classes": ("wide",), "fields": ("username", "name", "department", "email", "password1", "password2")}),
    )

    def user_change_password(self, request, id, form_url=""):
        # The password and its audit event in one transaction (audit_record refuses to run outside one: the
        # page answered 500 whenever an administrator set a password).
        with transaction.atomic():
            return super().user_change_password(request, id, form_url)

    def save_model(self, request, obj, form, change):
        if not change:
            # The administrator chose this password: the new person sets their own first, then sees the guide.
            obj.must_change_password = obj.has_usable_password()
            obj.guide_pending = True
        super().save_model(request, obj, form, change)


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


@admin.register(Absence)
class AbsenceAdmin(AuditedModelAdmin):
    """Absences and departure stand-ins (离职代理): who acts for whom, from when to when."""

    list_display = ("person", "kind", "starts_at", "ends_at", "stand_in", "reason", "cancelled_at")
    list_filter = ("kind",)
    search_fields = ("person__name", "person__username", "stand_in__name", "reason")
    autocomplete_fields = ("person", "stand_in", "set_by")
    readonly_fields = ("cancelled_at",)


@admin.register(OrgSyncRun)
class OrgSyncRunAdmin(admin.ModelAdmin):
    """The scheduled syncs' record (org.scheduled_sync): read only."""

    list_display = ("run_date", "source", "status", "started_at", "finished_at", "error")
    list_filter = ("source", "status")
    readonly_fields = ("source", "run_date", "status", "started_at", "finished_at", "counts", "changes", "error")

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False
