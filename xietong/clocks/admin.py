from django import forms
from django.contrib import admin
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from xietong.clocks.models import Clock, ClockPolicy, Escalation, EscalationLadder, EscalationStep
from xietong.clocks.services import ladder_validate
from xietong.core.admin import ReadOnlyAdmin
from xietong.core.admin_audit import AuditedModelAdmin


class StepFormSet(forms.BaseInlineFormSet):
    def clean(self):
        super().clean()
        steps = []
        for form in self.forms:
            if not hasattr(form, "cleaned_data") or not form.cleaned_data or form.cleaned_data.get("DELETE"):
                continue
            steps.append(
                {
                    "level": form.cleaned_data["level"],
                    "target": form.cleaned_data["target"],
                    "person": form.cleaned_data.get("person"),
                }
            )
        problems = ladder_validate(self.instance, steps)
        if problems:
            raise ValidationError(problems)


class StepInline(admin.TabularInline):
    model = EscalationStep
    formset = StepFormSet
    extra = 1
    autocomplete_fields = ("person",)


@admin.register(EscalationLadder)
class EscalationLadderAdmin(AuditedModelAdmin):
    list_display = ("name", "code", "description", "levels")
    inlines = [StepInline]

    @admin.display(description=_("各级"))
    def levels(self, obj: EscalationLadder) -> str:
        return " → ".join(str(step) for step in obj.steps.all())


@admin.register(ClockPolicy)
class ClockPolicyAdmin(AuditedModelAdmin):
    list_display = (
        "process_label",
        "priority_label",
        "kind",
        "duration",
        "mode",
        "remind_before",
        "escalate_after",
        "ladder",
        "is_active",
        "basis",
    )
    list_filter = ("process", "mode", "is_active")
    list_editable = ("duration", "remind_before", "is_active")
    search_fields = ("process", "description", "source", "clause", "clause_text")
    fieldsets = (
        (
            None,
            {
                "fields": (
                    "process",
                    "priority",
                    "kind",
                    "duration",
                    "mode",
                    "snap",
                    "remind_before",
                    "escalate_after",
                    "escalate_mode",
                    "ladder",
                    "when_late",
                    "is_active",
                )
            },
        ),
        # An administrator edits or replaces the clause with the limit; the change is audited (AuditedModelAdmin).
        (_("依据"), {"fields": ("source", "clause", "clause_text", "also", "description")}),
    )


@admin.register(Clock)
class ClockAdmin(ReadOnlyAdmin):
    list_display = ("subject_type", "subject_id", "limit", "kind", "level", "state", "due_at", "owner", "met_at")
    list_filter = ("state", "kind", "limit", "mode")
    search_fields = ("subject_type", "subject_id")
    date_hierarchy = "due_at"


@admin.register(Escalation)
class EscalationAdmin(ReadOnlyAdmin):
    list_display = ("subject_type", "subject_id", "limit", "level", "target", "target_role", "note", "at")
    list_filter = ("level", "limit")
