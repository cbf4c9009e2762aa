from django import forms
from django.utils.translation import gettext_lazy as _

from xietong.org.models import Person
from xietong.requests.forms import PersonChoiceField


class ProgressForm(forms.Form):
    text = forms.CharField(
        label=_("当日进展"),
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("如“已完成UI设计初稿80%，预计明日交付”"),
    )
    percent = forms.IntegerField(label=_("完成百分比"), min_value=0, max_value=100)
    next_step = forms.CharField(label=_("次日计划"), required=False, widget=forms.Textarea(attrs={"rows": 2}))
    needs_help = forms.BooleanField(label=_("【需协助】"), required=False)
    help_from = PersonChoiceField(label=_("需要谁协助"), queryset=Person.objects.none(), required=False)

    def __init__(self, *args, task=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["help_from"].queryset = (
            Person.objects.filter(memberships__project=task.project, is_active=True).select_related("department")
            if task
            else Person.objects.none()
        )
