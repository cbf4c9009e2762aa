from django import forms
from django.utils.translation import gettext_lazy as _

from xietong.org.models import Department, Person, Project
from xietong.requests.choices import Priority
from xietong.requests.models import Request
from xietong.requests.participants import Taking, participants_parse


class PersonChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj: Person) -> str:
        return _("%(name)s（%(dept)s）") % {
            "name": obj.display_name,
            "dept": obj.department.name if obj.department else "—",
        }


class RequestForm(forms.ModelForm):
    """需求说明书: the template's fields; acceptance criteria one per line."""

    criteria = forms.CharField(
        label=_("验收标准"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=_("每行一条，可量化，例如“1.工单分类准确率达95%以上”“2.跨部门响应时间≤2小时”"),
    )
    participants = forms.CharField(
        label=_("参与部门及职责"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_(
            "接收部门之外需配合的部门，每行一个：部门/对接人：职责，如“市场部/罗倩：提供用户调研数据”；"
            "各部门负责人须在平台确认签字"
        ),
    )
    version = forms.IntegerField(widget=forms.HiddenInput, required=False)

    class Meta:
        model = Request
        fields = (
            "title",
            "project",
            "priority",
            "collaboration_type",
            "requesting_department",
            "requester",
            "receiving_department",
            "receiver",
            "background",
            "goal",
            "content",
            "expected_date",
        )
        field_classes = {"requester": PersonChoiceField, "receiver": PersonChoiceField}
        widgets = {
            "expected_date": forms.DateInput(format="%Y-%m-%d", attrs={"type": "date"}),
            "background": forms.Textarea(attrs={"rows": 3}),
            "goal": forms.Textarea(attrs={"rows": 3}),
            "content": forms.Textarea(attrs={"rows": 5}),
        }

    def __init__(self, *args, user=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["project"].queryset = Project.objects.restrict(user).filter(status="active")
        self.fields["requesting_department"].queryset = Department.objects.all()
        self.fields["receiving_department"].queryset = Department.objects.all()
        # Anyone in the company may be asked: receiver choice spans all active people.
        people = (
            Person.objects.filter(is_active=True)
            .select_related("department")
            .order_by("department__sort_order", "name")
        )
        self.fields["requester"].queryset = people
        self.fields["receiver"].queryset = people
        self.fields["priority"].choices = Priority.choices
        for name in ("background", "goal", "content"):
            self.fields[name].required = False  # required on submit, not for a draft (the service says which)
        # Marked * like the fields every draft needs: submitting refuses them empty.
        self.required_on_submit = ("background", "goal", "content", "criteria")
        order = list(self.fields)
        order.remove("participants")
        order.insert(order.index("receiver") + 1, "participants")
        self.order_fields(order)
        self.taking: list[Taking] = []

    def clean_participants(self) -> str:
        text = self.cleaned_data.get("participants") or ""
        self.taking, problem = participants_parse(text)
        if problem:
            raise forms.ValidationError(problem)
        return text

    def criteria_lines(self) -> list[str]:
        return [line.strip() for line in (self.cleaned_data.get("criteria") or "").splitlines() if line.strip()]


class TransitionForm(forms.Form):
    reason = forms.CharField(required=False, widget=forms.Textarea(attrs={"rows": 3}), max_length=3000)
    version = forms.IntegerField(required=False)
