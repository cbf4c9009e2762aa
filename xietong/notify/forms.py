from django import forms
from django.utils.translation import gettext_lazy as _

from xietong.notify.models import MessageKind

KIND_CHOICES = [(k.value, k.label) for k in MessageKind if k != MessageKind.TEST]


class PreferenceForm(forms.Form):
    email_kinds = forms.MultipleChoiceField(
        label=_("通过邮件接收"), choices=KIND_CHOICES, required=False, widget=forms.CheckboxSelectMultiple
    )
    chat_kinds = forms.MultipleChoiceField(
        label=_("在群机器人消息中 @ 我"), choices=KIND_CHOICES, required=False, widget=forms.CheckboxSelectMultiple
    )
    app_kinds = forms.MultipleChoiceField(
        label=_("在钉钉、企业微信或飞书中接收（可直接点按钮处理）"),
        choices=KIND_CHOICES,
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    quiet_hours = forms.BooleanField(
        label=_("工作时间外免打扰"),
        required=False,
        help_text=_("非紧急的邮件在工作时间外暂存，下一个工作时段送达；紧急与紧急事项消息不受影响"),
    )
    digest = forms.BooleanField(label=_("每个工作日 09:00 发送每日摘要"), required=False)
