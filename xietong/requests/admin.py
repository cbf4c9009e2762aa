from django.contrib import admin

from xietong.core.admin import ReadOnlyAdmin
from xietong.requests.models import Request


@admin.register(Request)
class RequestAdmin(ReadOnlyAdmin):
    """Requests change only through their services; administrators look, they do not edit."""

    list_display = (
        "number",
        "title",
        "state",
        "priority",
        "requesting_department",
        "receiving_department",
        "created_at",
    )
    list_filter = ("state", "priority")
    search_fields = ("number", "title")
