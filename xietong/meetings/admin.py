from django.contrib import admin

from xietong.core.admin import ReadOnlyAdmin
from xietong.core.admin_audit import AuditedModelAdmin
from xietong.meetings.models import ActionItem, Meeting, MeetingType, Room


@admin.register(MeetingType)
class MeetingTypeAdmin(AuditedModelAdmin):
    """The rules of each kind of meeting are policy: administrators edit them."""

    list_display = (
        "name",
        "code",
        "max_minutes",
        "requires_approval",
        "application_working_days",
        "notice_working_days",
        "is_active",
    )
    list_editable = ("max_minutes", "requires_approval", "notice_working_days", "is_active")
    search_fields = ("name", "code")


@admin.register(Room)
class RoomAdmin(AuditedModelAdmin):
    list_display = ("name", "location", "capacity", "is_active", "sort_order")
    list_editable = ("capacity", "is_active", "sort_order")
    search_fields = ("name", "location")


@admin.register(Meeting)
class MeetingAdmin(ReadOnlyAdmin):
    """Meetings change only through their services; administrators look, they do not edit."""

    list_display = ("number", "title", "state", "start_at", "room", "organizer", "late_notice")
    list_filter = ("state", "meeting_type", "late_notice")
    search_fields = ("number", "title")
    date_hierarchy = "start_at"


@admin.register(ActionItem)
class ActionItemAdmin(ReadOnlyAdmin):
    list_display = ("number", "title", "owner", "due_date", "state")
    list_filter = ("state",)
    search_fields = ("number", "title")
