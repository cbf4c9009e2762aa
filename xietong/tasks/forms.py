from django import forms
from django.utils.translation import gettext_lazy as _

from xietong.org.models import Person
from xietong.org.pickers import PeoplePicker, PersonPicker
from xietong.org.selectors import project_pickable
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
        widget=PeoplePicker(),
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
            "completion_criteria",
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
            "owner": PersonPicker(),
            "coordinator": PersonPicker(),
            "content": forms.Textarea(attrs={"rows": 2}),
            "completion_criteria": forms.Textarea(attrs={"rows": 2}),
            "resources": forms.Textarea(attrs={"rows": 2}),
        }

    def __init__(self, *args, breakdown=None, actor=None, **kwargs):
        super().__init__(*args, **kwargs)
        # Only who may be named: the project's people, and the members of a department the builder heads
        # (they join the project when chosen, tasks.services._admit). Searchable by name, pinyin, department.
        people, joining = project_pickable(actor, breakdown.request.project)
        if self.instance.pk:  # whoever the task names now stays choosable (someone may have left the project)
            named = {self.instance.owner_id, self.instance.coordinator_id}
            named.update(self.instance.helpers.values_list("pk", flat=True))
            people = people | Person.objects.filter(pk__in=named)
        for name in ("owner", "helpers", "coordinator"):
            self.fields[name].queryset = people
            self.fields[name].widget.joining = joining
        if joining:
            self.fields["owner"].help_text = _("您部门的同事不在项目中时，选中即加入项目（记入项目历史）")
        others = breakdown.tasks.exclude(state="cancelled")
        if self.instance.pk:
            others = others.exclude(pk=self.instance.pk)
        self.fields["predecessors"].queryset = others
        self.fields["predecessors"].label_from_instance = lambda t: f"{t.position}. {t.title}"
        self.fields["priority"].choices = Priority.choices
