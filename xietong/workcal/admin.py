from django import forms
from django.contrib import admin, messages
from django.utils.translation import gettext_lazy as _

from xietong.core import clock
from xietong.core.admin_audit import AuditedModelAdmin
from xietong.core.audit import audit_record
from xietong.core.i18n import enumerate_list
from xietong.workcal.models import WEEKDAY_NAMES, CalendarOverride, WorkCalendar
from xietong.workcal.selectors import coverage_text, unpublished_years
from xietong.workcal.services import calendar_changed


class WorkCalendarForm(forms.ModelForm):
    workdays = forms.TypedMultipleChoiceField(
        label=_("每周工作日"),
        choices=[(str(i), label) for i, label in enumerate(WEEKDAY_NAMES)],
        widget=forms.CheckboxSelectMultiple,
    )

    class Meta:
        model = WorkCalendar
        fields = ("name", "code", "time_zone", "periods", "workdays", "statutory", "is_default")

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.instance.pk:
            self.initial["workdays"] = [x.strip() for x in self.instance.workdays.split(",") if x.strip()]

    def clean_workdays(self):
        return ",".join(sorted(self.cleaned_data["workdays"]))


class CalendarOverrideInline(admin.TabularInline):
    model = CalendarOverride
    extra = 3
    fields = ("date", "is_workday", "note")


@admin.register(WorkCalendar)
class WorkCalendarAdmin(AuditedModelAdmin):
    form = WorkCalendarForm
    list_display = ("name", "code", "periods", "statutory", "is_default", "coverage")
    readonly_fields = ("coverage",)
    inlines = [CalendarOverrideInline]

    @admin.display(description=_("法定节假日数据"))
    def coverage(self, obj: WorkCalendar) -> str:
        return coverage_text(obj, clock.today()) if obj.pk else "—"

    def changelist_view(self, request, extra_context=None):
        for calendar in WorkCalendar.objects.all():
            missing = unpublished_years(calendar, clock.today())
            if missing:
                years = enumerate_list(_("%(y)d 年") % {"y": y} for y in missing)
                messages.warning(
                    request,
                    _("日历“%(name)s”：%(years)s该年度法定节假日未发布/未录入，请在例外日中录入放假与调休安排。")
                    % {"name": calendar.name, "years": years},
                )
        return super().changelist_view(request, extra_context)

    def save_formset(self, request, form, formset, change):
        for inline_form in formset.forms:
            if not inline_form.has_changed() and inline_form not in formset.deleted_forms:
                continue
            obj = inline_form.instance
            if inline_form in formset.deleted_forms:
                if obj.pk:
                    audit_record(
                        actor=request.user,
                        action="workcal.override.delete",
                        obj=form.instance,
                        before={"date": obj.date, "is_workday": obj.is_workday, "note": obj.note},
                    )
            elif inline_form.cleaned_data:
                audit_record(
                    actor=request.user,
                    action="workcal.override.set",
                    obj=form.instance,
                    after={
                        "date": inline_form.cleaned_data.get("date"),
                        "is_workday": inline_form.cleaned_data.get("is_workday"),
                        "note": inline_form.cleaned_data.get("note"),
                    },
                )
        super().save_formset(request, form, formset, change)

    def save_related(self, request, form, formsets, change):
        super().save_related(request, form, formsets, change)
        # Overrides or hours changed: armed clocks on this calendar get new due times, in this transaction.
        calendar_changed(form.instance)
