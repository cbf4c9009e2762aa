from django import forms
from django.utils.translation import gettext_lazy as _

from xietong.org.models import Department, Person, Project
from xietong.problems.choices import ProblemUrgency
from xietong.problems.models import Problem

DATE = forms.DateInput(format="%Y-%m-%d", attrs={"type": "date"})


class PersonChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj: Person) -> str:
        return _("%(name)s（%(dept)s）") % {
            "name": obj.display_name,
            "dept": obj.department.name if obj.department else "—",
        }


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class EvidenceField(forms.FileField):
    """证明材料: several files at once (data, screenshots)."""

    widget = MultipleFileInput

    def clean(self, data, initial=None):
        single = super().clean
        if isinstance(data, list | tuple):
            return [single(d, initial) for d in data if d]
        return [single(data, initial)] if data else []


class ProblemForm(forms.ModelForm):
    """问题提报表: background, current state, impact, urgency, expected date, evidence."""

    evidence = EvidenceField(
        label=_("证明材料"), required=False, help_text=_("相关数据、截图等，可多选；文件名按“主题+版本+日期”保存")
    )

    class Meta:
        model = Problem
        fields: tuple[str, ...] = (
            "title",
            "project",
            "urgency",
            "expected_date",
            "background",
            "current_state",
            "impact",
        )
        labels = {"title": _("问题主题")}
        widgets = {
            "expected_date": DATE,
            "background": forms.Textarea(attrs={"rows": 3}),
            "current_state": forms.Textarea(attrs={"rows": 3}),
            "impact": forms.Textarea(attrs={"rows": 3}),
        }

    def __init__(self, *args, user=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["project"].queryset = Project.objects.restrict(user).filter(status="active")
        self.fields["project"].help_text = _("只能选择您所在的项目；问题对该项目成员可见")
        self.fields["urgency"].choices = ProblemUrgency.choices
        for name, field in self.fields.items():
            field.error_messages["required"] = _("请选择%(field)s") if name == "project" else _("请填写%(field)s")
            field.error_messages["required"] %= {"field": field.label}


class DispatchForm(forms.Form):
    """问题分派通知."""

    lead_department = forms.ModelChoiceField(
        label=_("主责部门"),
        queryset=Department.objects.order_by("sort_order", "name"),
        error_messages={
            "required": _("请选择主责部门"),
            "invalid_choice": _("所选主责部门不存在（可能已被删除），请重新选择"),
        },
    )
    owner = PersonChoiceField(
        label=_("主责负责人"),
        queryset=Person.objects.filter(is_active=True).select_related("department").order_by("department__sort_order"),
        required=False,
        help_text=_("留空时由主责部门负责人负责"),
        error_messages={"invalid_choice": _("所选负责人不存在，请重新选择")},
    )
    helper_departments = forms.ModelMultipleChoiceField(
        label=_("配合部门"),
        queryset=Department.objects.filter(parent__isnull=False).order_by("sort_order", "name"),
        widget=forms.CheckboxSelectMultiple(attrs={"class": "checkgrid"}),
        required=False,
        help_text=_("可多选；配合部门负责人将收到通知"),
        error_messages={"invalid_choice": _("所选配合部门中有不存在的部门，请重新选择")},
    )
    deadline = forms.DateField(label=_("完成时限"), widget=DATE, error_messages={"required": _("请填写完成时限")})
    basis = forms.CharField(
        label=_("分派依据"),
        widget=forms.Textarea(attrs={"rows": 2}),
        error_messages={"required": _("请填写分派依据")},
        help_text=_("例如“根据部门职责，系统稳定性问题由软件开发部牵头”"),
    )
    version = forms.IntegerField(widget=forms.HiddenInput, required=False)


class ProgressForm(forms.Form):
    """问题处理进度表 (阶段性成果、风险说明)."""

    progress = forms.CharField(
        label=_("阶段性成果"),
        widget=forms.Textarea(attrs={"rows": 2}),
        error_messages={"required": _("请填写阶段性成果")},
    )
    risk = forms.CharField(label=_("风险说明"), widget=forms.Textarea(attrs={"rows": 2}), required=False)
    next_step = forms.CharField(label=_("下一步计划"), widget=forms.Textarea(attrs={"rows": 2}), required=False)
    major_risk = forms.BooleanField(label=_("遇重大风险，立即上报综合管理部与分管领导"), required=False)
    version = forms.IntegerField(widget=forms.HiddenInput, required=False)


class SolutionForm(forms.Form):
    """问题解决报告 (措施、效果验证)."""

    cause = forms.CharField(label=_("问题原因"), widget=forms.Textarea(attrs={"rows": 2}), required=False)
    measures = forms.CharField(
        label=_("解决措施"), widget=forms.Textarea(attrs={"rows": 2}), error_messages={"required": _("请填写解决措施")}
    )
    effect = forms.CharField(
        label=_("效果验证"),
        widget=forms.Textarea(attrs={"rows": 2}),
        error_messages={"required": _("请填写效果验证")},
        help_text=_("用数据说明效果，例如“连续 5 个工作日无同类投诉”"),
    )
    version = forms.IntegerField(widget=forms.HiddenInput, required=False)


class UrgencyForm(forms.Form):
    urgency = forms.ChoiceField(label=_("紧急程度"), choices=ProblemUrgency.choices)
    reason = forms.CharField(label=_("调整原因"), required=False, max_length=3000)
    version = forms.IntegerField(widget=forms.HiddenInput, required=False)


class ResubmitForm(ProblemForm):
    """The 问题提报表 revised after the head returned it (the project stays)."""

    evidence = None  # type: ignore[assignment]
    version = forms.IntegerField(widget=forms.HiddenInput, required=False)

    class Meta(ProblemForm.Meta):
        fields = ("title", "urgency", "expected_date", "background", "current_state", "impact")

    def __init__(self, *args, user=None, **kwargs):
        forms.ModelForm.__init__(self, *args, **kwargs)
        self.fields["urgency"].choices = ProblemUrgency.choices
        for field in self.fields.values():
            field.error_messages["required"] = _("请填写%(field)s") % {"field": field.label}


class PlanForm(forms.Form):
    """解决方案: up to five measures, each with its 责任人 and 计划完成时间, and the 协商情况."""

    ROWS = 5
    consultation = forms.CharField(
        label=_("与配合部门协商情况"),
        widget=forms.Textarea(attrs={"rows": 2}),
        required=False,
        help_text=_("步骤3：解决方案需与配合部门协商；有配合部门时必填"),
    )
    version = forms.IntegerField(widget=forms.HiddenInput, required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        people = Person.objects.filter(is_active=True).select_related("department").order_by("department__sort_order")
        for i in range(1, self.ROWS + 1):
            self.fields[f"measure_{i}"] = forms.CharField(
                label=_("措施 %(i)d") % {"i": i}, required=False, max_length=3000
            )
            self.fields[f"owner_{i}"] = PersonChoiceField(
                label=_("责任人 %(i)d") % {"i": i},
                queryset=people,
                required=False,
                error_messages={"invalid_choice": _("所选责任人不存在或已停用，请重新选择")},
            )
            self.fields[f"due_date_{i}"] = forms.DateField(
                label=_("计划完成时间 %(i)d") % {"i": i},
                widget=DATE,
                required=False,
                error_messages={"invalid": _("请按 年/月/日 填写日期")},
            )
        self.order_fields([*(f"{k}_{i}" for i in range(1, self.ROWS + 1) for k in ("measure", "owner", "due_date"))])

    def measures(self) -> list[dict]:
        data = self.cleaned_data
        return [
            {
                "measure": data.get(f"measure_{i}"),
                "owner": data.get(f"owner_{i}"),
                "due_date": data.get(f"due_date_{i}"),
            }
            for i in range(1, self.ROWS + 1)
        ]
