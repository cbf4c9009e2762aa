from django.contrib import admin

from xietong.core.admin import ReadOnlyAdmin
from xietong.tasks.models import Task


@admin.register(Task)
class TaskAdmin(ReadOnlyAdmin):
    list_display = ("number", "title", "owner", "state", "start_date", "end_date")
    list_filter = ("state", "priority")
    search_fields = ("number", "title")
