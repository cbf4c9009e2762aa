from django import forms
from django.utils.translation import gettext_lazy as _

from xietong.org.models import Person
from xietong.requests.choices import Priority
from xietong.requests.forms import PersonChoiceField
from xietong.tasks.models import Task


class PeopleField(forms.ModelMultipleChoiceField):
    def label_from_instance(self, obj: Person) -> str:
        return _("%(name)s（%(dept)s）") % {
            "name": obj.display_name,
            "dept": obj.department.name if obj.department else "—",
        }


class TaskForm(forms.ModelForm):
    helpers = PeopleField(
        label=_("协助人"),
        queryset=Person.objects.none(),
        required=False,
        widget=forms.SelectMultiple(attrs={"size": 5}),
    )
    predecessors = forms.ModelMultipleChoiceField(
        label=_("前置任务（完成后才能开始）"),
        queryset=Task.objects.none(),
        required=False,
        widget=forms.SelectMultiple(attrs={"size": 4}),
    )
    version = forms.IntegerField(widget=forms.HiddenInput, required=False)

    class Meta:
        model = Task
        fields = (
            "title",
            "content",
            "owner",
            "helpers",
            "start_date",
            "end_date",
            "priority",
            "resources",
            "coordinator",
        )
        labels = {"title": _("任务名称")}
        field_classes = {"owner": PersonChoiceField, "coordinator": PersonChoiceField}
        widgets = {
            "start_date": forms.DateInput(format="%Y-%m-%d", attrs={"type": "date"}),
            "end_date": forms.DateInput(format="%Y-%m-%d", attrs={"type": "date"}),
            "content": forms.Textarea(attrs={"rows": 2}),
            "resources": forms.Textarea(attrs={"rows": 2}),
        }

    def __init__(self, *args, breakdown=None, **kwargs):
        super().__init__(*args, **kwargs)
        project = breakdown.request.project
        members = Person.objects.filter(memberships__project=project, is_active=True).select_related("department")
        # Anyone may be chosen here; the service refuses non-members with a clear message.
        everyone = Person.objects.filter(is_active=True).select_related("department").order_by("department__sort_order")
        self.fields["owner"].queryset = everyone
        self.fields["helpers"].queryset = everyone
        self.fields["coordinator"].queryset = everyone
        self.fields["owner"].help_text = _("项目成员：%(names)s") % {
            "names": "、".join(p.display_name for p in members)
        }
        others = breakdown.tasks.exclude(state="cancelled")
        if self.instance.pk:
            others = others.exclude(pk=self.instance.pk)
        self.fields["predecessors"].queryset = others
        self.fields["predecessors"].label_from_instance = lambda t: f"{t.position}. {t.title}"
        self.fields["priority"].choices = Priority.choices
