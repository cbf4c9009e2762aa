from django import forms
from django.utils.translation import gettext_lazy as _

from xietong.acceptance.models import DeliverableForm
from xietong.org.models import Person
from xietong.requests.forms import PersonChoiceField


class SubmitForm(forms.Form):
    name = forms.CharField(
        label=_("交付物名称"), max_length=120, help_text=_("如“续航测试报告”；附件自动命名为 主题+版本+日期")
    )
    form = forms.ChoiceField(label=_("交付形式"), choices=DeliverableForm.choices)
    acceptor = PersonChoiceField(
        label=_("验收人"), queryset=Person.objects.none(), required=False, help_text=_("默认由发起人验收")
    )
    note = forms.CharField(label=_("交付说明"), required=False, widget=forms.Textarea(attrs={"rows": 2}))
    file = forms.FileField(label=_("交付文件"), required=False)

    def __init__(self, *args, request_item=None, **kwargs):
        super().__init__(*args, **kwargs)
        if request_item is not None:
            self.fields["acceptor"].queryset = Person.objects.filter(
                memberships__project=request_item.project, is_active=True
            ).select_related("department")
