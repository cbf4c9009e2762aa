from django import forms
from django.utils.translation import gettext_lazy as _

from xietong.incidents.choices import EntryKind
from xietong.org.models import Department, Person, Project

TEAM_ROWS = 6
ACTION_ROWS = 5


class PersonChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj: Person) -> str:
        return _("%(name)s（%(dept)s）") % {
            "name": obj.display_name,
            "dept": obj.department.name if obj.department else "—",
        }


def active_people():
    return Person.objects.filter(is_active=True).select_related("department").order_by("department__sort_order", "pk")


class IncidentReportForm(forms.Form):
    """紧急事务初始信息表: what happened, when, scope, temporary measures. Only the description is required."""

    description = forms.CharField(
        label=_("发生了什么"),
        widget=forms.Textarea(attrs={"rows": 3, "placeholder": _("如“官网无法访问，用户反馈量激增”")}),
        error_messages={"required": _("请描述发生了什么，例如“官网无法访问，用户反馈量激增”")},
    )
    occurred_at = forms.DateTimeField(
        label=_("发生时间"),
        required=False,
        widget=forms.DateTimeInput(format="%Y-%m-%dT%H:%M", attrs={"type": "datetime-local"}),
        help_text=_("留空即为现在"),
    )
    scope = forms.CharField(
        label=_("影响范围"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 2, "placeholder": _("如“全国用户，约 1000+ 访问/分钟”")}),
    )
    measures_taken = forms.CharField(
        label=_("已采取的临时措施"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 2, "placeholder": _("如“重启服务器无效”")}),
    )
    title = forms.CharField(label=_("简短标题"), required=False, max_length=120, help_text=_("留空时取描述的第一句"))
    responsible_department = forms.ModelChoiceField(
        label=_("主责部门"),
        queryset=Department.objects.order_by("sort_order", "name"),
        required=False,
        help_text=_("留空即为您所在的部门"),
        empty_label=_("（我所在的部门）"),
        error_messages={"invalid_choice": _("所选主责部门不存在（可能已被删除），请重新选择")},
    )
    lead = PersonChoiceField(
        label=_("应急负责人"),
        queryset=active_people(),
        required=False,
        help_text=_("留空时由主责部门的分管领导牵头（未设分管领导时为部门负责人）"),
        empty_label=_("（主责部门分管领导）"),
        error_messages={"invalid_choice": _("所选人员不存在，请重新选择")},
    )
    project = forms.ModelChoiceField(
        label=_("关联项目"), queryset=Project.objects.none(), required=False, empty_label=_("（不关联项目）")
    )

    def __init__(self, *args, user=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["project"].queryset = Project.objects.restrict(user).filter(status="active")  # type: ignore[attr-defined]


class TeamForm(forms.Form):
    """应急小组分工: one row per member (person and duty)."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for i in range(1, TEAM_ROWS + 1):
            self.fields[f"member_{i}"] = PersonChoiceField(
                label=_("成员 %(n)d") % {"n": i},
                queryset=active_people(),
                required=False,
                error_messages={"invalid_choice": _("所选人员不存在，请重新选择")},
            )
            self.fields[f"duty_{i}"] = forms.CharField(
                label=_("分工 %(n)d") % {"n": i},
                required=False,
                max_length=200,
                widget=forms.TextInput(attrs={"placeholder": _("如“排查服务器日志”")}),
            )

    def rows(self):
        return [(self[f"member_{i}"], self[f"duty_{i}"]) for i in range(1, TEAM_ROWS + 1)]

    def members(self) -> list[tuple[Person, str]]:
        data = self.cleaned_data
        return [
            (data[f"member_{i}"], data.get(f"duty_{i}") or "")
            for i in range(1, TEAM_ROWS + 1)
            if data.get(f"member_{i}") is not None
        ]


class UpdateForm(forms.Form):
    kind = forms.ChoiceField(
        label=_("类型"),
        choices=[(EntryKind.STATUS, EntryKind.STATUS.label), (EntryKind.DECISION, EntryKind.DECISION.label)],
    )
    body = forms.CharField(
        label=_("内容"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 2, "placeholder": _("如“初步判断为数据库连接池溢出，正在扩容”")}),
    )


class AcknowledgeForm(forms.Form):
    ready_note = forms.CharField(
        label=_("准备情况"),
        required=False,
        max_length=300,
        widget=forms.TextInput(attrs={"placeholder": _("如“研发团队已准备回滚方案”")}),
    )


class ControlForm(forms.Form):
    note = forms.CharField(label=_("说明"), required=False, widget=forms.Textarea(attrs={"rows": 2}))


class ResolveForm(forms.Form):
    """紧急事务处理报告: cause and measures; the duration is computed from the times."""

    cause = forms.CharField(
        label=_("问题原因"),
        widget=forms.Textarea(attrs={"rows": 2}),
        error_messages={"required": _("请填写问题原因，例如“数据库连接池溢出”")},
    )
    measures = forms.CharField(
        label=_("解决措施"),
        widget=forms.Textarea(attrs={"rows": 2}),
        error_messages={"required": _("请填写解决措施，例如“扩容连接池并回滚当日发布”")},
    )


class NoticeForm(forms.Form):
    text = forms.CharField(label=_("用户告知函"), required=False, widget=forms.Textarea(attrs={"rows": 10}))
    recipients = forms.CharField(
        label=_("发送至（邮箱）"),
        required=False,
        help_text=_("受影响用户或客服群发地址，逗号或换行分隔；管理员配置的推送渠道同时发出"),
        widget=forms.Textarea(attrs={"rows": 2}),
    )

    def addresses(self) -> list[str]:
        raw = self.cleaned_data.get("recipients") or ""
        return [a.strip() for a in raw.replace("，", ",").replace("\n", ",").split(",") if a.strip()]


class WrittenReportForm(forms.Form):
    """《紧急事项报告》(含详细说明)."""

    report = forms.CharField(
        label=_("紧急事项报告（详细说明）"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 3, "placeholder": _("问题类型、影响程度、初步应对措施")}),
    )


class PlanForm(forms.Form):
    """应急方案: 各小组职责、资源调配需求."""

    plan = forms.CharField(
        label=_("应急方案"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 3, "placeholder": _("各小组职责与资源调配需求")}),
    )


class LeaderReportForm(forms.Form):
    body = forms.CharField(
        label=_("向分管领导汇报进展"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 2, "placeholder": _("如“已回滚发布，访问恢复 80%”")}),
    )


class ReviewForm(forms.Form):
    """复盘: conclusions and improvement actions (content, owner, due date)."""

    summary = forms.CharField(
        label=_("复盘结论"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 3, "placeholder": _("经验教训，如“发布前缺少连接池容量评估”")}),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for i in range(1, ACTION_ROWS + 1):
            self.fields[f"action_title_{i}"] = forms.CharField(
                label=_("改进措施 %(n)d") % {"n": i}, required=False, max_length=120
            )
            self.fields[f"action_owner_{i}"] = PersonChoiceField(
                label=_("负责人"),
                queryset=active_people(),
                required=False,
                error_messages={"invalid_choice": _("所选人员不存在，请重新选择")},
            )
            self.fields[f"action_due_{i}"] = forms.DateField(
                label=_("完成时间"),
                required=False,
                widget=forms.DateInput(format="%Y-%m-%d", attrs={"type": "date"}),
            )

    def rows(self):
        return [
            (self[f"action_title_{i}"], self[f"action_owner_{i}"], self[f"action_due_{i}"])
            for i in range(1, ACTION_ROWS + 1)
        ]

    def actions(self):
        from xietong.incidents.services import ActionDraft

        data = self.cleaned_data
        return [
            ActionDraft(data.get(f"action_title_{i}") or "", data.get(f"action_owner_{i}"), data.get(f"action_due_{i}"))
            for i in range(1, ACTION_ROWS + 1)
        ]


class DoneForm(forms.Form):
    note = forms.CharField(label=_("完成情况"), required=False, widget=forms.Textarea(attrs={"rows": 2}))
