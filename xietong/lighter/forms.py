from django import forms
from django.utils.translation import gettext_lazy as _

from xietong.org.models import Person, Project
from xietong.org.pickers import PeoplePicker

DATE = forms.DateInput(format="%Y-%m-%d", attrs={"type": "date"})
STEP_ROWS = 6
DEFAULT_STEPS = [
    _("领取工牌、办公设备与工位"),
    _("开通邮箱、协同账号与钉钉"),
    _("岗位职责与部门制度讲解"),
    _("熟悉协作流程：需求说明书、问题提报、紧急事项上报"),
    _("完成第一个小任务并复盘"),
]


class PersonChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj: Person) -> str:
        return _("%(name)s（%(dept)s）") % {
            "name": obj.display_name,
            "dept": obj.department.name if obj.department else "—",
        }


class PeopleField(forms.ModelMultipleChoiceField):
    def label_from_instance(self, obj: Person) -> str:
        return _("%(name)s（%(dept)s）") % {
            "name": obj.display_name,
            "dept": obj.department.name if obj.department else "—",
        }


def active_people():
    return Person.objects.filter(is_active=True).select_related("department").order_by("department__sort_order", "pk")


class CustomerForm(forms.Form):
    title = forms.CharField(
        label=_("需求主题"),
        max_length=120,
        error_messages={"required": _("请填写需求主题，例如“智能手表续航需求对接”")},
    )
    customer = forms.CharField(label=_("客户"), max_length=80, error_messages={"required": _("请填写客户名称")})
    owner = PersonChoiceField(
        label=_("客户对接人"), queryset=active_people(), required=False, help_text=_("留空为本人")
    )
    project = forms.ModelChoiceField(label=_("关联项目"), queryset=Project.objects.none(), required=False)
    description = forms.CharField(label=_("需求概述"), required=False, widget=forms.Textarea(attrs={"rows": 3}))

    def __init__(self, *args, user=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["project"].queryset = Project.objects.restrict(user).filter(status="active")  # type: ignore[attr-defined]


class SyncRowForm(forms.Form):
    """One row of 客户需求沟通进度同步表."""

    date = forms.DateField(label=_("日期"), widget=DATE, error_messages={"required": _("请填写日期")})
    stage = forms.CharField(
        label=_("沟通阶段"),
        max_length=40,
        widget=forms.TextInput(attrs={"list": "stage-suggestions"}),
        error_messages={"required": _("请填写沟通阶段，例如“需求确认”")},
    )
    progress = forms.CharField(
        label=_("进展描述"), widget=forms.Textarea(attrs={"rows": 2}), error_messages={"required": _("请填写进展描述")}
    )
    people = PeopleField(
        label=_("参与人"),
        queryset=active_people(),
        widget=PeoplePicker(),
        error_messages={"required": _("请选择参与人")},
    )
    next_step = forms.CharField(
        label=_("下一步计划"),
        widget=forms.Textarea(attrs={"rows": 2}),
        error_messages={"required": _("请填写下一步计划，例如“5月20日前收集客户反馈并修改”")},
    )
    risk = forms.CharField(label=_("风险"), required=False, widget=forms.Textarea(attrs={"rows": 2}))
    response = forms.CharField(label=_("应对"), required=False, widget=forms.Textarea(attrs={"rows": 2}))


class OnboardingForm(forms.Form):
    newcomer = PersonChoiceField(
        label=_("新员工"), queryset=active_people(), error_messages={"required": _("请选择新员工")}
    )
    contact = PersonChoiceField(
        label=_("对接人"), queryset=active_people(), error_messages={"required": _("请选择对接人")}
    )
    start_date = forms.DateField(label=_("入职日期"), widget=DATE, error_messages={"required": _("请填写入职日期")})
    duties = forms.CharField(
        label=_("岗位职责"), widget=forms.Textarea(attrs={"rows": 3}), error_messages={"required": _("请写明岗位职责")}
    )
    process_links = forms.CharField(
        label=_("流程链接"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("每行一个：名称 链接，例如“发起需求 /requests/new/”"),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for i in range(1, STEP_ROWS + 1):
            self.fields[f"step_title_{i}"] = forms.CharField(
                label=_("事项 %(n)d") % {"n": i}, required=False, max_length=120
            )
            self.fields[f"step_owner_{i}"] = PersonChoiceField(
                label=_("负责人"), queryset=active_people(), required=False
            )
            self.fields[f"step_due_{i}"] = forms.DateField(label=_("完成时间"), widget=DATE, required=False)

    def step_rows(self):
        return [
            (self[f"step_title_{i}"], self[f"step_owner_{i}"], self[f"step_due_{i}"]) for i in range(1, STEP_ROWS + 1)
        ]

    def steps(self):
        from xietong.lighter.services import StepDraft

        data = self.cleaned_data
        return [
            StepDraft(data.get(f"step_title_{i}") or "", data.get(f"step_owner_{i}"), data.get(f"step_due_{i}"))
            for i in range(1, STEP_ROWS + 1)
        ]


class StepForm(forms.Form):
    title = forms.CharField(label=_("事项"), required=False, max_length=120)
    owner = PersonChoiceField(label=_("负责人"), queryset=active_people(), required=False)
    due_date = forms.DateField(label=_("完成时间"), widget=DATE, required=False)
