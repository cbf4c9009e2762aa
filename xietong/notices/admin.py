from django.contrib import admin

from xietong.core.admin import ReadOnlyAdmin
from xietong.notices.models import Notice


@admin.register(Notice)
class NoticeAdmin(ReadOnlyAdmin):
    """Notices and their receipts are evidence: visible to administrators, changed only by their services."""

    list_display = ("number", "title", "state", "created_by", "effective_date", "confirm_by")
    list_filter = ("state", "requires_confirmation")
    search_fields = ("number", "title")
