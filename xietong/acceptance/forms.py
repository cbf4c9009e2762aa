from django import forms
from django.utils.translation import gettext_lazy as _

from xietong.acceptance.models import DeliverableForm
from xietong.acceptance.process import delivery_note_errors
from xietong.org.models import Person
from xietong.requests.forms import PersonChoiceField


class DeliveryNoteChecks(forms.Form):
    """The 成果交付说明's rule beyond required fields (a test report written or attached), at its field on the
    first refusal — the service checks it again."""

    def clean(self):
        data = super().clean()
        problem = delivery_note_errors({**data, "release": "-", "features": "-"}).get("test_report")
        if problem and "test_report" not in self.errors:
            self.add_error("test_report", problem)
        return data


class SubmitForm(DeliveryNoteChecks):
    name = forms.CharField(
        label=_("交付物名称"), max_length=120, help_text=_("如“续航测试报告”；附件自动命名为 主题+版本+日期")
    )
    form = forms.ChoiceField(label=_("交付形式"), choices=DeliverableForm.choices)
    acceptor = PersonChoiceField(
        label=_("验收人"), queryset=Person.objects.none(), required=False, help_text=_("默认由发起人验收")
    )
    release = forms.CharField(label=_("版本号"), max_length=40, help_text=_("如“V1.0”，每次提交填写新的版本号"))
    features = forms.CharField(
        label=_("功能清单"), widget=forms.Textarea(attrs={"rows": 3}), help_text=_("本版本交付的功能或内容，每行一项")
    )
    test_report = forms.CharField(
        label=_("测试报告"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("测试范围、结果与结论；或在下方上传测试报告文件"),
    )
    test_report_file = forms.FileField(label=_("测试报告文件"), required=False)
    note = forms.CharField(label=_("交付说明"), required=False, widget=forms.Textarea(attrs={"rows": 2}))
    file = forms.FileField(label=_("交付文件"), required=False)

    def __init__(self, *args, request_item=None, **kwargs):
        super().__init__(*args, **kwargs)
        if request_item is not None:
            self.fields["acceptor"].queryset = Person.objects.filter(
                memberships__project=request_item.project, is_active=True
            ).select_related("department")


class ResubmitForm(DeliveryNoteChecks):
    """A new version after 需整改: what was reworked, and the version's own 成果交付说明."""

    note = forms.CharField(label=_("整改内容"), widget=forms.Textarea(attrs={"rows": 2}))
    release = forms.CharField(label=_("版本号"), max_length=40, help_text=_("新的版本号，如“V1.1”"))
    features = forms.CharField(label=_("功能清单"), widget=forms.Textarea(attrs={"rows": 3}), help_text=_("每行一项"))
    test_report = forms.CharField(
        label=_("测试报告"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("测试范围、结果与结论；或在下方上传测试报告文件"),
    )
    test_report_file = forms.FileField(label=_("测试报告文件"), required=False)
    file = forms.FileField(label=_("交付文件"), required=False)


class ResultConfirmationIssueForm(forms.Form):
    """发起结果确认表: the initiator's summary of the final plan or results (the step's reason)."""

    reason = forms.CharField(
        label=_("最终方案/成果汇总"),
        required=False,  # the step's own rule says what is missing, in its words
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("汇总最终方案/成果，发起后由全部关键接收人线上签字确认"),
    )
    version = forms.IntegerField(required=False, widget=forms.HiddenInput)


class ResultSignForm(forms.Form):
    """签字确认结果: nothing to type; the version the signer saw."""

    version = forms.IntegerField(required=False, widget=forms.HiddenInput)


class GoLiveForm(forms.Form):
    went_live_at = forms.DateTimeField(
        label=_("上线时间"),
        required=False,
        input_formats=["%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M", "%Y-%m-%dT%H:%M:%S", "%Y-%m-%d %H:%M:%S"],
        widget=forms.DateTimeInput(attrs={"type": "datetime-local", "id": "went-live-at"}, format="%Y-%m-%dT%H:%M"),
        help_text=_("不填则为现在；不能晚于现在"),
        error_messages={"invalid": _("上线时间格式有误，如 2026-09-30 14:30")},
    )


class RetrospectiveFileForm(forms.Form):
    report = forms.CharField(
        label=_("经验教训"),
        required=False,  # the step's own rule says what is missing, in its words
        widget=forms.Textarea(
            attrs={"rows": 4, "placeholder": _("经验教训，如“需求变更流程需优化”“跨部门沟通频次不足”")}
        ),
    )
