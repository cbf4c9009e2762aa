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
        widget=forms.Textarea(
            attrs={
                "rows": 8,
                "data-rich-editor": "body_format",
                "data-label-bold": _("加粗"),
                "data-label-heading": _("标题"),
                "data-label-list": _("列表"),
                "data-label-numbered": _("编号"),
                "data-label-link": _("链接"),
                "data-label-link-prompt": _("链接地址（以 http:// 或 https:// 开头）"),
                "data-label-link-refused": _("链接须以 http:// 或 https:// 开头，例如 https://example.com/guide"),
            }
        ),
        help_text=_("用工具栏设置加粗、标题、列表和链接；不使用编辑器时按纯文本保存，所写内容原样显示"),
    )
    # "html" only from the editor (static/js/rich-editor.js); typed text without it is plain text.
    body_format = forms.ChoiceField(
        choices=[("text", "text"), ("html", "html")], initial="text", required=False, widget=forms.HiddenInput
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
        data["body_format"] = self.cleaned_data.get("body_format") or "text"
        data["target_everyone"] = self.cleaned_data.get("target_everyone", False)
        return data
