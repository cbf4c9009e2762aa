"""The request page's 关键时间节点 and 需求变更 sections, the 需求变更 form and the version list (each version with
its diff and who has confirmed 已阅)."""

from __future__ import annotations

from typing import Any, cast

from django import forms
from django.contrib import messages
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from xietong.clocks.selectors import clock_views
from xietong.core.errors import ApplicationError
from xietong.core.http import AuthedRequest
from xietong.core.permissions import access
from xietong.core.views import form_apply_error
from xietong.items.step_views import step_view
from xietong.org.models import Person
from xietong.org.pickers import PersonChoiceField
from xietong.requests.changes import (
    CHANGE_PARTS,
    CHANGEABLE,
    CRITERIA_LABEL,
    REQUEST_CHANGE,
    change_request,
    criteria_shown,
    either_side,
    may_change,
)
from xietong.requests.choices import Priority
from xietong.requests.milestones import MILESTONE, buffer_days, buffer_warnings, milestone_add
from xietong.requests.models import Milestone, Request, RequestVersion
from xietong.requests.participants import Taking, participants_parse, participants_text
from xietong.requests.validation import criteria_texts

milestone_do = step_view(MILESTONE)
change_do = step_view(REQUEST_CHANGE)
DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


class MilestoneForm(forms.Form):
    title = forms.CharField(label=gettext_lazy("节点名称"), max_length=100)
    owner = PersonChoiceField(label=gettext_lazy("责任人"), queryset=Person.objects.filter(is_active=True))
    due_date = forms.DateField(label=gettext_lazy("节点日期"), required=False, widget=DATE)
    workday = forms.IntegerField(
        label=gettext_lazy("或：第几个工作日"),
        required=False,
        min_value=1,
        max_value=250,
        help_text=gettext_lazy("按工作日计的节点，如第10个工作日；起算日当天（如为工作日）为第1个工作日"),
    )
    start_date = forms.DateField(label=gettext_lazy("起算日"), required=False, widget=DATE)
    after = forms.ModelChoiceField(label=gettext_lazy("前置节点"), queryset=Milestone.objects.none(), required=False)

    def __init__(self, *args, request_item: Request, **kwargs):
        super().__init__(*args, **kwargs)
        cast(forms.ModelChoiceField, self.fields["after"]).queryset = Milestone._base_manager.filter(
            request=request_item
        ).exclude(state="cancelled")


class ChangeForm(forms.Form):
    title = forms.CharField(label=CHANGEABLE["title"], max_length=200)
    background = forms.CharField(label=CHANGEABLE["background"], widget=forms.Textarea(attrs={"rows": 3}))
    goal = forms.CharField(label=CHANGEABLE["goal"], widget=forms.Textarea(attrs={"rows": 3}))
    content = forms.CharField(label=CHANGEABLE["content"], widget=forms.Textarea(attrs={"rows": 4}))
    expected_date = forms.DateField(label=CHANGEABLE["expected_date"], widget=DATE)
    priority = forms.ChoiceField(label=CHANGEABLE["priority"], choices=Priority.choices)
    criteria = forms.CharField(
        label=CRITERIA_LABEL,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=gettext_lazy("每行一条，可量化"),
    )
    participants = forms.CharField(
        label=gettext_lazy("参与部门及职责"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=gettext_lazy(
            "每行一个：部门/对接人：职责；新增的部门负责人须在平台确认签字，删去的部门撤回，均随变更书面通知"
        ),
    )
    reason = forms.CharField(label=gettext_lazy("变更原因"), widget=forms.Textarea(attrs={"rows": 3}), max_length=3000)
    version = forms.IntegerField(required=False, widget=forms.HiddenInput)

    def __init__(self, *args, nodes: list[Milestone], parts: list[tuple[str, Any, Any]] | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["reason"].error_messages["required"] = _("请填写变更原因")
        self.fields["criteria"].error_messages["required"] = _("请至少填写一条可量化的验收标准")
        self.taking: list[Taking] = []
        for node in nodes:
            label = (
                _("节点“%(t)s”起算日（第%(n)s个工作日）") % {"t": node.title, "n": node.workday}
                if node.is_relative
                else _("节点“%(t)s”日期") % {"t": node.title}
            )
            self.fields[f"milestone_{node.pk}"] = forms.DateField(label=label, widget=DATE)
        for name, field, _initial in parts or []:  # other apps' share of the change (requests.changes.ChangePart)
            self.fields[name] = field
        self.order_fields([name for name in self.fields if name not in ("reason", "version")])

    def clean_participants(self) -> str:
        text = self.cleaned_data.get("participants") or ""
        self.taking, problem = participants_parse(text)
        if problem:
            raise forms.ValidationError(problem)
        return text

    def criteria_lines(self) -> list[str]:
        return [line.strip() for line in (self.cleaned_data.get("criteria") or "").splitlines() if line.strip()]

    def part_values(self) -> dict[str, Any]:
        return {key: part.form_values(self.cleaned_data) for key, part in CHANGE_PARTS.items() if part.form_values}

    def node_dates(self) -> dict[int, object]:
        return {
            int(name.removeprefix("milestone_")): value
            for name, value in self.cleaned_data.items()
            if name.startswith("milestone_")
        }


def _planned(item: Request) -> list[Milestone]:
    return list(item.milestones.filter(state=Milestone.State.PLANNED).order_by("due_date", "position"))


def milestones_panel(request: Any, item: Any) -> dict[str, Any] | None:
    nodes = list(item.milestones.select_related("owner", "after").order_by("due_date", "position"))
    may_add = either_side(request.user, item) and item.state not in ("closed", "cancelled")
    if not nodes and not may_add:
        return None
    entries = []
    for node in nodes:
        views = [v for v in clock_views(node) if v.clock.kind == "due"]
        entries.append(
            {
                "node": node,
                "tone": MILESTONE.tones.get(node.state, ""),
                "actions": MILESTONE.available(node, request.user),
                "clock": views[0] if views else None,
            }
        )
    return {
        "item": item,
        "entries": entries,
        "warnings": buffer_warnings(item),
        "buffer": buffer_days(),
        "may_add": may_add,
        "form": MilestoneForm(request_item=item),
    }


def changes_panel(request: Any, item: Any) -> dict[str, Any] | None:
    versions = list(item.versions.select_related("author").order_by("-number"))
    allowed = may_change(request.user, item)
    if not versions and not allowed:
        return None
    pending = [
        v for v in versions if v.state == RequestVersion.State.AWAITING and REQUEST_CHANGE.available(v, request.user)
    ]
    return {"item": item, "versions": versions, "may_change": allowed, "pending": pending}


@require_POST
def milestone_new(request: AuthedRequest, request_id: int) -> HttpResponse:
    item = access(request.user, Request, request_id)
    form = MilestoneForm(request.POST, request_item=item)
    if form.is_valid():
        try:
            milestone_add(actor=request.user, request=item, **form.cleaned_data)
        except ApplicationError as error:
            form_apply_error(form, error)
        else:
            messages.success(request, _("已设定关键时间节点"))
            return redirect(item.get_absolute_url() + "#milestones")
    from xietong.requests.views import detail_context

    context = detail_context(request, item)
    for panel in context["panels"]:
        if panel.key == "milestones":
            panel.context["form"] = form
            panel.context["open"] = True
    messages.error(request, _("关键时间节点填写有误"))
    return render(request, "requests/detail.html", context, status=400)


@require_http_methods(["GET", "POST"])
def request_change(request: AuthedRequest, request_id: int) -> HttpResponse:
    item = access(request.user, Request, request_id)
    if not may_change(request.user, item):
        messages.error(request, _("只有已受理的需求可以由发起方或接收方提出需求变更"))
        return redirect(item.get_absolute_url())
    nodes = _planned(item)
    parts = [
        field for part in CHANGE_PARTS.values() if part.form_fields for field in part.form_fields(item, request.user)
    ]
    if request.method == "POST":
        form = ChangeForm(request.POST, nodes=nodes, parts=parts)
        if form.is_valid():
            data = {name: form.cleaned_data[name] for name in CHANGEABLE}
            try:
                change_request(
                    actor=request.user,
                    request=item,
                    reason=form.cleaned_data["reason"],
                    data=data,
                    milestones=form.node_dates(),
                    criteria=form.criteria_lines(),
                    participants=form.taking,
                    parts=form.part_values(),
                    expected_version=form.cleaned_data.get("version"),
                )
            except ApplicationError as error:
                form_apply_error(form, error)
            else:
                messages.success(request, _("需求变更已发出，等待各参与方确认“已阅”"))
                return redirect("request-versions", request_id=item.pk)
    else:
        initial = {name: getattr(item, name) for name in CHANGEABLE}
        initial.update({f"milestone_{n.pk}": (n.start_date if n.is_relative else n.due_date) for n in nodes})
        initial["criteria"] = "\n".join(criteria_texts(item))
        initial["participants"] = participants_text(item)
        initial["version"] = item.version
        initial.update({name: value for name, _field, value in parts})
        form = ChangeForm(initial=initial, nodes=nodes, parts=parts)
    return render(request, "requests/change_form.html", {"item": item, "form": form})


@require_GET
def request_versions(request: AuthedRequest, request_id: int) -> HttpResponse:
    item = access(request.user, Request, request_id)
    versions = []
    for version in item.versions.select_related("author").prefetch_related("receipts__person").order_by("-number"):
        receipts = list(version.receipts.all())
        versions.append(
            {
                "v": version,
                "tone": REQUEST_CHANGE.tones.get(version.state, ""),
                "receipts": receipts,
                "read": sum(1 for r in receipts if r.confirmed_at),
                "actions": REQUEST_CHANGE.available(version, request.user),
                "content": [
                    *((label, version.snapshot.get(name, "—")) for name, label in CHANGEABLE.items()),
                    (CRITERIA_LABEL, criteria_shown(version.snapshot.get("criteria", []))),
                    (_("参与部门及职责"), "\n".join(version.snapshot.get("participants", [])) or "—"),
                ],
                "nodes": version.snapshot.get("milestones", []),
            }
        )
    return render(
        request,
        "requests/versions.html",
        {"item": item, "versions": versions, "may_change": may_change(request.user, item)},
    )
