from django import forms
from django.utils.translation import gettext_lazy as _

from xietong.org.models import Person


class ContactForm(forms.ModelForm):
    version = forms.IntegerField(widget=forms.HiddenInput)

    class Meta:
        model = Person
        fields = ("email", "phone", "dingtalk_id", "feishu_id", "wecom_id")
        labels = {"email": _("邮箱")}


class AbsenceForm(forms.Form):
    """休假/外出代理: whose absence (oneself, or a member of a department one heads), from when to when, why,
    and who stands in."""

    person = forms.ModelChoiceField(label=_("人员"), queryset=Person.objects.none())
    starts_at = forms.DateTimeField(
        label=_("开始时间"), widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M")
    )
    ends_at = forms.DateTimeField(
        label=_("结束时间"), widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M")
    )
    reason = forms.CharField(label=_("事由"), max_length=200, help_text=_("例如“国庆休假”“出差深圳”"))
    stand_in = forms.ModelChoiceField(
        label=_("代理人"),
        queryset=Person.objects.none(),
        help_text=_("期间由代理人处理您的待办；时限提醒同时发给您和代理人"),
    )

    def __init__(self, *args, people=None, **kwargs):
        super().__init__(*args, **kwargs)
        active = Person.objects.filter(is_active=True).select_related("department")
        self.fields["person"].queryset = people if people is not None else active.none()
        self.fields["stand_in"].queryset = active.order_by("department__sort_order", "name")
        self.fields["person"].label_from_instance = _person_label
        self.fields["stand_in"].label_from_instance = _person_label


def _person_label(person: Person) -> str:
    department = person.department.name if person.department is not None else ""
    return f"{person.display_name}（{department}）" if department else person.display_name
