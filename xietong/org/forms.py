from django import forms
from django.utils.translation import gettext_lazy as _

from xietong.org.models import Person


class ContactForm(forms.ModelForm):
    version = forms.IntegerField(widget=forms.HiddenInput)

    class Meta:
        model = Person
        fields = ("email", "phone", "dingtalk_id", "feishu_id", "wecom_id")
        labels = {"email": _("邮箱")}
