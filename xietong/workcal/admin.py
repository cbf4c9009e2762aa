import datetime as dt

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.http import HttpResponse
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import path
from django.utils.translation import gettext_lazy as _

from xietong.core import clock
from xietong.core.admin_audit import AuditedModelAdmin
from xietong.core.audit import audit_record
from xietong.core.i18n import enumerate_list
from xietong.workcal.engine import WorkingCalendar
from xietong.workcal.excel import SheetError, template_workbook
from xietong.workcal.models import (
    WEEKDAY_NAMES,
    CalendarChange,
    CalendarOverride,
    HolidayDay,
    HolidayFeed,
    HolidaySchedule,
    WorkCalendar,
)
from xietong.workcal.notice import NoticeError, parse_notice
from xietong.workcal.selectors import (
    coverage_text,
    default_calendar,
    engine_for,
    preview_engine,
    unpublished_years,
    year_grid,
)
from xietong.workcal.services import (
    calendar_changed,
    changed_days,
    excel_import,
    feed_refresh,
    holidays_withdraw,
    notice_import,
    notice_text_of_file,
)


class WorkCalendarForm(forms.ModelForm):
    workdays = forms.TypedMultipleChoiceField(
        label=_("每周工作日"),
        choices=[(str(i), label) for i, label in enumerate(WEEKDAY_NAMES)],
        widget=forms.CheckboxSelectMultiple,
    )

    class Meta:
        model = WorkCalendar
        fields = ("name", "code", "time_zone", "periods", "workdays", "weekday_hours", "statutory", "is_default")
        widgets = {"weekday_hours": forms.Textarea(attrs={"rows": 3})}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.instance.pk:
            self.initial["workdays"] = [x.strip() for x in self.instance.workdays.split(",") if x.strip()]

    def clean_workdays(self):
        return ",".join(sorted(self.cleaned_data["workdays"]))


class CalendarOverrideInline(admin.TabularInline):
    model = CalendarOverride
    extra = 3
    fields = ("date", "is_workday", "periods", "note")


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

    def save_model(self, request, obj, form, change):
        # The calendar as it counted before this save, to tell which days the save changes.
        if change and obj.pk:
            obj._engine_before = engine_for(WorkCalendar.objects.get(pk=obj.pk))
        super().save_model(request, obj, form, change)

    def save_formset(self, request, form, formset, change):
        form.instance._override_dates = getattr(form.instance, "_override_dates", set())
        for inline_form in formset.forms:
            for value in (inline_form.initial.get("date"), (inline_form.cleaned_data or {}).get("date")):
                if isinstance(value, dt.date):
                    form.instance._override_dates.add(value)
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
        calendar = form.instance
        before = getattr(calendar, "_engine_before", None)
        if before is None:
            return  # a new calendar: no clock counts in it yet
        if set(form.changed_data) & {"periods", "workdays", "weekday_hours", "time_zone", "statutory"}:
            days = None  # the hours or the week changed: any day may have
        else:
            years = {d.year for d in getattr(calendar, "_override_dates", set())}
            days = changed_days(before, WorkingCalendar(WorkCalendar.objects.get(pk=calendar.pk).spec()), years)
        # Armed clocks on this calendar get new due times once this commits.
        change = calendar_changed(
            calendar, days=days, reason=_("日历“%(name)s”设置调整") % {"name": calendar.name}, actor=request.user
        )
        if change is not None:
            messages.info(request, _("计时中的时限将按新日历重新计算（调整记入各事项的时间线）。"))


# --- Holiday schedules: import the State Council's notice ------------------------------------------
class HolidayDayInline(admin.TabularInline):
    model = HolidayDay
    extra = 0
    fields = ("date", "is_workday", "name")
    readonly_fields = fields
    can_delete = False

    def has_add_permission(self, request, obj=None) -> bool:
        return False


class NoticeImportForm(forms.Form):
    text = forms.CharField(
        label=_("通知全文"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 16, "class": "vLargeTextField notice-text"}),
        help_text=_("从国务院办公厅的通知中复制全文（含标题与落款日期），或上传文件。"),
    )
    file = forms.FileField(label=_("或上传文件"), required=False, help_text=_(".txt 或 .docx"))
    calendar = forms.ModelChoiceField(
        label=_("适用日历"),
        queryset=WorkCalendar.objects.all(),
        required=False,
        empty_label=_("所有遵循国家法定节假日的日历"),
    )

    def clean(self):
        data = super().clean()
        upload = data.get("file")
        if upload is not None:
            if upload.size > 2 * 1024 * 1024:
                raise forms.ValidationError({"file": _("文件过大：通知全文不会超过 2 MB")})
            try:
                data["text"] = notice_text_of_file(upload.name, upload.read())
            except NoticeError as exc:
                raise forms.ValidationError({"file": exc.reason}) from None
        if not (data.get("text") or "").strip():
            raise forms.ValidationError({"text": _("请粘贴通知全文或上传文件")})
        return data


class ExcelImportForm(forms.Form):
    file = forms.FileField(label=_("Excel 文件"), help_text=_("按下载的模板填写：日期、类型（放假/上班）、节日"))
    calendar = forms.ModelChoiceField(
        label=_("适用日历"),
        queryset=WorkCalendar.objects.all(),
        required=False,
        empty_label=_("所有遵循国家法定节假日的日历"),
    )


@admin.register(HolidaySchedule)
class HolidayScheduleAdmin(AuditedModelAdmin):
    list_display = ("year", "scope", "title", "issued_on", "source", "imported_by", "created_at")
    list_filter = ("source", "year")
    fields = (
        "year",
        "calendar",
        "source",
        "title",
        "issued_on",
        "document_number",
        "source_url",
        "imported_by",
        "created_at",
        "source_text",
    )
    readonly_fields = fields
    inlines = [HolidayDayInline]
    change_list_template = "workcal/holidayschedule_changelist.html"

    @admin.display(description=_("适用"))
    def scope(self, obj: HolidaySchedule) -> str:
        return obj.calendar.name if obj.calendar is not None else str(_("全国（所有遵循国家法定节假日的日历）"))

    def has_add_permission(self, request) -> bool:
        return False  # years come in through the import, never typed day by day

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_import_permission(self, request) -> bool:
        return request.user.has_perm("workcal.add_holidayschedule")

    def delete_model(self, request, obj):
        holidays_withdraw(schedule=obj, actor=request.user)

    def delete_queryset(self, request, queryset):
        for obj in queryset:
            holidays_withdraw(schedule=obj, actor=request.user)

    def get_urls(self):
        view = self.admin_site.admin_view
        return [
            path("import/", view(self.import_view), name="workcal_holidayschedule_import"),
            path("excel/", view(self.excel_view), name="workcal_holidayschedule_excel"),
            path("excel/template/", view(self.excel_template_view), name="workcal_holidayschedule_template"),
            *super().get_urls(),
        ]

    def excel_template_view(self, request):
        if not self.has_import_permission(request):
            raise PermissionDenied
        response = HttpResponse(
            template_workbook(), content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
        )
        response["Content-Disposition"] = (
            "attachment; filename*=UTF-8''%E8%8A%82%E5%81%87%E6%97%A5%E6%A8%A1%E6%9D%BF.xlsx"
        )
        return response

    def excel_view(self, request):
        """An Excel sheet of days from the template: recorded at once, or refused naming the row."""
        if not self.has_import_permission(request):
            raise PermissionDenied
        form = ExcelImportForm(request.POST or None, request.FILES or None)
        context = {
            **self.admin_site.each_context(request),
            "opts": self.model._meta,
            "title": _("从 Excel 导入节假日"),
            "form": form,
        }
        if request.method == "POST" and form.is_valid():
            upload = form.cleaned_data["file"]
            try:
                outcomes = excel_import(
                    data=upload.read(), name=upload.name, actor=request.user, calendar=form.cleaned_data["calendar"]
                )
            except SheetError as exc:
                form.add_error("file", str(exc))
            else:
                years = "、".join(str(o.schedule.year) for o in outcomes) or str(_("无变化"))
                messages.success(request, _("已从 Excel 导入：%(years)s") % {"years": years})
                return redirect("admin:workcal_holidayschedule_changelist")
        status = 400 if request.method == "POST" else 200
        return TemplateResponse(request, "workcal/excel_import.html", context, status=status)

    def changelist_view(self, request, extra_context=None):
        extra_context = {**(extra_context or {}), "can_import": self.has_import_permission(request)}
        return super().changelist_view(request, extra_context)

    def import_view(self, request):
        if not self.has_import_permission(request):
            raise PermissionDenied
        context = {
            **self.admin_site.each_context(request),
            "opts": self.model._meta,
            "title": _("导入国务院办公厅节假日安排通知"),
        }
        if request.method != "POST":
            context["form"] = NoticeImportForm()
            return TemplateResponse(request, "workcal/notice_import.html", context)
        form = NoticeImportForm(request.POST, request.FILES)
        context["form"] = form
        if not form.is_valid():
            return TemplateResponse(request, "workcal/notice_import.html", context, status=400)
        text, target = form.cleaned_data["text"], form.cleaned_data["calendar"]
        try:
            parsed = parse_notice(text)
        except NoticeError as exc:
            # Refused: the line and the reason, the text kept as typed, nothing changed.
            context.update(problems=exc.problems, checks=exc.lines)
            form = NoticeImportForm(initial={"text": text, "calendar": target})
            context["form"] = form
            return TemplateResponse(request, "workcal/notice_import.html", context, status=400)
        if request.POST.get("confirm") == "1":
            _parsed, outcome = notice_import(text=text, actor=request.user, calendar=target)
            moved = sum(CalendarChange.objects.get(pk=c.pk).moved for c in outcome.changes)
            verb = _("已更正") if outcome.replaced else _("已导入")
            messages.success(
                request,
                _(
                    "%(verb)s《%(title)s》：%(calendars)d 个日历的 %(days)d 天工作时间有变化，%(moved)d 个计时中的时钟已重新计算到期时间。"
                )
                % {
                    "verb": verb,
                    "title": parsed.title,
                    "calendars": sum(1 for days in outcome.changed.values() if days),
                    "days": max((len(days) for days in outcome.changed.values()), default=0),
                    "moved": moved,
                },
            )
            return redirect("admin:workcal_holidayschedule_change", outcome.schedule.pk)
        shown = target or default_calendar()
        days = [(d.date, d.is_workday, d.name) for d in parsed.days]
        existing = HolidaySchedule.objects.filter(year=parsed.year, calendar=target).first()
        context.update(
            parsed=parsed,
            checks=parsed.lines,
            months=year_grid(preview_engine(shown, parsed.year, days), parsed.year),
            shown_calendar=shown,
            target=target,
            existing=existing,
            weekdays=[_("一"), _("二"), _("三"), _("四"), _("五"), _("六"), _("日")],
            confirm_form=NoticeImportForm(initial={"text": text, "calendar": target}),
        )
        return TemplateResponse(request, "workcal/notice_import.html", context)


@admin.register(HolidayFeed)
class HolidayFeedAdmin(AuditedModelAdmin):
    list_display = ("url", "calendar", "is_active", "checked_at", "succeeded_at", "last_error")
    fields = ("url", "calendar", "is_active", "checked_at", "succeeded_at", "last_error")
    readonly_fields = ("checked_at", "succeeded_at", "last_error")
    actions = ["refresh_now"]

    @admin.action(description=_("立即刷新所选订阅"))
    def refresh_now(self, request, queryset):
        for feed in queryset.select_related("calendar"):
            outcomes = feed_refresh(feed)
            feed.refresh_from_db()
            if feed.last_error:
                messages.error(request, _("%(url)s：%(error)s") % {"url": feed.url, "error": feed.last_error})
            else:
                years = "、".join(str(o.schedule.year) for o in outcomes) or str(_("无变化"))
                messages.success(request, _("%(url)s：已更新 %(years)s") % {"url": feed.url, "years": years})
