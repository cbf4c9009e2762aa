from django import forms
from django.utils.translation import gettext_lazy as _

from xietong.org.models import Department
from xietong.risks.models import Severity

DT = forms.DateTimeInput(format="%Y-%m-%dT%H:%M", attrs={"type": "datetime-local"})
DATE = forms.DateInput(format="%Y-%m-%d", attrs={"type": "date"})


class ExceptionForm(forms.Form):
    title = forms.CharField(label=_("问题概述"), max_length=120, required=False)
    discovered_at = forms.DateTimeField(
        label=_("发现时间"), widget=DT, input_formats=["%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M"]
    )
    severity = forms.ChoiceField(label=_("严重程度"), choices=Severity.choices)
    problem = forms.CharField(label=_("问题详情"), widget=forms.Textarea(attrs={"rows": 3}))
    impact = forms.CharField(label=_("影响范围"), widget=forms.Textarea(attrs={"rows": 2}))
    proposal = forms.CharField(label=_("建议解决方案"), widget=forms.Textarea(attrs={"rows": 2}))
    expected_resolution = forms.DateTimeField(
        label=_("预计解决时间（重大问题必填）"),
        widget=DT,
        required=False,
        input_formats=["%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M"],
    )


class DelayForm(forms.Form):
    new_end_date = forms.DateField(label=_("申请延至"), widget=DATE)
    reason = forms.CharField(label=_("延期原因"), widget=forms.Textarea(attrs={"rows": 2}))
    new_plan = forms.CharField(label=_("调整后的计划"), widget=forms.Textarea(attrs={"rows": 2}))


class DisputeForm(forms.Form):
    title = forms.CharField(label=_("分歧点"), max_length=120)
    department_b = forms.ModelChoiceField(label=_("对方部门"), queryset=Department.objects.all())
    position_a = forms.CharField(label=_("本部门意见"), widget=forms.Textarea(attrs={"rows": 3}))
