from django.contrib import admin

from xietong.core.admin import ReadOnlyAdmin
from xietong.risks.models import DelayRequest, Dispute, ExceptionReport


@admin.register(ExceptionReport)
class ExceptionReportAdmin(ReadOnlyAdmin):
    list_display = ("number", "title", "severity", "state", "late_filing", "created_at")
    list_filter = ("severity", "state")


@admin.register(DelayRequest)
class DelayRequestAdmin(ReadOnlyAdmin):
    list_display = ("number", "title", "state", "late_filing", "created_at")


@admin.register(Dispute)
class DisputeAdmin(ReadOnlyAdmin):
    list_display = ("number", "title", "state", "department_a", "department_b", "created_at")
