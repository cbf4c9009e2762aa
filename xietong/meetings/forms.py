"""Forms of the meeting pages: the 会议申请表, answers, minutes with their action-item rows, a series."""

from __future__ import annotations

import datetime as dt
from typing import cast

from django import forms
from django.utils.translation import gettext_lazy as _

from xietong.core import clock
from xietong.meetings.choices import MeetingMode
from xietong.meetings.models import MeetingType, Room, SeriesFrequency
from xietong.org.models import Department, Person, Project
from xietong.requests.forms import PersonChoiceField
from xietong.tasks.forms import PeopleField

DATE = forms.DateInput(format="%Y-%m-%d", attrs={"type": "date"})
TIME = forms.TimeInput(format="%H:%M", attrs={"type": "time", "step": 300})


class MeetingTypeField(forms.ModelChoiceField):
    def label_from_instance(self, obj: MeetingType) -> str:
        if obj.requires_approval:
            return _("%(name)s（≤%(n)d 分钟，需分管领导审批）") % {"name": obj.name, "n": obj.max_minutes}
        return _("%(name)s（≤%(n)d 分钟）") % {"name": obj.name, "n": obj.max_minutes}


class RoomField(forms.ModelChoiceField):
    def label_from_instance(self, obj: Room) -> str:
        return _("%(name)s（%(n)d 人）") % {"name": obj.name, "n": obj.capacity}


def _people():
    return Person.objects.filter(is_active=True).select_related("department").order_by("department__sort_order", "name")


class MeetingForm(forms.Form):
    """会议申请表: 主题、目标、议程、参会人、时间（时长）、线上/会议室、需提前准备的材料."""

    title = forms.CharField(label=_("会议主题"), max_length=120)
    project = forms.ModelChoiceField(label=_("所属项目"), queryset=Project.objects.none())
    meeting_type = MeetingTypeField(label=_("会议类型"), queryset=MeetingType.objects.none())
    date = forms.DateField(label=_("日期"), widget=DATE)
    start_time = forms.TimeField(label=_("开始时间"), widget=TIME)
    end_time = forms.TimeField(label=_("结束时间"), widget=TIME)
    mode = forms.ChoiceField(label=_("会议形式"), choices=MeetingMode.choices, initial=MeetingMode.ROOM)
    room = RoomField(label=_("会议室"), queryset=Room.objects.none(), required=False)
    online_link = forms.CharField(
        label=_("线上会议链接或会议号"), max_length=300, required=False, help_text=_("如 腾讯会议 123-456-789")
    )
    chair = PersonChoiceField(label=_("主持人"), queryset=Person.objects.none())
    recorder = PersonChoiceField(
        label=_("记录人"), queryset=Person.objects.none(), required=False, help_text=_("留空由组织者编写纪要")
    )
    participants = PeopleField(
        label=_("参会人"),
        queryset=Person.objects.none(),
        widget=forms.SelectMultiple(attrs={"size": 8}),
        help_text=_("按住 Ctrl（Mac 为 ⌘）可多选；组织者与主持人自动列入"),
    )
    goal = forms.CharField(label=_("会议目标"), widget=forms.Textarea(attrs={"rows": 2}))
    agenda = forms.CharField(
        label=_("议程"), widget=forms.Textarea(attrs={"rows": 4}), help_text=_("每行一项，如“1. 方案介绍（10 分钟）”")
    )
    materials = forms.CharField(label=_("需提前准备的材料"), widget=forms.Textarea(attrs={"rows": 2}), required=False)
    repeat_weekly = forms.BooleanField(label=_("每周重复（周例会）"), required=False)
    repeat_month_end = forms.BooleanField(
        label=_("每月末重复（项目月度会）"), required=False, help_text=_("每月最后一个工作日的同一时间")
    )
    repeat_until = forms.DateField(label=_("重复至"), widget=DATE, required=False)
    version = forms.IntegerField(widget=forms.HiddenInput, required=False)
    called_by = forms.CharField(widget=forms.HiddenInput, required=False, max_length=120)

    def __init__(self, *args, user=None, series_allowed: bool = True, **kwargs):
        super().__init__(*args, **kwargs)
        choice = self._choice
        choice("project").queryset = Project.objects.restrict(user).filter(status="active")
        choice("meeting_type").queryset = MeetingType.objects.filter(is_active=True)
        choice("room").queryset = Room.objects.filter(is_active=True)
        for name in ("chair", "recorder", "participants"):
            choice(name).queryset = _people()
        if not series_allowed:
            del self.fields["repeat_weekly"]
            del self.fields["repeat_month_end"]
            del self.fields["repeat_until"]

    def _choice(self, name: str) -> forms.ModelChoiceField:
        return cast(forms.ModelChoiceField, self.fields[name])

    def clean(self):
        data = super().clean()
        if data.get("repeat_weekly") and data.get("repeat_month_end"):
            self.add_error("repeat_month_end", _("请只选择一种重复方式：每周或每月末"))
        elif self.frequency() and not data.get("repeat_until"):
            self.add_error("repeat_until", _("重复的会议请填写重复至哪一天"))
        return data

    def frequency(self) -> str:
        """The series' frequency chosen ("" for a single meeting)."""
        data = getattr(self, "cleaned_data", {})
        if data.get("repeat_month_end"):
            return SeriesFrequency.MONTH_END
        return SeriesFrequency.WEEKLY if data.get("repeat_weekly") else ""

    def instants(self) -> tuple[dt.datetime | None, dt.datetime | None]:
        day, start, end = (self.cleaned_data.get(k) for k in ("date", "start_time", "end_time"))
        if day is None:
            return None, None
        tz = clock.local().tzinfo
        return (
            dt.datetime.combine(day, start, tzinfo=tz) if start else None,
            dt.datetime.combine(day, end, tzinfo=tz) if end else None,
        )

    def service_data(self) -> dict:
        start, end = self.instants()
        data = {k: self.cleaned_data.get(k) for k in ("title", "project", "meeting_type", "mode", "room", "chair")}
        data.update(
            recorder=self.cleaned_data.get("recorder"),
            online_link=self.cleaned_data.get("online_link", ""),
            goal=self.cleaned_data.get("goal", ""),
            agenda=(self.cleaned_data.get("agenda") or "").splitlines(),
            materials=self.cleaned_data.get("materials", ""),
            start_at=start,
            end_at=end,
        )
        if self.cleaned_data.get("called_by"):
            data["called_by"] = self.cleaned_data["called_by"]
        return data


# service field → form field, so a service's refusal lands next to the right input
FIELD_MAP = {"start_at": "start_time", "end_at": "end_time"}


class SeriesForm(forms.Form):
    title = forms.CharField(label=_("会议主题"), max_length=120)
    start_time = forms.TimeField(label=_("开始时间"), widget=TIME)
    end_time = forms.TimeField(label=_("结束时间"), widget=TIME)
    mode = forms.ChoiceField(label=_("会议形式"), choices=MeetingMode.choices)
    room = RoomField(label=_("会议室"), queryset=Room.objects.none(), required=False)
    online_link = forms.CharField(label=_("线上会议链接或会议号"), max_length=300, required=False)
    chair = PersonChoiceField(label=_("主持人"), queryset=Person.objects.none())
    recorder = PersonChoiceField(label=_("记录人"), queryset=Person.objects.none(), required=False)
    participants = PeopleField(
        label=_("参会人"), queryset=Person.objects.none(), widget=forms.SelectMultiple(attrs={"size": 8})
    )
    goal = forms.CharField(label=_("会议目标"), widget=forms.Textarea(attrs={"rows": 2}))
    agenda = forms.CharField(label=_("议程"), widget=forms.Textarea(attrs={"rows": 4}), help_text=_("每行一项"))
    materials = forms.CharField(label=_("需提前准备的材料"), widget=forms.Textarea(attrs={"rows": 2}), required=False)
    version = forms.IntegerField(widget=forms.HiddenInput, required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["room"].queryset = Room.objects.filter(is_active=True)
        for name in ("chair", "recorder", "participants"):
            self.fields[name].queryset = _people()


class RespondForm(forms.Form):
    response = forms.ChoiceField(choices=[("accepted", _("确认参加")), ("declined", _("请假"))])
    reason = forms.CharField(required=False, max_length=300)


class MinutesForm(forms.Form):
    discussion = forms.CharField(label=_("讨论要点"), widget=forms.Textarea(attrs={"rows": 6}), required=False)
    decisions = forms.CharField(label=_("决议"), widget=forms.Textarea(attrs={"rows": 4}), required=False)
    departments = forms.ModelMultipleChoiceField(
        label=_("分发部门"),
        queryset=Department.objects.all(),
        required=False,
        widget=forms.SelectMultiple(attrs={"size": 6}),
        help_text=_("纪要确认后同时分发这些部门的负责人"),
    )
    version = forms.IntegerField(widget=forms.HiddenInput, required=False)


class ActionItemForm(forms.Form):
    id = forms.IntegerField(widget=forms.HiddenInput, required=False)
    title = forms.CharField(label=_("事项"), max_length=120, required=False)
    owner = PersonChoiceField(label=_("负责人"), queryset=Person.objects.none(), required=False)
    due_date = forms.DateField(label=_("完成期限"), widget=DATE, required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["owner"].queryset = _people()

    def is_blank(self) -> bool:
        data = getattr(self, "cleaned_data", {}) or {}
        return not (data.get("title") or data.get("owner") or data.get("due_date"))


ActionItemFormSet = forms.formset_factory(ActionItemForm, extra=3, max_num=50, validate_max=True)
