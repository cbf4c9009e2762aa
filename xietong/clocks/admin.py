from django import forms
from django.contrib import admin
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from xietong.clocks.models import (
    PRIORITY_LABELS,
    Clock,
    ClockPolicy,
    Escalation,
    EscalationLadder,
    EscalationStep,
    PolicyChange,
    _more_processes,
)
from xietong.clocks.scheduled import pending_words
from xietong.clocks.services import ladder_validate
from xietong.core.admin import ReadOnlyAdmin
from xietong.core.admin_audit import AuditedModelAdmin
from xietong.workcal.engine import parse_duration

# A limit is typed as a number and a unit; whether 小时/天 count working time or elapsed time is the policy's
# 计时方式 (working: 1 天 = one working day of the calendar).
DURATION_UNITS = (("m", _("分钟")), ("h", _("小时")), ("d", _("天（按工作时间计为工作日）")))
DURATION_FIELDS = ("duration", "remind_before", "escalate_after")
DURATION_HELP = {
    "remind_before": _("到期前多久提醒，留空不提醒"),
    "escalate_after": _(
        "时限到期后再过多久开始升级（如“超时48小时自动升级”填 48 小时并选自然时间）；留空表示到期即升级"
    ),
}


class DurationWidget(forms.MultiWidget):
    def __init__(self, attrs=None):
        number = forms.NumberInput(attrs={"min": "1", "step": "1", "inputmode": "numeric", "style": "width:6em"})
        super().__init__((number, forms.Select(choices=DURATION_UNITS)), attrs)

    def value_from_datadict(self, data, files, name):
        if f"{name}_0" not in data and name in data:  # a script posting the code ("2h") as before
            return self.decompress(data.get(name))
        return super().value_from_datadict(data, files, name)

    def decompress(self, value):
        """ "2h" → [2, "h"]; "1d" → [1, "d"]; "90m" → [90, "m"]."""
        if not value:
            return [None, "h"]
        try:
            parsed = parse_duration(value)
        except ValueError:
            return [value, "h"]
        if parsed.days and not parsed.minutes:
            return [parsed.days, "d"]
        minutes = parsed.minutes + (parsed.days * 24 * 60 if parsed.days else 0)
        return [minutes // 60, "h"] if minutes % 60 == 0 else [minutes, "m"]


class DurationInputField(forms.MultiValueField):
    """数字 + 单位 (分钟/小时/天) instead of typing "2h / 1d"; stored as the policy's code ("2h")."""

    widget = DurationWidget

    def __init__(self, *, required: bool = True, **kwargs):
        kwargs.pop("max_length", None)
        fields = (
            forms.IntegerField(
                required=False,
                min_value=1,
                max_value=9999,
                error_messages={
                    "invalid": _("请填写整数，例如 2"),
                    "min_value": _("请填写大于 0 的整数"),
                    "max_value": _("不能超过 9999"),
                },
            ),
            forms.ChoiceField(choices=DURATION_UNITS, required=False),
        )
        super().__init__(fields, required=required, require_all_fields=False, **kwargs)
        self.error_messages["incomplete"] = _("请填写数值并选择单位")

    def compress(self, data_list):
        if not data_list or data_list[0] in (None, ""):
            if self.required:
                raise forms.ValidationError(_("请填写数值并选择单位"), code="required")
            return ""
        return f"{data_list[0]}{data_list[1] or 'h'}"


def process_choices(current: str = "") -> list[tuple[str, str]]:
    from django.utils.translation import gettext

    from xietong.clocks.defaults import PROCESS_LABELS

    choices = [(key, gettext(label)) for key, label in PROCESS_LABELS.items()]
    choices += [(key, str(label)) for key, label in _more_processes.items() if key not in PROCESS_LABELS]
    if current and current not in dict(choices):
        choices.append((current, current))
    return choices


class ClockPolicyForm(forms.ModelForm):
    """Choices in Chinese (流程 and 优先级 by name, never their codes) and durations as number + unit."""

    class Meta:
        model = ClockPolicy
        fields = (
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
            "source",
            "clause",
            "clause_text",
            "also",
            "description",
        )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if "process" in self.fields:
            self.fields["process"] = forms.ChoiceField(
                label=_("流程"), choices=process_choices(self.instance.process if self.instance.pk else "")
            )
        if "priority" in self.fields:
            priorities = [(key, str(label)) for key, label in PRIORITY_LABELS.items()]
            current = self.instance.priority if self.instance.pk else ""
            if current and current not in dict(priorities):
                priorities.append((current, current))
            self.fields["priority"] = forms.ChoiceField(label=_("优先级"), choices=priorities, initial="*")


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
    form = ClockPolicyForm
    list_display = (
        "process_label",
        "priority_label",
        "kind_label",
        "duration",
        "mode",
        "remind_before",
        "escalate_after",
        "ladder",
        "is_active",
        "basis",
        "pending",
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
                    "pending",
                )
            },
        ),
        # An administrator edits or replaces the clause with the limit; the change is audited (AuditedModelAdmin).
        (_("依据"), {"fields": ("source", "clause", "clause_text", "also", "description")}),
    )

    readonly_fields = ("pending",)

    @admin.display(description=_("待生效调整"))
    def pending(self, obj: ClockPolicy) -> str:
        """An approved change waiting for its date (the next quarter's first day), with the date."""
        return pending_words(obj)

    def formfield_for_dbfield(self, db_field, request, **kwargs):
        # The change form and the list's editable columns alike: number + unit.
        if db_field.name in DURATION_FIELDS:
            return DurationInputField(
                required=not db_field.blank,
                label=db_field.verbose_name,
                help_text=DURATION_HELP.get(db_field.name, ""),
                validators=db_field.validators,
            )
        return super().formfield_for_dbfield(db_field, request, **kwargs)


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


@admin.register(PolicyChange)
class PolicyChangeAdmin(ReadOnlyAdmin):
    list_display = ("policy", "changes", "effective_from", "reason", "decided_by", "created_at", "applied_at")
    list_filter = ("applied_at",)
