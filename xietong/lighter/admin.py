from django.contrib import admin

from xietong.core.admin import ReadOnlyAdmin
from xietong.lighter.models import CustomerRequirement, Onboarding


@admin.register(CustomerRequirement)
class CustomerRequirementAdmin(ReadOnlyAdmin):
    list_display = ("number", "customer", "title", "owner", "state", "created_at")
    list_filter = ("state",)
    search_fields = ("number", "title", "customer")


@admin.register(Onboarding)
class OnboardingAdmin(ReadOnlyAdmin):
    list_display = ("number", "newcomer", "department", "contact", "start_date", "state")
    list_filter = ("state",)
    search_fields = ("number", "newcomer__name")
