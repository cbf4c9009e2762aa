from django.contrib import admin

from xietong.core.admin import ReadOnlyAdmin
from xietong.incidents.models import ImprovementAction, Incident


@admin.register(Incident)
class IncidentAdmin(ReadOnlyAdmin):
    """Incidents change only through their services; administrators look, they do not edit."""

    list_display = ("number", "title", "state", "responsible_department", "lead", "reported_at", "resolved_at")
    list_filter = ("state",)
    search_fields = ("number", "title", "description")


@admin.register(ImprovementAction)
class ImprovementActionAdmin(ReadOnlyAdmin):
    list_display = ("number", "title", "owner", "due_date", "state")
    list_filter = ("state",)
    search_fields = ("number", "title")
