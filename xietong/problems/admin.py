from django.contrib import admin

from xietong.core.admin import ReadOnlyAdmin
from xietong.problems.models import Problem


@admin.register(Problem)
class ProblemAdmin(ReadOnlyAdmin):
    """Problems change only through their services; administrators look, they do not edit."""

    list_display = ("number", "title", "state", "urgency", "filing_department", "lead_department", "filed_at")
    list_filter = ("state", "urgency")
    search_fields = ("number", "title")
