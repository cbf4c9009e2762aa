from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from xietong.org.models import Department, Person, Project
from xietong.org.pickers import PeoplePicker
from xietong.tasks.forms import PeopleField


class NoticeForm(forms.Form):
    """内部事务通知确认单: 通知主题、通知内容、涉及部门 / 需确认人员、生效日期、是否需确认及截止时间."""

    title = forms.CharField(label=_("通知主题"), max_length=120)
    project = forms.ModelChoiceField(
        label=_("所属项目"),
        queryset=Project.objects.none(),
        required=False,
        help_text=_("与某个项目有关时选择；面向全公司或部门的通知可不选"),
    )
    body = forms.CharField(
        label=_("通知内容"),
        widget=forms.Textarea(attrs={"rows": 8}),
        help_text=_("可直接输入文字；也可使用简单 HTML（<p>、<strong>、<ul><li>、<a href>），其余标签会被移除"),
    )
    effective_date = forms.DateField(
        label=_("生效日期"), widget=forms.DateInput(format="%Y-%m-%d", attrs={"type": "date"})
    )
    target_everyone = forms.BooleanField(label=_("全体人员"), required=False)
    target_departments = forms.ModelMultipleChoiceField(
        label=_("涉及部门（含下级部门）"),
        queryset=Department.objects.order_by("sort_order"),
        required=False,
        widget=forms.SelectMultiple(attrs={"size": 6}),
    )
    target_people = PeopleField(
        label=_("指定人员"),
        queryset=Person.objects.none(),
        required=False,
        widget=PeoplePicker(),
    )
    requires_confirmation = forms.BooleanField(label=_("需确认已阅"), required=False, initial=True)
    confirm_by = forms.DateTimeField(
        label=_("确认截止时间"),
        required=False,
        widget=forms.DateTimeInput(format="%Y-%m-%dT%H:%M", attrs={"type": "datetime-local"}),
        input_formats=["%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M"],
    )
    version = forms.IntegerField(widget=forms.HiddenInput, required=False)

    def __init__(self, *args, user=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["project"].queryset = Project.objects.restrict(user).filter(status="active")
        self.fields["target_people"].queryset = (
            Person.objects.filter(is_active=True)
            .select_related("department")
            .order_by("department__sort_order", "name")
        )

    def service_data(self) -> dict:
        data = {
            k: self.cleaned_data.get(k)
            for k in ("title", "project", "body", "effective_date", "requires_confirmation", "confirm_by")
        }
        data["target_everyone"] = self.cleaned_data.get("target_everyone", False)
        return data
