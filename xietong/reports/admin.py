from django.contrib import admin

from xietong.core.admin import ReadOnlyAdmin
from xietong.reports.models import ImprovementProposal, QuarterlyReview


@admin.register(QuarterlyReview)
class QuarterlyReviewAdmin(ReadOnlyAdmin):
    list_display = ("year", "quarter", "generated_at", "generated_by")


@admin.register(ImprovementProposal)
class ImprovementProposalAdmin(ReadOnlyAdmin):
    list_display = ("title", "review", "proposed_by", "policy", "state", "decided_by", "decided_at")
    list_filter = ("state",)
